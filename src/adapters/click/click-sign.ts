import { createHash, timingSafeEqual } from 'node:crypto'

/** The raw strings the signature covers (specs/click.md §3), exactly as received. */
export interface ClickSignFields {
  click_trans_id: string
  service_id: string
  merchant_trans_id: string
  /** Only for Complete (`action=1`). */
  merchant_prepare_id?: string
  amount: string
  action: string
  sign_time: string
}

/**
 * `md5(click_trans_id + service_id + SECRET_KEY + merchant_trans_id [+ merchant_prepare_id]
 * + amount + action + sign_time)`, lower-case hex. `merchant_prepare_id` is included exactly
 * when `action` is `"1"` (any other action is signed with the Prepare formula).
 *
 * @example
 * clickSignString({ click_trans_id: '2387417364', service_id: '12345', merchant_trans_id: '1042', amount: '125000.00', action: '0', sign_time: '2024-05-14 10:30:15' }, 'SeCrEtKeY123')
 * // '0affe202f96baebd814f59e4f9c4cde8'
 */
export function clickSignString (fields: ClickSignFields, secretKey: string): string {
  const prepareId = fields.action === '1' ? (fields.merchant_prepare_id ?? '') : ''
  const input = fields.click_trans_id + fields.service_id + secretKey + fields.merchant_trans_id +
    prepareId + fields.amount + fields.action + fields.sign_time
  return createHash('md5').update(input, 'utf8').digest('hex')
}

/** Compares a received `sign_string` with the expected one, case-insensitively, in constant time. */
export function isClickSignatureValid (fields: ClickSignFields, signString: string, secretKey: string): boolean {
  const expected = Buffer.from(clickSignString(fields, secretKey), 'utf8')
  const received = Buffer.from(signString.toLowerCase(), 'utf8')
  if (received.length !== expected.length) return false
  return timingSafeEqual(received, expected)
}

/**
 * The `Auth` header of Click's outbound Merchant API (specs/click.md §11):
 * `<merchant_user_id>:sha1(timestamp + secret_key):<timestamp>`, timestamp in Unix seconds.
 *
 * @example
 * clickMerchantAuth('4321', 'SeCrEtKeY123', 1715682615) // '4321:529be8ef7f0076f7e02fbbb485402f491c681011:1715682615'
 */
export function clickMerchantAuth (merchantUserId: string, secretKey: string, timestampS: number): string {
  const ts = String(Math.floor(timestampS))
  return `${merchantUserId}:${createHash('sha1').update(ts + secretKey, 'utf8').digest('hex')}:${ts}`
}

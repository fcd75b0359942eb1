/**
 * Click's outbound Merchant API (specs/click.md §11), the one call Bozor makes: the reversal
 * of a whole payment, `DELETE {CLICK_API_BASE}/payment/reversal/:service_id/:payment_id`,
 * authenticated by `Auth: <merchant_user_id>:sha1(timestamp + secret_key):<timestamp>`.
 * Node's fetch (undici), a timeout per call, no retries here: the caller decides (the outbox
 * retries a {@link ClickApiError} with `retryable`, an admin retries the request).
 *
 * @example
 * const api = createClickMerchantApi({ apiBase, serviceId, merchantUserId, secretKey, clock })
 * const { paymentId } = await api.reversePayment('3112459087')
 */
import type { ProviderName } from '../../domain/payments/payment.js'
import { ProviderError } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ErrorCode } from '../../domain/shared/errors.js'
import { clickMerchantAuth } from './click-sign.js'

/** How long one call may take before it counts as a transient failure. */
export const CLICK_API_TIMEOUT_MS = 15_000

const CLICK: ProviderName = 'click'
const DIGITS = /^\d{1,20}$/

export interface ClickMerchantApiOptions {
  /** `CLICK_API_BASE`, without a trailing slash (config strips it). */
  apiBase: string
  /** `CLICK_SERVICE_ID`. */
  serviceId: string
  /** `CLICK_MERCHANT_USER_ID`. */
  merchantUserId: string
  /** `CLICK_SECRET_KEY`: only its SHA-1 digest with the timestamp leaves the process. */
  secretKey: string
  clock: Clock
  timeoutMs?: number
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch
}

/** A successful reversal: Click's `payment_id` (digits, kept as a string: 64-bit). */
export interface ClickReversal {
  paymentId: string
}

/** The call Bozor needs from Click's Merchant API. */
export interface ClickMerchantApi {
  /**
   * Reverses payment `paymentId` (the `click_paydoc_id` of the SHOP callbacks, decision 0009)
   * whole. Throws {@link ClickApiError}.
   */
  reversePayment(paymentId: string): Promise<ClickReversal>
}

/**
 * A failed Merchant API call. `retryable`: no answer, a timeout, HTTP 429 or 5xx, or an answer
 * that could not be read (code `ERR_PAYMENT_RETRY`); otherwise permanent: Click answered
 * `error_code` ≠ 0, e.g. a refused reversal (`ERR_PAYMENT_STATE`), or rejected the call itself
 * with HTTP 4xx — bad credentials, unknown service (`ERR_PAYMENT_PROVIDER`). Never carries
 * the secret or the `Auth` header.
 */
export class ClickApiError extends ProviderError {
  readonly retryable: boolean
  /** HTTP status of Click's answer; null when there was none. */
  readonly httpStatus: number | null
  /** Click's `error_code`, when its answer had one. */
  readonly errorCode: number | null
  readonly errorNote: string | null

  constructor (message: string, init: { code: ErrorCode, retryable: boolean, httpStatus: number | null, errorCode?: number | null, errorNote?: string | null, paymentId: string, cause?: unknown }) {
    super(CLICK, message, {
      code: init.code,
      cause: init.cause,
      details: { paymentId: init.paymentId, httpStatus: init.httpStatus, clickErrorCode: init.errorCode ?? null, clickErrorNote: init.errorNote ?? null }
    })
    this.name = 'ClickApiError'
    this.retryable = init.retryable
    this.httpStatus = init.httpStatus
    this.errorCode = init.errorCode ?? null
    this.errorNote = init.errorNote ?? null
  }
}

/** Click's answer fields; `payment_id` is read from the text so a 64-bit id keeps its digits. */
interface ClickAnswer { errorCode: number | null, errorNote: string | null, paymentId: string | null }

function readAnswer (text: string): ClickAnswer | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof body !== 'object' || body === null) return undefined
  const record = body as Record<string, unknown>
  const code = typeof record.error_code === 'number'
    ? record.error_code
    : typeof record.error_code === 'string' && /^-?\d+$/.test(record.error_code) ? Number(record.error_code) : null
  const note = typeof record.error_note === 'string' ? record.error_note.slice(0, 300) : null
  const id = /"payment_id"\s*:\s*"?(\d{1,20})"?/.exec(text)?.[1] ?? null
  return { errorCode: code, errorNote: note, paymentId: id }
}

/** The Merchant API client; see {@link ClickMerchantApi}. */
export function createClickMerchantApi (options: ClickMerchantApiOptions): ClickMerchantApi {
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? CLICK_API_TIMEOUT_MS
  if (!DIGITS.test(options.serviceId)) throw new RangeError('Click service id must be digits')

  return {
    async reversePayment (paymentId) {
      const fail = (message: string, init: Omit<ConstructorParameters<typeof ClickApiError>[1], 'paymentId'>): ClickApiError =>
        new ClickApiError(message, { ...init, paymentId })
      if (!DIGITS.test(paymentId)) {
        throw fail(`Click payment id ${JSON.stringify(paymentId)} is not digits; reverse it in the Click merchant cabinet`, { code: 'ERR_PAYMENT_STATE', retryable: false, httpStatus: null })
      }
      const url = `${options.apiBase}/payment/reversal/${options.serviceId}/${paymentId}`
      const auth = clickMerchantAuth(options.merchantUserId, options.secretKey, Math.floor(options.clock.now() / 1000))
      let res: Response
      let text: string
      try {
        res = await doFetch(url, {
          method: 'DELETE',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json', Auth: auth },
          signal: AbortSignal.timeout(timeoutMs)
        })
        text = await res.text()
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        throw fail(timedOut
          ? `Click payment/reversal of payment ${paymentId} got no answer within ${timeoutMs} ms; it may or may not have been reversed`
          : `Click payment/reversal of payment ${paymentId} could not reach ${options.apiBase} (${error instanceof Error ? error.message : String(error)})`,
        { code: 'ERR_PAYMENT_RETRY', retryable: true, httpStatus: null, cause: error })
      }
      const answer = readAnswer(text)
      const said = answer?.errorNote != null || answer?.errorCode != null ? ` (error_code ${String(answer?.errorCode)}: ${answer?.errorNote ?? ''})` : ''
      if (res.status === 429 || res.status >= 500) {
        throw fail(`Click payment/reversal of payment ${paymentId} failed with HTTP ${res.status}${said}; try again`,
          { code: 'ERR_PAYMENT_RETRY', retryable: true, httpStatus: res.status, errorCode: answer?.errorCode, errorNote: answer?.errorNote })
      }
      if (res.status < 200 || res.status >= 300) {
        throw fail(`Click rejected payment/reversal of payment ${paymentId} with HTTP ${res.status}${said}; check CLICK_MERCHANT_USER_ID, CLICK_SECRET_KEY and CLICK_SERVICE_ID`,
          { code: 'ERR_PAYMENT_PROVIDER', retryable: false, httpStatus: res.status, errorCode: answer?.errorCode, errorNote: answer?.errorNote })
      }
      if (answer === undefined || answer.errorCode === null) {
        throw fail(`Click answered payment/reversal of payment ${paymentId} with HTTP ${res.status} but no readable error_code; it may or may not have been reversed`,
          { code: 'ERR_PAYMENT_RETRY', retryable: true, httpStatus: res.status })
      }
      if (answer.errorCode !== 0) {
        throw fail(`Click refused to reverse payment ${paymentId}${said}`,
          { code: 'ERR_PAYMENT_STATE', retryable: false, httpStatus: res.status, errorCode: answer.errorCode, errorNote: answer.errorNote })
      }
      return { paymentId: answer.paymentId ?? paymentId }
    }
  }
}

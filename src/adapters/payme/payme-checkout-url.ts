import { DomainError } from '../../domain/shared/errors.js'
import type { Money } from '../../domain/shared/money.js'
import { toPaymeAmount } from './payme-amount.js'

export interface PaymeCheckoutInput {
  /** `PAYME_CHECKOUT_URL`, e.g. `https://checkout.paycom.uz`. */
  checkoutUrl: string
  /** `PAYME_MERCHANT_ID` (the cash register id). */
  merchantId: string
  orderId: string
  /** The order total; must be UZS. */
  amount: Money
  language?: 'ru' | 'uz' | 'en'
  /** Where Payme sends the payer back (`c`). */
  returnUrl?: string
  /** Milliseconds on the success page before returning (`ct`). */
  returnTimeoutMs?: number
}

/**
 * The GET checkout URL (specs/payme.md §9.1): `<host>/<base64("m=…;ac.order_id=…;a=…[;l=…][;c=…][;ct=…]")>`,
 * standard base64 with padding.
 *
 * @example
 * buildPaymeCheckoutUrl({ checkoutUrl: 'https://checkout.paycom.uz', merchantId: '5e730e8e0b852a417aa49ceb', orderId: '1042', amount: money(12_500_000, 'UZS'), language: 'uz', returnUrl: 'https://t.me/example_shop_bot' })
 */
export function buildPaymeCheckoutUrl (input: PaymeCheckoutInput): string {
  const pairs: Array<[string, string]> = [
    ['m', input.merchantId],
    ['ac.order_id', input.orderId],
    ['a', String(toPaymeAmount(input.amount))]
  ]
  if (input.language !== undefined) pairs.push(['l', input.language])
  if (input.returnUrl !== undefined) pairs.push(['c', input.returnUrl])
  if (input.returnTimeoutMs !== undefined) pairs.push(['ct', String(input.returnTimeoutMs)])
  for (const [key, value] of pairs) {
    if (value === '' || value.includes(';')) {
      throw new DomainError('ERR_VALIDATION', `Payme checkout parameter ${key} must be non-empty and must not contain ";"`, { errors: [{ field: key, message: 'empty or contains ";"' }] })
    }
  }
  const params = pairs.map(([k, v]) => `${k}=${v}`).join(';')
  return `${input.checkoutUrl.replace(/\/+$/, '')}/${Buffer.from(params, 'utf8').toString('base64')}`
}

/** Reads the parameters back from a checkout URL (for the sandbox simulator and tests). */
export function parsePaymeCheckoutUrl (url: string): Record<string, string> {
  const encoded = new URL(url).pathname.split('/').filter(Boolean).pop() ?? ''
  const out: Record<string, string> = {}
  for (const pair of Buffer.from(encoded, 'base64').toString('utf8').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

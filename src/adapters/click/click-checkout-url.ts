import { DomainError } from '../../domain/shared/errors.js'
import type { Money } from '../../domain/shared/money.js'
import { formatClickAmount } from './click-amount.js'

export interface ClickCheckoutInput {
  /** `CLICK_CHECKOUT_URL`, e.g. `https://my.click.uz/services/pay`. */
  checkoutUrl: string
  serviceId: string
  merchantId: string
  orderId: string
  /** The order total; must be UZS. */
  amount: Money
  returnUrl?: string
  cardType?: 'uzcard' | 'humo'
  merchantUserId?: string
}

/**
 * The checkout URL (specs/click.md §12): `service_id`, `merchant_id`, `amount` in so'm with
 * two decimals, `transaction_param` = order id, then the optional `return_url`, `card_type`,
 * `merchant_user_id`; query-encoded.
 *
 * @example
 * buildClickCheckoutUrl({ checkoutUrl: 'https://my.click.uz/services/pay', serviceId: '12345', merchantId: '6789', orderId: '1042', amount: money(12_500_000, 'UZS'), returnUrl: 'https://t.me/example_shop_bot' })
 * // 'https://my.click.uz/services/pay?service_id=12345&merchant_id=6789&amount=125000.00&transaction_param=1042&return_url=https%3A%2F%2Ft.me%2Fexample_shop_bot'
 */
export function buildClickCheckoutUrl (input: ClickCheckoutInput): string {
  if (input.amount.currency !== 'UZS') {
    throw new DomainError('ERR_PAYMENT_PROVIDER_NOT_OFFERED', `Click takes UZS only, not ${input.amount.currency}`, { provider: 'click', currency: input.amount.currency })
  }
  const query: Array<[string, string]> = [
    ['service_id', input.serviceId],
    ['merchant_id', input.merchantId],
    ['amount', formatClickAmount(input.amount.amount)],
    ['transaction_param', input.orderId]
  ]
  if (input.returnUrl !== undefined) query.push(['return_url', input.returnUrl])
  if (input.cardType !== undefined) query.push(['card_type', input.cardType])
  if (input.merchantUserId !== undefined) query.push(['merchant_user_id', input.merchantUserId])
  const qs = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
  return `${input.checkoutUrl}${input.checkoutUrl.includes('?') ? '&' : '?'}${qs}`
}

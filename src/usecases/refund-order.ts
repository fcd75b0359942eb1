/**
 * `POST /api/v1/orders/:id/refund`: refunds through the provider that took the payment
 * (DESIGN.md). Providers plug in through a small table ({@link RefundProviders}): Stripe
 * refunds by API; Click by a whole-payment reversal when its Merchant API is configured
 * (click-reversal.ts); Payme, and Click without CLICK_MERCHANT_USER_ID, cannot (the merchant
 * refunds in the provider's cabinet, the ledger is unchanged: ERR_REFUND_UNSUPPORTED); Telegram
 * Stars refunds whole through `refundStarPayment` when the bot runs.
 *
 * @example
 * await refundOrder({ orders, providers: { stripe: stripeRefunds(stripeDeps, refundStore) }, now }, { orderId: '1042', amount: 5000 })
 */
import type { Order } from '../domain/orders/order.js'
import { refundableAmount } from '../domain/orders/order-state.js'
import type { ProviderName } from '../domain/payments/payment.js'
import { DomainError } from '../domain/shared/errors.js'

/** What a refund provider gets: the order as locked and checked, and the amount left to send. */
export interface RefundRequest {
  order: Order
  /** Minor units, 1..refundable. */
  amount: number
  reason: string
}

/** One provider's refund: resolves once the ledger has it (or throws a catalog error). */
export type RefundProvider = (request: RefundRequest) => Promise<void>

/** `'unsupported'` = the provider cannot refund by API. */
export type RefundProviders = Partial<Record<ProviderName, RefundProvider | 'unsupported'>>

/** The order as the refund sees it: which provider took the payment. */
export interface RefundOrderStore {
  /** The order and the provider that paid it (`shop_order.provider`), without locking. */
  readForRefund(orderId: string): Promise<{ order: Order, provider: ProviderName | null } | undefined>
}

export interface RefundOrderDeps {
  store: RefundOrderStore
  providers: RefundProviders
}

/**
 * Refunds `amount` (default: everything left) of a paid or fulfilled order. Throws
 * ERR_ORDER_NOT_FOUND, ERR_ORDER_NOTHING_REFUNDABLE (409), ERR_ORDER_REFUND_AMOUNT (400),
 * ERR_REFUND_UNSUPPORTED (409) or the provider's error.
 */
export async function refundOrder (deps: RefundOrderDeps, input: { orderId: string, amount?: number, reason?: string }): Promise<void> {
  const found = await deps.store.readForRefund(input.orderId)
  if (found === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${input.orderId}`, { orderId: input.orderId })
  const { order, provider } = found
  const left = refundableAmount(order)
  if (left <= 0 || provider === null) {
    throw new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has nothing left to refund`, { orderId: order.id, state: order.state })
  }
  const amount = input.amount ?? left
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left) {
    throw new DomainError('ERR_ORDER_REFUND_AMOUNT', `Refund amount must be a whole number of minor units between 1 and ${left}`, { orderId: order.id, refundable: left, errors: [{ field: 'amount', message: `must be between 1 and ${left}` }] })
  }
  const refund = deps.providers[provider]
  if (refund === undefined || refund === 'unsupported') {
    throw new DomainError('ERR_REFUND_UNSUPPORTED', `${provider} cannot refund by API: refund order ${order.id} in the ${provider} merchant cabinet; the ledger is unchanged`, { orderId: order.id, provider })
  }
  await refund({ order, amount, reason: input.reason ?? 'refunded by the merchant' })
}

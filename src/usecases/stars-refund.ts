/**
 * A Telegram Stars payment that lands for an order that can no longer take it (expired, paid
 * another way, held by another provider) is refunded through the outbox, so a process that dies
 * between recording the payment and refunding it refunds it after restart (issue 13; DESIGN.md
 * "Any payment that lands for an order that is no longer pending … is refunded automatically").
 * The ledger records a pending `auto` refund and a `stars.refund` outbox row in the payment's own
 * transaction; the handler (jobs/stars-refund.ts) calls `refundStarPayment` outside any
 * transaction and settles the refund row with the answer: refunded (the customer is told), or
 * refused for good (the refund fails and the order is flagged `needs_attention`). A transient
 * failure leaves the refund pending and the row is retried.
 *
 * @example
 * const outcome = await refundLateStarsPayment({ gateway }, refund)
 */
import { ProviderError } from '../domain/payments/payment.js'
import type { Money } from '../domain/shared/money.js'

/** An automatic Stars refund. */
export interface StarsRefund {
  state: 'pending' | 'succeeded' | 'failed'
  refundId: string
  orderId: string
  chargeId: string
  telegramId: number
  amount: Money
}

/** Why a refund was refused for good. */
export interface StarsRefundFailure { code: string, message: string }

/** The ledger side (usecases/payments/stars-ledger.ts). `Tx`: the step's transaction. */
export interface StarsRefundStore<Tx> {
  /** The refund; undefined when unknown. */
  refund(refundId: string): Promise<StarsRefund | undefined>
  /** Telegram refunded the charge: the refund succeeds and the payment becomes refunded. */
  refundSucceeded(tx: Tx, refundId: string, now: number): Promise<void>
  /** Telegram refused: the refund fails and the order is flagged `needs_attention`. */
  refundFailed(tx: Tx, refundId: string, failure: StarsRefundFailure, now: number): Promise<void>
}

/** `refundStarPayment` (the bot's Stars service). */
export interface StarsRefundGateway {
  /**
   * Refunds a charge whole; a charge refunded already counts as done. Throws a
   * {@link ProviderError}: code `ERR_PAYMENT_RETRY` when the call may be repeated.
   */
  refundCharge(telegramId: number, chargeId: string): Promise<void>
}

export type StarsRefundOutcome = { outcome: 'refunded' } | { outcome: 'refused', failure: StarsRefundFailure }

/**
 * Calls Telegram for one refund. A transient failure throws (the outbox retries the row); a
 * refusal is returned, to be recorded.
 */
export async function refundLateStarsPayment (deps: { gateway: StarsRefundGateway }, refund: Pick<StarsRefund, 'telegramId' | 'chargeId'>): Promise<StarsRefundOutcome> {
  try {
    await deps.gateway.refundCharge(refund.telegramId, refund.chargeId)
    return { outcome: 'refunded' }
  } catch (err) {
    if (err instanceof ProviderError && err.code === 'ERR_PAYMENT_RETRY') throw err
    return { outcome: 'refused', failure: { code: err instanceof ProviderError ? err.code : 'ERR_PAYMENT_PROVIDER', message: err instanceof Error ? err.message : String(err) } }
  }
}

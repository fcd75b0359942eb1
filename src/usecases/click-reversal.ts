/**
 * Click refunds through the Merchant API reversal (specs/click.md §6.3 hard rule, §11;
 * DESIGN.md "States"): a reversal returns a whole payment, nothing less. Two ways in:
 * - automatic: a successful Complete the ledger could not apply to its order (paid another
 *   way, cancelled, expired) records a pending refund and a `click.reverse` outbox row; the
 *   outbox handler calls {@link sendClickReversal};
 * - admin: `POST /api/v1/orders/:id/refund` of a Click-paid order ({@link clickRefundProvider}).
 * The ledger records the intent first; the API is called after (STYLE R8). A refused reversal
 * marks the refund failed (an automatic one also flags the order `needs_attention` with a
 * message to ADMIN_CHAT_ID); a transient failure leaves it pending.
 *
 * @example
 * const provider = clickRefundProvider({ ledger: createClickRefundLedger(store), gateway: api })
 * await refundOrder({ store, providers: { click: provider } }, { orderId: '1042' })
 */
import { refundableAmount } from '../domain/orders/order-state.js'
import { ProviderError } from '../domain/payments/payment.js'
import type { Money } from '../domain/shared/money.js'
import { DomainError } from '../domain/shared/errors.js'
import type { RefundProvider } from './refund-order.js'

/** A pending Click refund ready to be sent. */
export interface ClickReversalToSend {
  id: string
  orderId: string
  /** Click's payment id (= the SHOP `click_paydoc_id`). */
  paymentId: string
  amount: Money
  origin: 'admin' | 'auto'
}

/** Why a reversal failed for good, as stored on the refund row. */
export interface ClickReversalFailure {
  code: string
  message: string
  clickErrorCode?: number | null
  httpStatus?: number | null
}

/** The ledger side of Click reversals (usecases/payments/click-refunds.ts). */
export interface ClickReversalLedger {
  /**
   * Admin refund of a Click-paid order: writes (or reuses) a pending refund of the whole
   * payment. Throws ERR_ORDER_NOTHING_REFUNDABLE, or ERR_REFUND_UNSUPPORTED when `amount` is
   * not the whole payment left.
   */
  beginReversal(input: { orderId: string, amount: number, reason: string, now: number }): Promise<string>
  /** The refund when it is still pending; undefined otherwise (done, failed, unknown). */
  reversalToSend(refundId: string): Promise<ClickReversalToSend | undefined>
  /** Click reversed it: refund succeeded, payment refunded; an admin refund also refunds the order. */
  reversalSucceeded(refundId: string, clickPaymentId: string, now: number): Promise<void>
  /** Click refused: refund failed; an automatic one flags the order `needs_attention`. */
  reversalFailed(refundId: string, failure: ClickReversalFailure, now: number): Promise<void>
}

/** The Merchant API call (adapters/click/click-merchant-api.ts). */
export interface ClickReversalGateway {
  /** Throws a `ProviderError`; code `ERR_PAYMENT_RETRY` when the call may be repeated. */
  reversePayment(paymentId: string): Promise<{ paymentId: string }>
}

export interface ClickReversalDeps {
  ledger: ClickReversalLedger
  gateway: ClickReversalGateway
  now: () => number
}

export type ClickReversalResult =
  | { kind: 'succeeded' }
  | { kind: 'refused', error: ProviderError }
  | { kind: 'gone' }

function isRetryable (error: unknown): boolean {
  if (!(error instanceof ProviderError)) return true
  return error.code === 'ERR_PAYMENT_RETRY'
}

/**
 * Sends one pending Click refund as a reversal. Success records it; a permanent refusal marks
 * it failed and returns the error; a refund no longer pending is `gone` (sent already: a
 * second run calls Click no more). A transient failure (no answer, 5xx) throws and leaves it
 * pending.
 */
export async function sendClickReversal (deps: ClickReversalDeps, refundId: string): Promise<ClickReversalResult> {
  const refund = await deps.ledger.reversalToSend(refundId)
  if (refund === undefined) return { kind: 'gone' }
  let reversal: { paymentId: string }
  try {
    reversal = await deps.gateway.reversePayment(refund.paymentId)
  } catch (error) {
    if (isRetryable(error)) throw error
    const failure = error as ProviderError
    const details = failure.details as { clickErrorCode?: number | null, httpStatus?: number | null }
    await deps.ledger.reversalFailed(refund.id, {
      code: failure.code,
      message: failure.message,
      clickErrorCode: details.clickErrorCode ?? null,
      httpStatus: details.httpStatus ?? null
    }, deps.now())
    return { kind: 'refused', error: failure }
  }
  await deps.ledger.reversalSucceeded(refund.id, reversal.paymentId, deps.now())
  return { kind: 'succeeded' }
}

/**
 * The Click entry of the refund table (refund-order.ts): only the whole payment left can be
 * reversed — a partial amount answers ERR_REFUND_UNSUPPORTED (refund a part in the Click
 * cabinet). A refused reversal throws its `ProviderError` (ERR_PAYMENT_STATE for a refusal,
 * ERR_PAYMENT_PROVIDER for rejected credentials) with the order unchanged; a transient failure
 * throws ERR_PAYMENT_RETRY and keeps the refund pending: repeating the request sends it again.
 */
export function clickRefundProvider (deps: ClickReversalDeps): RefundProvider {
  return async ({ order, amount, reason }) => {
    const left = refundableAmount(order)
    if (amount !== left) {
      throw new DomainError('ERR_REFUND_UNSUPPORTED',
        `Click reverses a payment only whole (${left} left on order ${order.id}); refund part of it in the Click merchant cabinet, or leave out "amount" to reverse it all. The ledger is unchanged`,
        { orderId: order.id, provider: 'click', refundable: left })
    }
    const refundId = await deps.ledger.beginReversal({ orderId: order.id, amount, reason, now: deps.now() })
    const result = await sendClickReversal(deps, refundId)
    if (result.kind === 'refused') {
      const error = result.error
      throw new ProviderError('click', `${error.message}. The order is unchanged; refund it in the Click merchant cabinet`, { code: error.code, cause: error, details: { ...error.details, orderId: order.id, refundId } })
    }
  }
}

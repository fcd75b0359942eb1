/**
 * Stripe refunds and disputes on the ledger (part of the {@link StripeLedger} port): admin
 * refunds written as pending `payment_refund` rows before the API call and settled by its answer,
 * refund status events (a failure of a succeeded refund takes it back, decision 0011), and
 * disputes. Every change locks the order first, then the refund row; the order's side is
 * {@link applyPaymentEvent}'s (`refunded`, `refund_failed`, `dispute`).
 *
 * @example
 * const ledger = { ...stripeRefundMethods(store), ... }
 */
import { refundableAmount } from '../../domain/orders/order-state.js'
import type { Order } from '../../domain/orders/order.js'
import { DomainError } from '../../domain/shared/errors.js'
import { formatMoney } from '../../domain/shared/money.js'
import type { StripeEventOutcome, StripeLedger, StripeWebhookEvent } from '../ports-stripe.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import type { PaymentStore, PaymentTx, RefundRecord } from './ports.js'

export const STRIPE = 'stripe'
export const outcome = (note: string, refundsToSend: string[] = []): StripeEventOutcome => ({ duplicate: false, note, refundsToSend })

type RefundStatusEvent = Extract<StripeWebhookEvent, { type: 'refund.status' }>
type DisputeEvent = Extract<StripeWebhookEvent, { type: 'dispute.created' | 'dispute.closed' }>

/**
 * Our refund row for a Stripe Refund: by its `re_…` id, else by the `led_…` id we put in its
 * metadata, else (a Dashboard refund recorded from `charge.refunded`, which carries no refund
 * id) the one external row of the same payment and amount not linked yet.
 */
async function findRefundRow (t: PaymentTx, event: RefundStatusEvent): Promise<RefundRecord | undefined> {
  const [byStripeId] = await t.refunds({ provider: STRIPE, providerRefundId: event.refundId })
  if (byStripeId !== undefined) return byStripeId
  if (event.ledgerRefundId !== null) {
    const byOurs = await t.refundById(event.ledgerRefundId)
    if (byOurs !== undefined && byOurs.provider === STRIPE && (byOurs.providerRefundId === null || byOurs.providerRefundId === event.refundId)) return byOurs
  }
  if (event.paymentIntentId === null) return undefined
  const payment = await t.payment(STRIPE, event.paymentIntentId)
  if (payment === undefined) return undefined
  const [external] = await t.refunds({ provider: STRIPE, origin: 'external', unlinked: true, amount: event.amount.amount, transactionId: payment.id })
  return external
}

/**
 * A refund Stripe accepted or failed later (specs/stripe.md §10). Accepted (`succeeded`, or
 * `pending`, which the ledger counts at once) settles a row still pending here (our API call
 * timed out). Failed or canceled: a pending row becomes failed and the order is flagged; a
 * succeeded one is taken back (decision 0011). A failed row never changes again.
 */
export async function applyRefundStatus (t: PaymentTx, event: RefundStatusEvent, now: number): Promise<StripeEventOutcome> {
  const peek = await findRefundRow(t, event)
  if (peek === undefined) {
    const accepted = event.status === 'succeeded' || event.status === 'pending'
    return outcome(accepted
      ? `refund ${event.refundId} not in the ledger (${event.status}); a Dashboard refund is recorded from charge.refunded`
      : `unknown refund ${event.refundId} (${event.status}); nothing changed`)
  }
  const order = await t.lockOrder(peek.orderId)
  const refund = await t.refundById(peek.id, true)
  if (order === null || refund === undefined) return outcome(`refund ${event.refundId}: order ${peek.orderId} missing`)
  const linked = refund.providerRefundId ?? event.refundId
  const base = { provider: STRIPE, orderId: order.id, transactionId: refund.transactionId } as const
  if (event.status === 'succeeded' || event.status === 'pending') {
    if (refund.state !== 'pending') {
      if (refund.providerRefundId === null) await t.updateRefund(refund.id, { providerRefundId: linked, updatedAt: now })
      return outcome(`refund ${event.refundId} ${event.status}; ledger already ${refund.state}`)
    }
    await applyPaymentEvent(t, order, { ...base, type: 'refunded', amount: refund.amount, origin: refund.origin, reason: refund.reason ?? 'refunded through Stripe', refundId: refund.id, providerRefundId: linked }, now)
    return outcome(`refund ${event.refundId} settled from its event`)
  }
  if (event.status === 'requires_action') return outcome(`refund ${event.refundId} requires action`)
  if (refund.state === 'failed') return outcome(`refund ${event.refundId} already failed`)
  const why = event.failureReason ?? event.status
  const ref = `Stripe refund ${event.refundId} (${refund.id}) of ${formatMoney({ amount: refund.amount, currency: refund.currency }, 'en')} for order ${order.id}`
  await applyPaymentEvent(t, order, {
    ...base,
    type: 'refund_failed',
    refundId: refund.id,
    providerRefundId: linked,
    error: { code: `refund_${event.status}`, failureReason: event.failureReason },
    ref,
    why,
    note: `${ref} ${event.status} (${why}); it was never counted, the order is unchanged. Refund the customer again or another way.`
  }, now)
  return outcome(refund.state === 'pending' ? `pending refund ${event.refundId} ${event.status}` : `refund ${event.refundId} failed`)
}

/**
 * A dispute (chargeback) on one of our payments: `created` flags the order with a notice naming
 * the amount, reason and evidence deadline; `closed` tells ADMIN_CHAT_ID the outcome. The ledger
 * is not changed (Stripe moves the disputed funds itself).
 */
export async function applyDispute (t: PaymentTx, event: DisputeEvent, now: number): Promise<StripeEventOutcome> {
  if (event.paymentIntentId === null) return outcome(`dispute ${event.disputeId} on ${String(event.chargeId)} without a payment intent; not ours to match`)
  const payment = await t.payment(STRIPE, event.paymentIntentId)
  const order = payment === undefined ? null : await t.lockOrder(payment.orderId)
  if (order === null || payment === undefined) return outcome(`dispute ${event.disputeId} for unknown payment ${event.paymentIntentId}`)
  const amount = formatMoney(event.amount, 'en')
  const ref = `Stripe dispute ${event.disputeId} on order ${order.id} (payment ${event.paymentIntentId})`
  const base = { type: 'dispute', provider: STRIPE, orderId: order.id, transactionId: payment.id } as const
  if (event.type === 'dispute.created') {
    const due = event.dueBy === null ? '' : ` Evidence is due by ${new Date(event.dueBy).toISOString()}.`
    await applyPaymentEvent(t, order, { ...base, phase: 'opened', note: `${ref} opened: ${amount}, reason ${event.reason} (status ${event.status}). Respond in the Stripe Dashboard.${due}` }, now)
    return outcome(`dispute ${event.disputeId} opened`)
  }
  const result = event.status === 'won'
    ? 'won: the disputed funds are returned to you'
    : event.status === 'lost' ? 'lost: the disputed funds stay with the customer' : `closed with status ${event.status}`
  await applyPaymentEvent(t, order, { ...base, phase: 'closed', note: `${ref} of ${amount} (reason ${event.reason}) ${result}.` }, now)
  return outcome(`dispute ${event.disputeId} closed (${event.status})`)
}

function notFound (orderId: string): Error {
  return new DomainError('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
}

/** Locks the refund's order, then the refund row. */
async function lockRefund (t: PaymentTx, refundId: string): Promise<{ order: Order | null, refund: RefundRecord | undefined }> {
  const peek = await t.refundById(refundId)
  if (peek === undefined) return { order: null, refund: undefined }
  const order = await t.lockOrder(peek.orderId)
  return { order, refund: await t.refundById(refundId, true) }
}

/** The refund methods of the Stripe ledger. */
export function stripeRefundMethods (store: PaymentStore): Pick<StripeLedger, 'beginRefund' | 'refundToSend' | 'refundSucceeded' | 'refundFailed' | 'pendingRefunds'> {
  return {
    async beginRefund ({ orderId, amount, reason, now }) {
      return await store.transaction(async (t) => {
        const order = await t.lockOrder(orderId)
        if (order === null) throw notFound(orderId)
        const [pending] = await t.refunds({ orderId: order.id, states: ['pending'], origin: 'admin' }, true)
        if (pending !== undefined) {
          if (amount === undefined || amount === pending.amount) return pending.id
          throw new DomainError('ERR_REFUND_PENDING', `A refund of ${pending.amount} for order ${order.id} is still being sent; retry it or wait`, { orderId: order.id, refundId: pending.id })
        }
        const left = refundableAmount(order)
        if (left <= 0) throw new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has nothing left to refund`, { orderId: order.id, state: order.state })
        const value = amount ?? left
        if (!Number.isSafeInteger(value) || value <= 0 || value > left) {
          throw new DomainError('ERR_ORDER_REFUND_AMOUNT', `Refund amount must be a whole number of minor units between 1 and ${left}`, { orderId: order.id, refundable: left, errors: [{ field: 'amount', message: `must be between 1 and ${left}` }] })
        }
        const autos = new Set((await t.refunds({ orderId: order.id, origin: 'auto' })).map((r) => r.transactionId))
        const paying = (await t.payments(order.id, STRIPE, 'succeeded')).find((p) => !autos.has(p.id) && p.amount - p.refundedAmount >= value)
        if (paying === undefined) throw new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} has no Stripe payment with ${value} left to refund`, { orderId: order.id })
        const refund = await t.insertRefund({ orderId: order.id, transactionId: paying.id, provider: STRIPE, origin: 'admin', state: 'pending', amount: value, currency: paying.currency, reason }, now)
        return refund.id
      })
    },

    async refundToSend (refundId) {
      const refund = await store.direct.refundById(refundId)
      if (refund === undefined || refund.state !== 'pending' || refund.provider !== STRIPE) return undefined
      const payment = await store.direct.paymentById(refund.transactionId)
      if (payment === undefined) return undefined
      return { id: refund.id, orderId: refund.orderId, paymentIntentId: payment.providerId, amount: { amount: refund.amount, currency: refund.currency }, reason: refund.reason }
    },

    async refundSucceeded (refundId, providerRefundId, now) {
      await store.transaction(async (t) => {
        const { order, refund } = await lockRefund(t, refundId)
        if (order === null || refund === undefined || refund.state !== 'pending') return
        await applyPaymentEvent(t, order, {
          type: 'refunded', provider: STRIPE, orderId: order.id, transactionId: refund.transactionId, amount: refund.amount, origin: refund.origin, reason: refund.reason ?? 'refunded through Stripe', refundId, providerRefundId
        }, now)
      })
    },

    async refundFailed (refundId, error, now) {
      await store.transaction(async (t) => {
        const { order, refund } = await lockRefund(t, refundId)
        if (order === null || refund === undefined || refund.state !== 'pending') return
        await applyPaymentEvent(t, order, {
          type: 'refund_failed',
          provider: STRIPE,
          orderId: order.id,
          transactionId: refund.transactionId,
          refundId,
          error,
          ref: `Stripe refund ${refundId}`,
          why: String(error.code ?? 'error'),
          note: refund.origin === 'auto' ? `The automatic Stripe refund ${refundId} of order ${order.id} failed (${String(error.code ?? 'error')}); refund it in the Stripe Dashboard.` : null
        }, now)
      })
    },

    async pendingRefunds (olderThan, limit) {
      const rows = await store.direct.refunds({ provider: STRIPE, states: ['pending'], createdBefore: olderThan, limit })
      return rows.map((r) => r.id)
    }
  }
}

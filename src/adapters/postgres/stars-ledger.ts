/**
 * Telegram Stars payments in the ledger (specs/telegram.md §6, checklist 30–35). A
 * `successful_payment` is recorded once by its `telegram_payment_charge_id` (a unique provider
 * id of `payment_transaction`, plus a `provider_event` row); the order becomes paid in the same
 * transaction. A payment for an order that is no longer payable is recorded as `late`: the
 * caller refunds it through `refundStarPayment` and then calls {@link recordStarsRefund}.
 */
import { and, asc, eq } from 'drizzle-orm'
import type { Order } from '../../domain/orders/order.js'
import { createId } from '../../domain/shared/ids.js'
import type { Db } from './database.js'
import type { StarsPaymentOutcome, StarsPayments } from '../../usecases/bot-ports.js'
import { readOrder } from './orders-rows.js'
import { flagOrder, lockOrder, markOrderPaid, recordRefund } from './order-ledger.js'
import { paymentTransaction, providerEvent, shopOrder } from './schema.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { findHold } from '../../domain/orders/hold.js'
import { starsRefusal } from '../../domain/payments/stars-payment.js'

export interface StarsPaymentInput {
  orderId: string
  chargeId: string
  /** Stars (XTR has no minor unit). */
  amount: number
  currency: string
  telegramId: number
  now: number
  raw: unknown
}

export async function recordStarsPayment (db: Db, input: StarsPaymentInput): Promise<StarsPaymentOutcome> {
  return await db.transaction(async (tx) => {
    const inserted = await tx.insert(providerEvent).values({ provider: 'stars', eventId: input.chargeId, receivedAt: new Date(input.now), payload: input.raw as object })
      .onConflictDoNothing().returning({ id: providerEvent.eventId })
    if (inserted.length === 0) return { outcome: 'duplicate' as const }
    const order = await lockOrder(tx, input.orderId)
    const at = new Date(input.now)
    let refusal: string | undefined = starsRefusal(order, input, input.now)
    if (refusal === undefined && order !== undefined) {
      // A Payme or Click payment in progress holds the order: the Stars payment is the extra one.
      const hold = findHold(await loadHoldCandidates(tx, order.id), input.now)
      if (hold !== undefined) refusal = `held by ${hold.provider}`
    }
    if (order === undefined) return { outcome: 'late' as const, reason: `no order ${input.orderId}` }
    const id = createId('pay')
    await tx.insert(paymentTransaction).values({
      id,
      orderId: order.id,
      provider: 'stars',
      providerTransactionId: input.chargeId,
      state: 'succeeded',
      amount: input.amount,
      currency: 'XTR',
      raw: input.raw as object,
      createdAt: at,
      performedAt: at,
      updatedAt: at
    })
    if (refusal !== undefined) return { outcome: 'late' as const, reason: refusal, order }
    const paid = await markOrderPaid(tx, order, { provider: 'stars', transactionId: id, now: input.now, actor: { kind: 'provider', provider: 'stars' } })
    return { outcome: 'paid' as const, order: paid }
  })
}

/**
 * Records a Stars refund of `chargeId` (by `refundStarPayment`, or a `refunded_payment`
 * message): the transaction becomes `refunded` and, when it had paid the order, the order is
 * refunded in full (stock back, customer told). Recording the same refund twice changes nothing.
 */
export async function recordStarsRefund (db: Db, input: { chargeId: string, now: number, reason: string }): Promise<Order | undefined> {
  return await db.transaction(async (tx) => {
    const rows = await tx.select().from(paymentTransaction)
      .where(and(eq(paymentTransaction.provider, 'stars'), eq(paymentTransaction.providerTransactionId, input.chargeId))).for('update')
    const payment = rows[0]
    if (payment === undefined || payment.state === 'refunded') return undefined
    const order = await lockOrder(tx, payment.orderId)
    // Only the payment that paid the order moves the order (the first succeeded Stars payment of an
    // order paid through Stars); refunding an extra payment leaves the order as it is.
    const [paidBy] = await tx.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, payment.orderId))
    const [first] = await tx.select({ id: paymentTransaction.id }).from(paymentTransaction)
      .where(and(eq(paymentTransaction.orderId, payment.orderId), eq(paymentTransaction.provider, 'stars'), eq(paymentTransaction.state, 'succeeded')))
      .orderBy(asc(paymentTransaction.seq)).limit(1)
    await tx.update(paymentTransaction).set({ state: 'refunded', refundedAmount: payment.amount, cancelledAt: new Date(input.now), updatedAt: new Date(input.now) })
      .where(eq(paymentTransaction.id, payment.id))
    if (order === undefined) return undefined
    const paidByThis = (order.state === 'paid' || order.state === 'fulfilled') && paidBy?.provider === 'stars' && first?.id === payment.id &&
      order.refunded.amount < order.total.amount
    if (!paidByThis) return order
    return await recordRefund(tx, order, { amount: order.total.amount - order.refunded.amount, reason: input.reason, now: input.now, actor: { kind: 'provider', provider: 'stars' } })
  })
}

/** Flags an order whose extra Stars payment could not be refunded automatically. */
export async function flagStarsRefundFailed (db: Db, input: { orderId: string, chargeId: string, now: number, error: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const order = await lockOrder(tx, input.orderId)
    if (order === undefined) return
    await flagOrder(tx, order, 'needs_attention', { note: `Order #${order.id}: a Telegram Stars payment (${input.chargeId}) arrived for an order that could not take it and its automatic refund failed (${input.error}). Refund it by hand.`, now: input.now })
  })
}

/** The {@link StarsPayments} port over this module. */
export function createStarsLedger (db: Db): StarsPayments {
  return {
    order: (orderId) => readOrder(db, orderId),
    recordPayment: (input) => recordStarsPayment(db, input),
    recordRefund: async (input) => { await recordStarsRefund(db, input) },
    flagRefundFailed: (input) => flagStarsRefundFailed(db, input),
    payingCharge: (orderId) => payingStarsCharge(db, orderId)
  }
}

/** The charge id of the first succeeded Stars payment of an order paid through Stars. */
export async function payingStarsCharge (db: Db, orderId: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(orderId)) return undefined
  const [paidBy] = await db.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, orderId))
  if (paidBy?.provider !== 'stars') return undefined
  const [first] = await db.select({ chargeId: paymentTransaction.providerTransactionId }).from(paymentTransaction)
    .where(and(eq(paymentTransaction.orderId, orderId), eq(paymentTransaction.provider, 'stars'), eq(paymentTransaction.state, 'succeeded')))
    .orderBy(asc(paymentTransaction.seq)).limit(1)
  return first?.chargeId
}

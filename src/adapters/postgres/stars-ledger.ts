/**
 * Telegram Stars payments in the ledger (specs/telegram.md §6, checklist 30–35). A
 * `successful_payment` is recorded once by its `telegram_payment_charge_id` (a unique provider
 * id of `payment_transaction`, plus a `provider_event` row); the order becomes paid in the same
 * transaction. A payment for an order that is no longer payable is recorded as `late`, with a
 * pending automatic refund and the `stars.refund` outbox row that sends it (usecases/stars-refund.ts),
 * in the same transaction: a crash before the refund is sent delays it, never loses it.
 */
import { and, asc, eq } from 'drizzle-orm'
import type { Order } from '../../domain/orders/order.js'
import { createId } from '../../domain/shared/ids.js'
import type { Db } from './database.js'
import type { StarsPaymentOutcome, StarsPayments } from '../../usecases/bot-ports.js'
import { readOrder } from './orders-rows.js'
import { lockOrder, markOrderPaid, recordRefund } from './order-ledger.js'
import { paymentRefund, paymentTransaction, providerEvent, shopOrder } from './schema.js'
import { enqueueOutbox } from './outbox.js'
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
    if (order === undefined) {
      // nothing in the ledger to settle: the outbox row alone refunds it and tells the customer
      await enqueueOutbox(tx, 'stars.refund', { orderId: input.orderId, chargeId: input.chargeId, telegramId: input.telegramId, amount: input.amount }, input.now)
      return { outcome: 'late' as const, reason: `no order ${input.orderId}` }
    }
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
    if (refusal !== undefined) {
      const refundId = createId('led')
      await tx.insert(paymentRefund).values({
        id: refundId, orderId: order.id, transactionId: id, provider: 'stars', origin: 'auto', state: 'pending', amount: input.amount, currency: 'XTR', reason: `automatic refund: ${refusal}`, createdAt: at, updatedAt: at
      })
      await enqueueOutbox(tx, 'stars.refund', { refundId, orderId: order.id, chargeId: input.chargeId, telegramId: input.telegramId, amount: input.amount }, input.now)
      return { outcome: 'late' as const, reason: refusal, order }
    }
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
  return await db.transaction(async (tx) => await recordStarsRefundIn(tx as unknown as Db, input))
}

/** {@link recordStarsRefund} inside the caller's transaction. */
export async function recordStarsRefundIn (tx: Db, input: { chargeId: string, now: number, reason: string }): Promise<Order | undefined> {
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
}

/** The {@link StarsPayments} port over this module. */
export function createStarsLedger (db: Db): StarsPayments {
  return {
    order: (orderId) => readOrder(db, orderId),
    recordPayment: (input) => recordStarsPayment(db, input),
    recordRefund: async (input) => { await recordStarsRefund(db, input) },
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

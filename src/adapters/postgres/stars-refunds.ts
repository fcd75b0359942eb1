/**
 * Automatic Stars refunds in the ledger (usecases/stars-refund.ts `StarsRefundStore`): the
 * pending `auto` refund written with a late payment is settled here, the order locked first.
 *
 * @example
 * const handlers = starsOutboxHandlers({ store: createStarsRefundStore(db), gateway })
 */
import { and, eq } from 'drizzle-orm'
import type { StarsRefundStore } from '../../usecases/stars-refund.js'
import type { Db } from './database.js'
import { flagOrder, lockOrder } from './order-ledger.js'
import { readOrder } from './orders-rows.js'
import { paymentRefund, paymentTransaction } from './schema.js'
import { recordStarsRefundIn } from './stars-ledger.js'

export function createStarsRefundStore (db: Db): StarsRefundStore<Db> {
  return {
    async refund (refundId) {
      const [row] = await db.select({ refund: paymentRefund, chargeId: paymentTransaction.providerTransactionId })
        .from(paymentRefund)
        .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
        .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.provider, 'stars')))
      if (row === undefined) return undefined
      const order = await readOrder(db, row.refund.orderId)
      if (order === undefined) return undefined
      const { refund } = row
      return {
        state: refund.state === 'succeeded' ? 'succeeded' : refund.state === 'pending' ? 'pending' : 'failed',
        refundId: refund.id,
        orderId: refund.orderId,
        chargeId: row.chargeId,
        telegramId: order.customer.telegramId,
        amount: { amount: refund.amount, currency: refund.currency }
      }
    },
    async refundSucceeded (tx, refundId, now) {
      const locked = await lockPending(tx, refundId)
      if (locked === undefined) return
      await tx.update(paymentRefund).set({ state: 'succeeded', lastError: null, updatedAt: new Date(now) }).where(eq(paymentRefund.id, refundId))
      await recordStarsRefundIn(tx, { chargeId: locked.chargeId, now, reason: locked.reason })
    },
    async refundFailed (tx, refundId, failure, now) {
      const locked = await lockPending(tx, refundId)
      if (locked === undefined) return
      await tx.update(paymentRefund).set({ state: 'failed', lastError: { ...failure }, updatedAt: new Date(now) }).where(eq(paymentRefund.id, refundId))
      await flagOrder(tx, locked.order, 'needs_attention', {
        now,
        note: `Order #${locked.order.id}: a Telegram Stars payment (${locked.chargeId}) arrived for an order that could not take it and its automatic refund failed (${failure.message}). Refund it by hand.`
      })
    }
  }
}

/** Locks the refund's order, then the refund row; undefined unless the refund is still pending. */
async function lockPending (tx: Db, refundId: string) {
  const [peek] = await tx.select({ orderId: paymentRefund.orderId }).from(paymentRefund).where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.provider, 'stars')))
  if (peek === undefined) return undefined
  const order = await lockOrder(tx, peek.orderId)
  const [row] = await tx.select({ refund: paymentRefund, chargeId: paymentTransaction.providerTransactionId }).from(paymentRefund)
    .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
    .where(eq(paymentRefund.id, refundId)).for('update', { of: paymentRefund })
  if (order === undefined || row === undefined || row.refund.state !== 'pending') return undefined
  return { order, chargeId: row.chargeId, reason: row.refund.reason ?? 'automatic refund' }
}

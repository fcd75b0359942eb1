/**
 * Click reversals in the ledger (usecases/click-reversal.ts): `payment_refund` rows of provider
 * `click`, written before the Merchant API call. Every change locks the order first, then the
 * refund row, so a reversal is recorded once however often its outbox row or the admin request
 * runs. An automatic reversal (origin `auto`) leaves the order's state as it is — as Stripe's
 * refund of a late payment does — and tells the customer; an admin reversal refunds the order.
 *
 * @example
 * const ledger = createClickRefundLedger(db)
 * const refundId = await ledger.beginReversal({ orderId: '1042', amount: 12_500_000, reason: 'customer asked', now })
 */
import { and, asc, eq, inArray } from 'drizzle-orm'
import { refundableAmount } from '../../domain/orders/order-state.js'
import type { Order } from '../../domain/orders/order.js'
import { DomainError } from '../../domain/shared/errors.js'
import { createId } from '../../domain/shared/ids.js'
import { formatMoney } from '../../domain/shared/money.js'
import type { ClickReversalLedger } from '../../usecases/click-reversal.js'
import type { Db } from './database.js'
import { flagOrder, lockOrder, recordRefund } from './order-ledger.js'
import { enqueueOutbox } from './outbox.js'
import { paymentRefund, paymentTransaction } from './schema.js'

const CLICK = 'click'

type PaymentRow = typeof paymentTransaction.$inferSelect
type RefundRow = typeof paymentRefund.$inferSelect

/**
 * Starts the automatic reversal of a Click payment confirmed for an order no longer payable by
 * it (inside the Complete's transaction, order locked): a pending `auto` refund of the whole
 * payment, the `click.reverse` outbox row that sends it, and a message to ADMIN_CHAT_ID.
 */
export async function startClickReversal (tx: Db, order: Order, payment: PaymentRow, ref: string, now: number): Promise<string> {
  const refundId = createId('led')
  const at = new Date(now)
  await tx.insert(paymentRefund).values({
    id: refundId,
    orderId: order.id,
    transactionId: payment.id,
    provider: CLICK,
    origin: 'auto',
    state: 'pending',
    amount: payment.amount,
    currency: payment.currency,
    reason: `order ${order.state} when the payment landed`,
    createdAt: at,
    updatedAt: at
  })
  await enqueueOutbox(tx, 'click.reverse', { refundId, orderId: order.id }, now)
  await enqueueOutbox(tx, 'admin.notify', {
    orderId: order.id,
    text: `${ref} of ${formatMoney({ amount: payment.amount, currency: payment.currency }, 'en')} was confirmed for order ${order.id}, which is ${order.state} and no longer payable by it; Bozor is reversing it automatically through Click (refund ${refundId}).`
  }, now)
  return refundId
}

/**
 * Click cancelled a confirmed payment itself: a reversal still pending for it is moot (the
 * caller flags the order), so it is marked failed without calling Click.
 */
export async function dropPendingClickReversals (tx: Db, transactionId: string, now: number): Promise<void> {
  await tx.update(paymentRefund).set({ state: 'failed', lastError: { code: 'cancelled_by_click', message: 'Click cancelled the payment before it was reversed' }, updatedAt: new Date(now) })
    .where(and(eq(paymentRefund.transactionId, transactionId), eq(paymentRefund.provider, CLICK), eq(paymentRefund.state, 'pending')))
}

/** Locks the refund's order, then the refund row; undefined when either is missing. */
async function lockRefund (tx: Db, refundId: string): Promise<{ order: Order, refund: RefundRow, payment: PaymentRow } | undefined> {
  const [peek] = await tx.select({ orderId: paymentRefund.orderId }).from(paymentRefund)
    .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.provider, CLICK)))
  if (peek === undefined) return undefined
  const order = await lockOrder(tx, peek.orderId)
  const [refund] = await tx.select().from(paymentRefund).where(eq(paymentRefund.id, refundId)).for('update')
  if (order === undefined || refund === undefined) return undefined
  const [payment] = await tx.select().from(paymentTransaction).where(eq(paymentTransaction.id, refund.transactionId)).for('update')
  return payment === undefined ? undefined : { order, refund, payment }
}

function notRefundable (order: Order, why: string): DomainError {
  return new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has ${why}`, { orderId: order.id, state: order.state })
}

/** The {@link ClickReversalLedger} port on PostgreSQL/PGlite. */
export function createClickRefundLedger (db: Db): ClickReversalLedger {
  const tx = <T>(work: (t: Db) => Promise<T>): Promise<T> => db.transaction((t) => work(t as unknown as Db))

  return {
    async beginReversal ({ orderId, amount, reason, now }) {
      return await tx(async (t) => {
        const order = await lockOrder(t, orderId)
        if (order === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
        const [pending] = await t.select().from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.provider, CLICK), eq(paymentRefund.origin, 'admin'), eq(paymentRefund.state, 'pending'))).for('update')
        // an earlier request got no answer from Click: send the same refund again
        if (pending !== undefined) return pending.id
        const left = refundableAmount(order)
        if (left <= 0) throw notRefundable(order, 'nothing left to refund')
        // the payment that paid the order: the first confirmed Click payment that is not being
        // (or was not) reversed automatically as a late one
        const autos = new Set((await t.select({ id: paymentRefund.transactionId }).from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.origin, 'auto')))).map((r) => r.id))
        const payments = await t.select().from(paymentTransaction)
          .where(and(eq(paymentTransaction.orderId, order.id), eq(paymentTransaction.provider, CLICK), eq(paymentTransaction.state, 'succeeded')))
          .orderBy(asc(paymentTransaction.performedAt), asc(paymentTransaction.seq))
        const paying = payments.find((p) => !autos.has(p.id))
        if (paying === undefined) throw notRefundable(order, 'no Click payment left to reverse')
        const whole = paying.amount - paying.refundedAmount
        if (paying.refundedAmount > 0 || amount !== whole || amount !== left) {
          throw new DomainError('ERR_REFUND_UNSUPPORTED',
            `Click reverses payment ${paying.clickPaydocId ?? paying.id} only whole (${paying.amount}); refund ${amount} of order ${order.id} in the Click merchant cabinet. The ledger is unchanged`,
            { orderId: order.id, provider: CLICK, refundable: left })
        }
        const id = createId('led')
        const at = new Date(now)
        await t.insert(paymentRefund).values({
          id, orderId: order.id, transactionId: paying.id, provider: CLICK, origin: 'admin', state: 'pending', amount, currency: paying.currency, reason, createdAt: at, updatedAt: at
        })
        return id
      })
    },

    async reversalToSend (refundId) {
      const [row] = await db.select({ refund: paymentRefund, paydoc: paymentTransaction.clickPaydocId }).from(paymentRefund)
        .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
        .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.provider, CLICK), eq(paymentRefund.state, 'pending')))
      if (row === undefined) return undefined
      const { refund } = row
      return {
        id: refund.id,
        orderId: refund.orderId,
        paymentId: row.paydoc ?? '',
        amount: { amount: refund.amount, currency: refund.currency },
        origin: refund.origin === 'admin' ? 'admin' : 'auto'
      }
    },

    async reversalSucceeded (refundId, clickPaymentId, now) {
      await tx(async (t) => {
        const locked = await lockRefund(t, refundId)
        if (locked === undefined || locked.refund.state !== 'pending') return
        const { order, refund, payment } = locked
        const at = new Date(now)
        await t.update(paymentRefund).set({ state: 'succeeded', providerRefundId: clickPaymentId, lastError: null, updatedAt: at }).where(eq(paymentRefund.id, refund.id))
        // a reversal returns the whole payment
        await t.update(paymentTransaction).set({ state: 'refunded', refundedAmount: payment.amount, updatedAt: at }).where(eq(paymentTransaction.id, payment.id))
        const amount = { amount: refund.amount, currency: refund.currency }
        if (refund.origin === 'admin' && refundableAmount(order) >= refund.amount) {
          await recordRefund(t, order, { amount: refund.amount, reason: refund.reason ?? 'reversed through Click', now, actor: { kind: 'system' } })
          return
        }
        await enqueueOutbox(t, 'customer.notify', { kind: 'order.refunded', orderId: order.id, telegramId: order.customer.telegramId, amount, full: true }, now)
      })
    },

    async reversalFailed (refundId, failure, now) {
      await tx(async (t) => {
        const locked = await lockRefund(t, refundId)
        if (locked === undefined || locked.refund.state !== 'pending') return
        const { order, refund, payment } = locked
        await t.update(paymentRefund).set({ state: 'failed', lastError: { ...failure }, updatedAt: new Date(now) })
          .where(and(eq(paymentRefund.id, refund.id), inArray(paymentRefund.state, ['pending'])))
        if (refund.origin !== 'auto') return
        await flagOrder(t, order, 'needs_attention', {
          now,
          note: `Bozor could not reverse Click payment ${payment.clickPaydocId ?? payment.id} of ${formatMoney({ amount: refund.amount, currency: refund.currency }, 'en')} (refund ${refund.id}), confirmed for order ${order.id} which is ${order.state}: ${failure.message}. Refund it to the customer in the Click merchant cabinet (if an earlier attempt got no answer, check there first whether it was reversed).`
        })
      })
    }
  }
}

/**
 * Stripe refunds in the ledger (part of the {@link StripeLedger} port on PostgreSQL/PGlite):
 * admin refunds written as pending `payment_refund` rows before the API call and settled by its
 * answer, refund status events (a failure of a succeeded refund takes it back), and disputes.
 * Every change locks the order first, as in stripe-ledger.ts.
 *
 * @example
 * const ledger = { ...stripeRefundMethods(db), ... }
 */
import { and, asc, eq, lte, sql } from 'drizzle-orm'
import { refundableAmount, revertRefund } from '../../domain/orders/order-state.js'
import type { Order } from '../../domain/orders/order.js'
import { DomainError as DomainErrorCtor } from '../../domain/shared/errors.js'
import { createId, isOrderId } from '../../domain/shared/ids.js'
import { formatMoney } from '../../domain/shared/money.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { RefundOrderStore } from '../../usecases/refund-order.js'
import type { StripeEventOutcome, StripeLedger, StripeWebhookEvent } from '../../usecases/ports-stripe.js'
import { readOrder } from './orders-rows.js'
import type { Db } from './database.js'
import { flagOrder, lockOrder, lockOrNull, recordRefund } from './order-ledger.js'
import { moveStock } from './orders-stock.js'
import { enqueueOutbox } from './outbox.js'
import { paymentRefund, paymentTransaction, product, shopOrder } from './schema.js'

export const STRIPE = 'stripe'
export const ACTOR = { kind: 'provider', provider: STRIPE } as const
export const outcome = (note: string, refundsToSend: string[] = []): StripeEventOutcome => ({ duplicate: false, note, refundsToSend })

/** Effects of a succeeded refund on its transaction and order (in the caller's transaction). */
export async function applyRefundEffects (tx: Db, order: Order, refund: typeof paymentRefund.$inferSelect, now: number): Promise<void> {
  await tx.update(paymentTransaction).set({
    refundedAmount: sql`least(${paymentTransaction.amount}, ${paymentTransaction.refundedAmount} + ${refund.amount})`,
    state: sql`case when ${paymentTransaction.refundedAmount} + ${refund.amount} >= ${paymentTransaction.amount} then 'refunded' else ${paymentTransaction.state} end`,
    updatedAt: new Date(now)
  }).where(eq(paymentTransaction.id, refund.transactionId))
  const amount = { amount: refund.amount, currency: refund.currency }
  const [txn] = await tx.select({ id: paymentTransaction.id }).from(paymentTransaction)
    .where(and(eq(paymentTransaction.orderId, order.id), eq(paymentTransaction.id, refund.transactionId)))
  // only the payment that paid the order counts towards the order's `refunded`
  const paidBy = await tx.select({ reason: sql<string>`1` }).from(shopOrder).where(and(eq(shopOrder.id, order.id), eq(shopOrder.provider, STRIPE)))
  const countsForOrder = txn !== undefined && paidBy.length > 0 && refund.origin !== 'auto' && (order.state === 'paid' || order.state === 'fulfilled')
  if (countsForOrder) {
    await recordRefund(tx, order, { amount: refund.amount, reason: refund.reason ?? 'refunded through Stripe', now, actor: refund.origin === 'external' ? ACTOR : { kind: 'system' } })
    return
  }
  await enqueueOutbox(tx, 'customer.notify', {
    kind: 'order.refunded', orderId: order.id, telegramId: order.customer.telegramId, amount, full: true
  }, now)
}

type RefundRow = typeof paymentRefund.$inferSelect
type RefundStatusEvent = Extract<StripeWebhookEvent, { type: 'refund.status' }>
type DisputeEvent = Extract<StripeWebhookEvent, { type: 'dispute.created' | 'dispute.closed' }>

/**
 * Our refund row for a Stripe Refund: by its `re_…` id, else by the `led_…` id we put in its
 * metadata, else (a Dashboard refund recorded from `charge.refunded`, which carries no refund
 * id) the one external row of the same payment and amount not linked yet.
 */
async function findRefundRow (t: Db, event: RefundStatusEvent): Promise<RefundRow | undefined> {
  const [byStripeId] = await t.select().from(paymentRefund).where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.providerRefundId, event.refundId)))
  if (byStripeId !== undefined) return byStripeId
  if (event.ledgerRefundId !== null) {
    const [byOurs] = await t.select().from(paymentRefund).where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.id, event.ledgerRefundId)))
    if (byOurs !== undefined && (byOurs.providerRefundId === null || byOurs.providerRefundId === event.refundId)) return byOurs
  }
  if (event.paymentIntentId === null) return undefined
  const [external] = await t.select({ refund: paymentRefund }).from(paymentRefund)
    .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
    .where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.origin, 'external'), sql`${paymentRefund.providerRefundId} is null`,
      eq(paymentRefund.amount, event.amount.amount), eq(paymentTransaction.providerTransactionId, event.paymentIntentId)))
    .orderBy(asc(paymentRefund.createdAt)).limit(1)
  return external?.refund
}

/**
 * Takes back the stock a full refund returned, when every item is still available
 * (`stock − reserved ≥ quantity`); otherwise changes nothing. Returns what it did, for the notice.
 */
async function retakeStock (t: Db, order: Order, now: number): Promise<string> {
  const items = [...order.items].sort((a, b) => a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)
  const short: string[] = []
  for (const item of items) {
    const [row] = await t.select({ stock: product.stock, reserved: product.reserved }).from(product).where(eq(product.id, item.productId)).for('update')
    if (row !== undefined && row.stock !== null && row.stock - row.reserved < item.quantity) short.push(`${item.productId} (${Math.max(row.stock - row.reserved, 0)} of ${item.quantity} available)`)
  }
  if (short.length > 0) return `The stock the refund returned could not be taken back (sold again since: ${short.join(', ')}); correct the stock by hand.`
  await moveStock(t, items, 'retake', now)
  return 'The stock the refund returned was taken back out.'
}

/**
 * A refund Stripe accepted or failed later (specs/stripe.md §10). Accepted (`succeeded`, or
 * `pending`, which the ledger counts at once) settles a row still pending here (our API call
 * timed out). Failed or canceled: a pending row becomes failed; a succeeded one is taken back —
 * the payment's and the order's refunded totals are lowered, the stock of a full refund is taken
 * back where it still can be, and the order is flagged with a notice to ADMIN_CHAT_ID. The
 * order state stays as it is (decision 0011). A failed row never changes again.
 */
export async function applyRefundStatus (t: Db, event: RefundStatusEvent, now: number): Promise<StripeEventOutcome> {
  const peek = await findRefundRow(t, event)
  if (peek === undefined) {
    const accepted = event.status === 'succeeded' || event.status === 'pending'
    return outcome(accepted
      ? `refund ${event.refundId} not in the ledger (${event.status}); a Dashboard refund is recorded from charge.refunded`
      : `unknown refund ${event.refundId} (${event.status}); nothing changed`)
  }
  const order = await lockOrder(t, peek.orderId)
  const [refund] = await t.select().from(paymentRefund).where(eq(paymentRefund.id, peek.id)).for('update')
  if (order === undefined || refund === undefined) return outcome(`refund ${event.refundId}: order ${peek.orderId} missing`)
  const at = new Date(now)
  const linked = refund.providerRefundId ?? event.refundId
  if (event.status === 'succeeded' || event.status === 'pending') {
    if (refund.state !== 'pending') {
      if (refund.providerRefundId === null) await t.update(paymentRefund).set({ providerRefundId: linked, updatedAt: at }).where(eq(paymentRefund.id, refund.id))
      return outcome(`refund ${event.refundId} ${event.status}; ledger already ${refund.state}`)
    }
    const [done] = await t.update(paymentRefund).set({ state: 'succeeded', providerRefundId: linked, updatedAt: at }).where(eq(paymentRefund.id, refund.id)).returning()
    await applyRefundEffects(t, order, done!, now)
    return outcome(`refund ${event.refundId} settled from its event`)
  }
  if (event.status === 'requires_action') return outcome(`refund ${event.refundId} requires action`)
  if (refund.state === 'failed') return outcome(`refund ${event.refundId} already failed`)
  const why = event.failureReason ?? event.status
  await t.update(paymentRefund).set({ state: 'failed', providerRefundId: linked, lastError: { code: `refund_${event.status}`, failureReason: event.failureReason }, updatedAt: at })
    .where(eq(paymentRefund.id, refund.id))
  const amount = formatMoney({ amount: refund.amount, currency: refund.currency }, 'en')
  const ref = `Stripe refund ${event.refundId} (${refund.id}) of ${amount} for order ${order.id}`
  if (refund.state === 'pending') {
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} ${event.status} (${why}); it was never counted, the order is unchanged. Refund the customer again or another way.` })
    return outcome(`pending refund ${event.refundId} ${event.status}`)
  }
  // it had succeeded: take its effects back
  await t.update(paymentTransaction).set({
    refundedAmount: sql`greatest(${paymentTransaction.refundedAmount} - ${refund.amount}, 0)`,
    state: sql`case when ${paymentTransaction.state} = 'refunded' then 'succeeded' else ${paymentTransaction.state} end`,
    updatedAt: at
  }).where(eq(paymentTransaction.id, refund.transactionId))
  const [paidBy] = await t.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, order.id))
  const counted = refund.origin !== 'auto' && paidBy?.provider === STRIPE && order.refunded.amount >= refund.amount &&
    (order.state === 'paid' || order.state === 'fulfilled' || order.state === 'refunded')
  if (!counted) {
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} failed (${why}) after it had succeeded; the customer did not get the money back. Refund them again from the Stripe Dashboard or another way.` })
    return outcome(`refund ${event.refundId} failed; order totals unchanged`)
  }
  const reverted = revertRefund(order, refund.amount, now)
  const stock = order.state === 'refunded' ? ` The order stays refunded (a final state): refund the customer another way or settle it with them. ${await retakeStock(t, order, now)}` : ''
  await flagOrder(t, reverted, 'needs_attention', {
    now,
    note: `${ref} failed (${why}) after it had succeeded; the customer did not get the money back. The order's refunded total is back to ${formatMoney(reverted.refunded, 'en')} of ${formatMoney(order.total, 'en')}.${stock}`
  })
  return outcome(`refund ${event.refundId} failed; taken back`)
}

/**
 * A dispute (chargeback) on one of our payments: `created` flags the order with a notice naming
 * the amount, reason and evidence deadline; `closed` tells ADMIN_CHAT_ID the outcome. The ledger
 * is not changed (Stripe moves the disputed funds itself).
 */
export async function applyDispute (t: Db, event: DisputeEvent, now: number): Promise<StripeEventOutcome> {
  if (event.paymentIntentId === null) return outcome(`dispute ${event.disputeId} on ${String(event.chargeId)} without a payment intent; not ours to match`)
  const [txn] = await t.select({ orderId: paymentTransaction.orderId }).from(paymentTransaction)
    .where(and(eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.providerTransactionId, event.paymentIntentId)))
  const order = txn === undefined ? undefined : await lockOrder(t, txn.orderId)
  if (order === undefined) return outcome(`dispute ${event.disputeId} for unknown payment ${event.paymentIntentId}`)
  const amount = formatMoney(event.amount, 'en')
  const ref = `Stripe dispute ${event.disputeId} on order ${order.id} (payment ${event.paymentIntentId})`
  if (event.type === 'dispute.created') {
    const due = event.dueBy === null ? '' : ` Evidence is due by ${new Date(event.dueBy).toISOString()}.`
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} opened: ${amount}, reason ${event.reason} (status ${event.status}). Respond in the Stripe Dashboard.${due}` })
    return outcome(`dispute ${event.disputeId} opened`)
  }
  const result = event.status === 'won'
    ? 'won: the disputed funds are returned to you'
    : event.status === 'lost' ? 'lost: the disputed funds stay with the customer' : `closed with status ${event.status}`
  await enqueueOutbox(t, 'admin.notify', { orderId: order.id, text: `${ref} of ${amount} (reason ${event.reason}) ${result}.` }, now)
  return outcome(`dispute ${event.disputeId} closed (${event.status})`)
}

/** The refund methods of the Stripe ledger. */
export function stripeRefundMethods (db: Db): Pick<StripeLedger, 'beginRefund' | 'refundToSend' | 'refundSucceeded' | 'refundFailed' | 'pendingRefunds'> {
  const tx = <T>(work: (t: Db) => Promise<T>): Promise<T> => db.transaction((t) => work(t as unknown as Db))
  return {
    async beginRefund ({ orderId, amount, reason, now }) {
      return await tx(async (t) => {
        const order = await lockOrNull(t, orderId)
        if (order === null) throw notFound(orderId)
        const [pending] = await t.select().from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.state, 'pending'), eq(paymentRefund.origin, 'admin'))).for('update')
        if (pending !== undefined) {
          if (amount === undefined || amount === pending.amount) return pending.id
          throw new DomainErrorCtor('ERR_REFUND_PENDING', `A refund of ${pending.amount} for order ${order.id} is still being sent; retry it or wait`, { orderId: order.id, refundId: pending.id })
        }
        const left = refundableAmount(order)
        if (left <= 0) throw new DomainErrorCtor('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has nothing left to refund`, { orderId: order.id, state: order.state })
        const value = amount ?? left
        if (!Number.isSafeInteger(value) || value <= 0 || value > left) {
          throw new DomainErrorCtor('ERR_ORDER_REFUND_AMOUNT', `Refund amount must be a whole number of minor units between 1 and ${left}`, { orderId: order.id, refundable: left, errors: [{ field: 'amount', message: `must be between 1 and ${left}` }] })
        }
        const txns = await t.select().from(paymentTransaction)
          .where(and(eq(paymentTransaction.orderId, order.id), eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.state, 'succeeded')))
          .orderBy(asc(paymentTransaction.createdAt))
        const autos = new Set((await t.select({ id: paymentRefund.transactionId }).from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.origin, 'auto')))).map((r) => r.id))
        const paying = txns.find((r) => !autos.has(r.id) && r.amount - r.refundedAmount >= value)
        if (paying === undefined) throw new DomainErrorCtor('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} has no Stripe payment with ${value} left to refund`, { orderId: order.id })
        const id = createId('led')
        const at = new Date(now)
        await t.insert(paymentRefund).values({
          id, orderId: order.id, transactionId: paying.id, provider: STRIPE, origin: 'admin', state: 'pending', amount: value, currency: paying.currency, reason, createdAt: at, updatedAt: at
        })
        return id
      })
    },

    async refundToSend (refundId) {
      const [row] = await db.select({ refund: paymentRefund, pi: paymentTransaction.providerTransactionId }).from(paymentRefund)
        .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
        .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.state, 'pending'), eq(paymentRefund.provider, STRIPE)))
      if (row === undefined) return undefined
      return { id: row.refund.id, orderId: row.refund.orderId, paymentIntentId: row.pi, amount: { amount: row.refund.amount, currency: row.refund.currency }, reason: row.refund.reason }
    },

    async refundSucceeded (refundId, providerRefundId, now) {
      await tx(async (t) => {
        const [peek] = await t.select({ orderId: paymentRefund.orderId }).from(paymentRefund).where(eq(paymentRefund.id, refundId))
        if (peek === undefined) return
        const order = await lockOrder(t, peek.orderId)
        const [refund] = await t.select().from(paymentRefund).where(eq(paymentRefund.id, refundId)).for('update')
        if (order === undefined || refund === undefined || refund.state !== 'pending') return
        const [done] = await t.update(paymentRefund).set({ state: 'succeeded', providerRefundId, updatedAt: new Date(now) }).where(eq(paymentRefund.id, refundId)).returning()
        await applyRefundEffects(t, order, done!, now)
      })
    },

    async refundFailed (refundId, error, now) {
      await tx(async (t) => {
        const [peek] = await t.select({ orderId: paymentRefund.orderId }).from(paymentRefund).where(eq(paymentRefund.id, refundId))
        if (peek === undefined) return
        const order = await lockOrder(t, peek.orderId)
        const [refund] = await t.update(paymentRefund).set({ state: 'failed', lastError: error, updatedAt: new Date(now) })
          .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.state, 'pending'))).returning()
        if (order !== undefined && refund !== undefined && refund.origin === 'auto') {
          await flagOrder(t, order, 'needs_attention', { now, note: `The automatic Stripe refund ${refundId} of order ${order.id} failed (${String(error.code ?? 'error')}); refund it in the Stripe Dashboard.` })
        }
      })
    },

    async pendingRefunds (olderThan, limit) {
      const rows = await db.select({ id: paymentRefund.id }).from(paymentRefund)
        .where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.state, 'pending'), lte(paymentRefund.createdAt, new Date(olderThan))))
        .orderBy(asc(paymentRefund.createdAt)).limit(limit)
      return rows.map((r) => r.id)
    }
  }
}

function notFound (orderId: string): Error {
  return new DomainErrorCtor('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
}

/** The refund use case's store: the order and the provider that paid it. */
export function createRefundStore (db: Db): RefundOrderStore {
  return {
    async readForRefund (orderId) {
      if (!isOrderId(orderId)) return undefined
      const order = await readOrder(db, orderId)
      if (order === undefined) return undefined
      const [row] = await db.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, orderId))
      return { order, provider: (row?.provider ?? null) as ProviderName | null }
    }
  }
}

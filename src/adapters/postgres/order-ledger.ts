/**
 * The order ledger over PostgreSQL/PGlite. Every function takes a Drizzle `Db` that is normally
 * a transaction: lock the order first ({@link lockOrder}), decide on the locked state, then
 * change it — so a transition, its history row and its outbox rows happen exactly once even
 * with several instances (STYLE R6).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const order = await lockOrder(tx, '1042')
 *   if (order?.state === 'pending') await markOrderPaid(tx, order, { provider: 'payme', transactionId: 'pay_…', now, actor: { kind: 'provider', provider: 'payme' } })
 * })
 */
import { isOrderId } from '../../domain/shared/ids.js'
import { eq, sql } from 'drizzle-orm'
import { addFlag, applyRefund, transition } from '../../domain/orders/order-state.js'
import type { Actor, Order, OrderFlag, OrderState } from '../../domain/orders/order.js'
import type { HistoryEntry } from '../../domain/orders/order.js'
import type { Db } from './database.js'
import { encodeActor, loadOrderItems, toOrder } from './orders-rows.js'
import { moveStock } from './orders-stock.js'
import { enqueueOutbox } from './outbox.js'
import { analyticsEvent, orderTransition, shopOrder } from './schema.js'

export { getOrderView, type OrderView, type OrderViewOptions } from './orders-view.js'

/** `SELECT … FOR UPDATE` of the order row (held until the transaction ends), with its items. */
/**
 * The order locked FOR UPDATE, or null when the id is missing, not an order id, or unknown: the
 * one lookup every provider's ledger starts its transaction with.
 *
 * @example
 * const order = await lockOrNull(tx, event.orderId)
 * if (order === null) return outcome('unknown order')
 */
export async function lockOrNull (tx: Db, orderId: string | null | undefined): Promise<Order | null> {
  if (orderId === null || orderId === undefined || !isOrderId(orderId)) return null
  return (await lockOrder(tx, orderId)) ?? null
}

export async function lockOrder (tx: Db, orderId: string): Promise<Order | undefined> {
  if (!/^\d{1,18}$/.test(orderId)) return undefined
  const rows = await tx.select().from(shopOrder).where(eq(shopOrder.id, orderId)).for('update')
  const row = rows[0]
  if (row === undefined) return undefined
  return toOrder(row, await loadOrderItems(tx, orderId))
}

export interface TransitionContext {
  reason: string
  actor: Actor
  /** ms since the epoch. */
  now: number
}

const STATE_TIMESTAMP: Partial<Record<OrderState, 'paidAt' | 'fulfilledAt' | 'cancelledAt' | 'expiredAt' | 'refundedAt'>> = {
  paid: 'paidAt',
  fulfilled: 'fulfilledAt',
  cancelled: 'cancelledAt',
  expired: 'expiredAt',
  refunded: 'refundedAt'
}

/** Appends a history row. */
export async function insertHistory (tx: Db, orderId: string, entry: HistoryEntry): Promise<void> {
  await tx.insert(orderTransition).values({
    orderId, fromState: entry.from, toState: entry.to, reason: entry.reason, actor: encodeActor(entry.actor), at: new Date(entry.at)
  })
}

/** Writes the order's state, totals and flags; `stamp` false keeps the state's `*_at` (no state change). */
async function writeState (tx: Db, order: Order, extra: Partial<typeof shopOrder.$inferInsert> = {}, stamp = true): Promise<void> {
  const at = stamp ? STATE_TIMESTAMP[order.state] : undefined
  await tx.update(shopOrder).set({
    state: order.state,
    refundedAmount: order.refunded.amount,
    flags: [...order.flags],
    updatedAt: new Date(order.updatedAt),
    version: sql`${shopOrder.version} + 1`,
    ...(at !== undefined ? { [at]: new Date(order.updatedAt) } : {}),
    ...extra
  }).where(eq(shopOrder.id, order.id))
}

/**
 * Moves a locked order to `to` through the domain state machine (throws `ERR_ORDER_STATE` for
 * a transition it refuses), writes `shop_order` (state, `*_at`) and a history row; cancelled
 * or expired releases the reserved stock.
 */
export async function applyTransition (tx: Db, order: Order, to: OrderState, ctx: TransitionContext): Promise<Order> {
  const moved = transition(order, to, ctx.reason, ctx.actor, ctx.now)
  await writeState(tx, moved.order)
  await insertHistory(tx, order.id, moved.entry)
  if (to === 'cancelled' || to === 'expired') await moveStock(tx, order.items, 'release', ctx.now)
  return moved.order
}

export interface MarkPaidInput {
  provider: string
  /** Our payment transaction id (`pay_…`). */
  transactionId: string
  now: number
  actor: Actor
}

/**
 * pending → paid for a locked order: sets `provider`, consumes the reserved stock, writes the
 * `order.paid` outbox row (confirm to the customer, deliver digital goods, tell ADMIN_CHAT_ID
 * of physical items) and an `order.paid` analytics event. An order already paid or fulfilled
 * is returned unchanged (no second row): the caller checks `order.state` first when a payment
 * by another provider must be refunded or flagged. Any other state throws `ERR_ORDER_STATE`.
 */
export async function markOrderPaid (tx: Db, order: Order, input: MarkPaidInput): Promise<Order> {
  if (order.state === 'paid' || order.state === 'fulfilled') return order
  const moved = transition(order, 'paid', `paid through ${input.provider} (${input.transactionId})`, input.actor, input.now)
  await writeState(tx, moved.order, { provider: input.provider })
  await insertHistory(tx, order.id, moved.entry)
  await moveStock(tx, order.items, 'consume', input.now)
  await enqueueOutbox(tx, 'order.paid', {
    orderId: order.id,
    telegramId: order.customer.telegramId,
    provider: input.provider,
    transactionId: input.transactionId,
    total: { ...order.total },
    items: order.items.map((i) => ({ productId: i.productId, quantity: i.quantity, kind: i.kind })),
    steps: []
  }, input.now)
  await tx.insert(analyticsEvent).values({
    name: 'order.paid',
    customerTelegramId: order.customer.telegramId,
    orderId: order.id,
    properties: { provider: input.provider, amount: order.total.amount, currency: order.total.currency },
    at: new Date(input.now)
  })
  return moved.order
}

/**
 * Raises `flag` on a locked order and writes an `admin.notify` outbox row with `note`. The row
 * is written even when the flag was already up (each event deserves its message). Other
 * changes already made to `order` (a lowered `refunded`) are written with it.
 */
export async function flagOrder (tx: Db, order: Order, flag: OrderFlag, input: { note: string, now: number }): Promise<Order> {
  const flagged = { ...addFlag(order, flag), updatedAt: input.now }
  // no state change here: `paid_at`/`refunded_at` keep their moment
  await writeState(tx, flagged, {}, false)
  await enqueueOutbox(tx, 'admin.notify', { orderId: order.id, flag, text: input.note }, input.now)
  return flagged
}

export interface RefundInput {
  /** Minor units. */
  amount: number
  reason: string
  now: number
  actor: Actor
}

/**
 * Records a successful refund on a locked paid/fulfilled order: raises `refunded`; when it
 * reaches the total the order becomes `refunded` and its stock returns (a partial refund keeps
 * it). Writes a `customer.notify` outbox row. Throws `ERR_ORDER_NOTHING_REFUNDABLE` (409) or
 * `ERR_ORDER_REFUND_AMOUNT` (400) as the domain decides.
 */
export async function recordRefund (tx: Db, order: Order, input: RefundInput): Promise<Order> {
  const result = applyRefund(order, input.amount, input.reason, input.actor, input.now)
  await writeState(tx, result.order)
  if (result.entry !== null) await insertHistory(tx, order.id, result.entry)
  if (result.fullyRefunded) await moveStock(tx, order.items, 'return', input.now)
  await enqueueOutbox(tx, 'customer.notify', {
    kind: 'order.refunded',
    orderId: order.id,
    telegramId: order.customer.telegramId,
    amount: { amount: input.amount, currency: order.total.currency },
    full: result.fullyRefunded
  }, input.now)
  return result.order
}

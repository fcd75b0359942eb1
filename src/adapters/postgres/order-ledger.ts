/**
 * The order ledger over PostgreSQL/PGlite. Every function takes a Drizzle `Db` that is normally
 * a transaction: lock the order first ({@link lockOrder}), decide on the locked state, then
 * change it — so a transition, its history row and its outbox rows happen exactly once even
 * with several instances (STYLE R6).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const order = await lockOrder(tx, '1042')
 *   if (order?.state === 'pending') await applyTransition(tx, order, 'cancelled', { reason: 'cancelled by the merchant', actor, now })
 * })
 */
import { isOrderId } from '../../domain/shared/ids.js'
import { eq, sql, type SQL } from 'drizzle-orm'
import { transition } from '../../domain/orders/order-state.js'
import type { Actor, Order, OrderFlag, OrderItem, OrderState } from '../../domain/orders/order.js'
import { money } from '../../domain/shared/money.js'
import type { HistoryEntry } from '../../domain/orders/order.js'
import type { Db } from './database.js'
import { encodeActor, toItem } from './orders-rows.js'
import { moveStock } from './orders-stock.js'
import { orderTransition, shopOrder } from './schema.js'

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

/**
 * The order row locked FOR UPDATE with its items, in one statement (decision 0070: hand-written
 * SQL, its text built once; the items come back as one JSON array in product id order).
 */
export async function lockOrder (tx: Db, orderId: string): Promise<Order | undefined> {
  if (!/^\d{1,18}$/.test(orderId)) return undefined
  return await lockOrderWhere(tx, sql`o.id = ${orderId}::bigint`)
}

/**
 * The order of a provider's payment (`provider`, `providerId`) locked FOR UPDATE with its
 * items, in one statement: the lookup of the payment's order and the lock of that order
 * (decision 0070). Undefined when no such payment exists.
 */
export async function lockOrderOfPayment (tx: Db, provider: string, providerId: string): Promise<Order | undefined> {
  return await lockOrderWhere(tx, sql`o.id = (select p.order_id from payment_transaction p where p.provider = ${provider} and p.provider_transaction_id = ${providerId})`)
}

async function lockOrderWhere (tx: Db, where: SQL): Promise<Order | undefined> {
  const result = await tx.execute<LockedOrderRow>(sql`
    select o.id::text as id, o.customer_telegram_id::float8 as customer, o.state, o.currency,
      o.total_amount::float8 as total, o.refunded_amount::float8 as refunded, o.flags,
      (extract(epoch from o.expires_at) * 1000)::float8 as expires_ms,
      (extract(epoch from o.created_at) * 1000)::float8 as created_ms,
      (extract(epoch from o.updated_at) * 1000)::float8 as updated_ms,
      coalesce((select json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
        'unitAmount', i.unit_amount, 'currency', i.currency, 'kind', p.kind, 'refundable', p.refundable) order by i.product_id)
        from order_item i join product p on p.id = i.product_id where i.order_id = o.id), '[]') as items
    from shop_order o where ${where}
    for update of o`)
  const row = result.rows[0]
  if (row === undefined) return undefined
  const items = (typeof row.items === 'string' ? JSON.parse(row.items) as LockedOrderRow['items'] : row.items)
  return {
    id: row.id,
    state: row.state as OrderState,
    customer: { telegramId: Number(row.customer) },
    items: (items as Exclude<LockedOrderRow['items'], string>).map((i) => toItem({ ...i, unitAmount: Number(i.unitAmount) })),
    total: money(Number(row.total), row.currency),
    refunded: money(Number(row.refunded), row.currency),
    flags: parseFlags(row.flags) as OrderFlag[],
    expiresAt: Math.floor(Number(row.expires_ms)),
    createdAt: Math.floor(Number(row.created_ms)),
    updatedAt: Math.floor(Number(row.updated_ms))
  }
}

interface LockedOrderRow extends Record<string, unknown> {
  id: string
  customer: number | string
  state: string
  currency: string
  total: number | string
  refunded: number | string
  flags: string[] | string
  expires_ms: number | string
  created_ms: number | string
  updated_ms: number | string
  items: string | Array<{ productId: string, quantity: number, unitAmount: number, currency: string, kind: OrderItem['kind'], refundable: boolean }>
}

/** A text[] as the driver hands it: an array, or PostgreSQL's literal (`{a,b}`) when not parsed. */
function parseFlags (value: string[] | string): string[] {
  if (Array.isArray(value)) return value
  const inner = value.replace(/^\{|\}$/g, '')
  return inner === '' ? [] : inner.split(',').map((f) => f.replace(/^"|"$/g, ''))
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
export async function writeState (tx: Db, order: Order, extra: Partial<typeof shopOrder.$inferInsert> = {}, stamp = true): Promise<void> {
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

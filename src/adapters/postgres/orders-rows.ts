/**
 * Row ↔ domain mapping for orders: `shop_order` + `order_item` (joined with `product` for the
 * kind and refundable flag, which the item row does not copy) → the domain {@link Order}.
 */
import { asc, eq } from 'drizzle-orm'
import type { Actor, Order, OrderFlag, OrderItem } from '../../domain/orders/order.js'
import { money } from '../../domain/shared/money.js'
import type { Db } from './database.js'
import { orderItem, product, shopOrder } from './schema.js'

export type OrderRow = typeof shopOrder.$inferSelect

/** The columns an order item is read with: the item row and its product's kind and refundable flag. */
export const itemColumns = {
  orderId: orderItem.orderId,
  productId: orderItem.productId,
  quantity: orderItem.quantity,
  unitAmount: orderItem.unitAmount,
  currency: orderItem.currency,
  kind: product.kind,
  refundable: product.refundable
}

/** The domain item of a row read with {@link itemColumns}. */
export function toItem (r: { productId: string, quantity: number, unitAmount: number, currency: string, kind: OrderItem['kind'], refundable: boolean }): OrderItem {
  return {
    productId: r.productId,
    quantity: r.quantity,
    price: money(r.unitAmount, r.currency),
    lineTotal: money(r.unitAmount * r.quantity, r.currency),
    kind: r.kind,
    refundable: r.refundable
  }
}

/** Reads the items of an order, in product id order (the order rows are locked in). */
export async function loadOrderItems (db: Db, orderId: string): Promise<OrderItem[]> {
  const rows = await db.select(itemColumns).from(orderItem)
    .innerJoin(product, eq(product.id, orderItem.productId))
    .where(eq(orderItem.orderId, orderId))
    .orderBy(asc(orderItem.productId))
  return rows.map(toItem)
}

/** The domain order of a `shop_order` row and its items. */
export function toOrder (row: OrderRow, items: OrderItem[]): Order {
  return {
    id: row.id,
    state: row.state,
    customer: { telegramId: row.customerTelegramId },
    items,
    total: money(row.totalAmount, row.currency),
    refunded: money(row.refundedAmount, row.currency),
    flags: row.flags as OrderFlag[],
    expiresAt: row.expiresAt.getTime(),
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime()
  }
}

/** How an actor is written to `order_transition.actor`: `system`, `customer:123`, `admin:tok_…`, `provider:payme`. */
export function encodeActor (actor: Actor): string {
  switch (actor.kind) {
    case 'system': return 'system'
    case 'customer': return `customer:${actor.telegramId}`
    case 'admin': return `admin:${actor.tokenId}`
    case 'provider': return `provider:${actor.provider}`
  }
}

/** Reads an order without locking it. */
export async function readOrder (db: Db, orderId: string): Promise<Order | undefined> {
  const rows = await db.select().from(shopOrder).where(eq(shopOrder.id, orderId)).limit(1)
  const row = rows[0]
  if (row === undefined) return undefined
  return toOrder(row, await loadOrderItems(db, orderId))
}

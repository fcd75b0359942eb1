/**
 * Stock bookkeeping. `product.stock` is what is on hand (null = unlimited) and
 * `product.reserved` what pending orders hold; available = stock − reserved.
 * - placing an order reserves (reserved += q);
 * - cancel/expiry releases (reserved −= q);
 * - payment consumes (stock −= q, reserved −= q);
 * - a full refund returns (stock += q);
 * - a full refund that Stripe fails later takes it back (stock −= q), where still free.
 * Rows are updated in product id order so concurrent transactions never deadlock.
 */
import { eq, sql } from 'drizzle-orm'
import type { OrderItem } from '../../domain/orders/order.js'
import type { Db } from './database.js'
import { product } from './schema.js'

export type StockMove = 'reserve' | 'release' | 'consume' | 'return' | 'retake'

const DELTAS: Record<StockMove, { stock: number, reserved: number }> = {
  reserve: { stock: 0, reserved: 1 },
  release: { stock: 0, reserved: -1 },
  consume: { stock: -1, reserved: -1 },
  return: { stock: 1, reserved: 0 },
  retake: { stock: -1, reserved: 0 }
}

/** Applies `move` for every item of an order. */
export async function moveStock (db: Db, items: readonly Pick<OrderItem, 'productId' | 'quantity'>[], move: StockMove, now: number): Promise<void> {
  const delta = DELTAS[move]
  const sorted = [...items].sort((a, b) => a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)
  for (const item of sorted) {
    const s = delta.stock * item.quantity
    const r = delta.reserved * item.quantity
    await db.update(product).set({
      // null stock (unlimited) stays null; reserved never drops below 0 (stock could have been reset by an admin)
      stock: sql`case when ${product.stock} is null then null else greatest(${product.stock} + ${s}, 0) end`,
      reserved: sql`greatest(${product.reserved} + ${r}, 0)`,
      updatedAt: new Date(now)
    }).where(eq(product.id, item.productId))
  }
}

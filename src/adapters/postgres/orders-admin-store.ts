/**
 * The admin API's order list over PostgreSQL/PGlite ({@link OrderAdminStore}): orders newest
 * first with every filter, read as DESIGN.md `order` views in four queries a page (orders, their
 * items, transactions and history), not four per order.
 *
 * @example
 * const orders = createOrderAdminStore(database.db)
 * await orders.orders({ limit: 51, filter: { state: 'paid', provider: 'payme' } }, viewOptions)
 */
import { and, asc, desc, eq, exists, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import type { OrderAdminStore, OrderView } from '../../usecases/ports.js'
import type { Db } from './database.js'
import { itemColumns, toItem, toOrder } from './orders-rows.js'
import { toOrderView } from './orders-view.js'
import { orderItem, orderTransition, paymentTransaction, product, shopOrder } from './schema.js'

export function createOrderAdminStore (db: Db): OrderAdminStore {
  return {
    async orders (input, options) {
      const { filter } = input
      const conditions: Array<SQL | undefined> = []
      if (input.before !== undefined) {
        const at = new Date(input.before.createdAt)
        conditions.push(or(lt(shopOrder.createdAt, at), and(eq(shopOrder.createdAt, at), lt(shopOrder.id, input.before.id))))
      }
      if (filter.state !== undefined) conditions.push(eq(shopOrder.state, filter.state))
      if (filter.customer !== undefined) conditions.push(eq(shopOrder.customerTelegramId, filter.customer))
      if (filter.flag !== undefined) conditions.push(sql`${filter.flag} = any(${shopOrder.flags})`)
      if (filter.from !== undefined) conditions.push(gte(shopOrder.createdAt, new Date(filter.from)))
      if (filter.to !== undefined) conditions.push(lt(shopOrder.createdAt, new Date(filter.to)))
      if (filter.provider !== undefined) {
        conditions.push(exists(db.select({ one: sql`1` }).from(paymentTransaction)
          .where(and(eq(paymentTransaction.orderId, shopOrder.id), eq(paymentTransaction.provider, filter.provider)))))
      }
      const rows = await db.select().from(shopOrder).where(and(...conditions)).orderBy(desc(shopOrder.createdAt), desc(shopOrder.id)).limit(input.limit)
      if (rows.length === 0) return []
      const ids = rows.map((r) => r.id)
      const [items, transactions, history] = await Promise.all([
        db.select(itemColumns).from(orderItem).innerJoin(product, eq(product.id, orderItem.productId)).where(inArray(orderItem.orderId, ids)).orderBy(asc(orderItem.productId)),
        db.select().from(paymentTransaction).where(inArray(paymentTransaction.orderId, ids)).orderBy(asc(paymentTransaction.createdAt), asc(paymentTransaction.id)),
        db.select().from(orderTransition).where(inArray(orderTransition.orderId, ids)).orderBy(asc(orderTransition.id))
      ])
      return rows.map((row): OrderView => toOrderView(
        toOrder(row, items.filter((i) => i.orderId === row.id).map(toItem)),
        transactions.filter((t) => t.orderId === row.id),
        history.filter((h) => h.orderId === row.id),
        options))
    }
  }
}

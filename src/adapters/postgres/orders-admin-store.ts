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
import { offeredProviders } from '../../domain/orders/offered-providers.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { OrderAdminStore, OrderView } from '../../usecases/ports.js'
import type { Db } from './database.js'
import { toOrder } from './orders-rows.js'
import { money } from '../../domain/shared/money.js'
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
        db.select({
          orderId: orderItem.orderId,
          productId: orderItem.productId,
          quantity: orderItem.quantity,
          unitAmount: orderItem.unitAmount,
          currency: orderItem.currency,
          kind: product.kind,
          refundable: product.refundable
        }).from(orderItem).innerJoin(product, eq(product.id, orderItem.productId)).where(inArray(orderItem.orderId, ids)).orderBy(asc(orderItem.productId)),
        db.select().from(paymentTransaction).where(inArray(paymentTransaction.orderId, ids)).orderBy(asc(paymentTransaction.createdAt), asc(paymentTransaction.id)),
        db.select().from(orderTransition).where(inArray(orderTransition.orderId, ids)).orderBy(asc(orderTransition.id))
      ])
      return rows.map((row): OrderView => {
        const order = toOrder(row, items.filter((i) => i.orderId === row.id).map((i) => ({
          productId: i.productId, quantity: i.quantity, price: money(i.unitAmount, i.currency), lineTotal: money(i.unitAmount * i.quantity, i.currency), kind: i.kind, refundable: i.refundable
        })))
        const payUrls: Partial<Record<ProviderName, string>> = {}
        if (order.state === 'pending') {
          const offered = offeredProviders({ total: order.total, hasDigital: order.items.some((i) => i.kind === 'digital'), hasPhysical: order.items.some((i) => i.kind === 'physical') }, options.offer)
          for (const provider of offered) payUrls[provider] = options.payUrl(order.id, provider)
        }
        return {
          id: order.id,
          state: order.state,
          customer: { telegramId: order.customer.telegramId },
          items: order.items.map((i) => ({ productId: i.productId, quantity: i.quantity, price: { amount: i.price.amount, currency: i.price.currency } })),
          total: { amount: order.total.amount, currency: order.total.currency },
          refunded: { amount: order.refunded.amount, currency: order.refunded.currency },
          flags: [...order.flags],
          payUrls,
          transactions: transactions.filter((t) => t.orderId === row.id).map((t) => ({
            provider: t.provider, id: t.id, providerId: t.providerTransactionId, state: t.state, amount: { amount: t.amount, currency: t.currency }, createdAt: t.createdAt.toISOString()
          })),
          history: history.filter((h) => h.orderId === row.id).map((h) => ({ from: h.fromState, to: h.toState, at: h.at.toISOString(), reason: h.reason })),
          expiresAt: new Date(order.expiresAt).toISOString(),
          createdAt: new Date(order.createdAt).toISOString()
        }
      })
    }
  }
}

/**
 * The use cases' {@link ShopStore} over PostgreSQL/PGlite.
 *
 * @example
 * const store = createPostgresShop(database.db)
 * const order = await placeOrder({ store, now, orderTtlS }, input)
 */
import { and, asc, eq, lte, notInArray, sql } from 'drizzle-orm'
import type { ShopStore, ShopTx } from '../../usecases/ports.js'
import { insertProduct, listProductRows, lockProductRows } from './catalog-store.js'
import type { Db } from './database.js'
import { applyTransition, insertHistory, lockOrder } from './order-ledger.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { getOrderView } from './orders-view.js'
import { encodeActor, loadOrderItems, toOrder } from './orders-rows.js'
import { enqueueOutbox } from './outbox.js'
import { moveStock } from './orders-stock.js'
import { analyticsEvent, customer, orderItem, orderTransition, shopOrder } from './schema.js'

/** How rows this store makes are marked. */
export interface ShopStoreOptions {
  /** Sandbox mode (no BOT_TOKEN): new customers, orders and their events carry `sandbox = true`. */
  sandbox?: boolean
}

function shopTx (tx: Db, sandbox: boolean): ShopTx {
  return {
    lockProducts: (ids) => lockProductRows(tx, ids),
    reserveStock: (items, now) => moveStock(tx, items, 'reserve', now),
    async upsertCustomer (telegramId, now) {
      // a customer seen live is a live customer (the sandbox never clears it); the sandbox leaves a live one live
      await tx.insert(customer).values({ telegramId, firstSeenAt: new Date(now), lastSeenAt: new Date(now), sandbox })
        .onConflictDoUpdate({ target: customer.telegramId, set: { lastSeenAt: sql`greatest(${customer.lastSeenAt}, excluded.last_seen_at)`, ...(sandbox ? {} : { sandbox: false }) } })
    },
    async insertOrder (input) {
      const total = input.total
      const [row] = await tx.insert(shopOrder).values({
        customerTelegramId: input.telegramId,
        state: 'pending',
        currency: total.currency,
        totalAmount: total.amount,
        sandbox,
        expiresAt: new Date(input.expiresAt),
        ...(input.delivery?.phone !== undefined || input.delivery?.name !== undefined ? { contact: { phone: input.delivery.phone, name: input.delivery.name } } : {}),
        ...(input.delivery?.address !== undefined ? { shippingAddress: { text: input.delivery.address } } : {}),
        createdAt: new Date(input.now),
        updatedAt: new Date(input.now)
      }).returning()
      const order = row!
      await tx.insert(orderItem).values(input.items.map((i) => ({
        orderId: order.id, productId: i.productId, quantity: i.quantity, unitAmount: i.price.amount, currency: i.price.currency, title: input.titles.get(i.productId) ?? { en: i.productId }
      })))
      await insertHistory(tx, order.id, { from: null, to: 'pending', at: input.now, reason: 'placed', actor: input.actor })
      await tx.insert(analyticsEvent).values({
        name: 'order.placed', customerTelegramId: input.telegramId, orderId: order.id, properties: { amount: total.amount, currency: total.currency }, at: new Date(input.now), sandbox
      })
      return toOrder(order, await loadOrderItems(tx, order.id))
    },
    lockOrder: (orderId) => lockOrder(tx, orderId),
    applyTransition: (order, to, ctx) => applyTransition(tx, order, to, ctx),
    holdCandidates: (orderId) => loadHoldCandidates(tx, orderId),
    async lockDueOrders (now, limit, excludeIds) {
      const conditions = [eq(shopOrder.state, 'pending'), lte(shopOrder.expiresAt, new Date(now))]
      if (excludeIds.length > 0) conditions.push(notInArray(shopOrder.id, [...excludeIds]))
      const rows = await tx.select().from(shopOrder).where(and(...conditions))
        .orderBy(asc(shopOrder.expiresAt), asc(shopOrder.id)).limit(limit).for('update', { skipLocked: true })
      return await Promise.all(rows.map(async (r) => toOrder(r, await loadOrderItems(tx, r.id))))
    },
    async notifyCustomer (telegramId, message, now) {
      await enqueueOutbox(tx, 'customer.notify', { ...message, telegramId }, now)
    },
    async resolveAttention (order, ctx) {
      const flags = order.flags.filter((f) => f !== 'needs_attention')
      await tx.update(shopOrder).set({ flags, updatedAt: new Date(ctx.now), version: sql`${shopOrder.version} + 1` }).where(eq(shopOrder.id, order.id))
      await tx.insert(orderTransition).values({ orderId: order.id, fromState: order.state, toState: order.state, reason: ctx.reason, actor: encodeActor(ctx.actor), at: new Date(ctx.now) })
      return { ...order, flags, updatedAt: ctx.now }
    }
  }
}

/** A {@link ShopStore} over `db`; with `sandbox`, what it makes is marked as the sandbox's. */
export function createPostgresShop (db: Db, options: ShopStoreOptions = {}): ShopStore {
  const sandbox = options.sandbox === true
  return {
    transaction: (work) => db.transaction((tx) => work(shopTx(tx as unknown as Db, sandbox))),
    insertProduct: (p) => insertProduct(db, p),
    listProducts: (input) => listProductRows(db, input),
    orderView: (orderId, options) => getOrderView(db, orderId, options)
  }
}

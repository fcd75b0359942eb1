/**
 * The bot's {@link BotStore} over PostgreSQL/PGlite.
 *
 * @example
 * const store = createPostgresBotStore(database.db)
 * const customer = await store.touchCustomer({ telegramId: 42, language: 'en', now: Date.now() })
 */
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm'
import { languageOr, type Language } from '../../domain/shared/language.js'
import type { Order } from '../../domain/orders/order.js'
import { money } from '../../domain/shared/money.js'
import type { BotStore, CatalogProduct } from '../../usecases/bot-ports.js'
import type { Db } from './database.js'
import { loadOrderItems, toOrder } from './orders-rows.js'
import { shopWordsVersionSql } from './app-settings.js'
import { category, customer, product, shopOrder, supportThread } from './schema.js'

type ProductRow = typeof product.$inferSelect

function toCatalogProduct (r: ProductRow): CatalogProduct {
  return {
    id: r.id,
    title: r.title,
    ...(r.description !== null ? { description: r.description } : {}),
    price: money(r.priceAmount, r.currency),
    kind: r.kind,
    // the first of the product's images is its photo in the bot (the older photo_url column otherwise)
    ...((r.images[0] ?? r.photoUrl) !== null ? { photoUrl: r.images[0] ?? r.photoUrl! } : {}),
    available: r.stock === null ? null : Math.max(r.stock - r.reserved, 0),
    categoryId: r.categoryId
  }
}

/**
 * The customer's stored language when it is one of ours (the one lookup the bot, the pay link
 * and the outbox handlers share).
 */
export async function customerLanguage (db: Db, telegramId: number): Promise<Language | undefined> {
  const rows = await db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
  return languageOr(rows[0]?.language, undefined)
}

/** With `sandbox` (sandbox mode, no BOT_TOKEN), customers it makes carry `sandbox = true`. */
export function createPostgresBotStore (db: Db, options: { sandbox?: boolean } = {}): BotStore {
  const sandbox = options.sandbox === true
  return {
    async touchCustomer (input) {
      const at = new Date(input.now)
      const [row] = await db.insert(customer).values({
        telegramId: input.telegramId,
        language: input.language,
        username: input.username ?? null,
        firstName: input.firstName ?? null,
        firstSeenAt: at,
        lastSeenAt: at,
        sandbox
      }).onConflictDoUpdate({
        target: customer.telegramId,
        // a customer seen live is a live customer (the sandbox never clears it); the sandbox leaves a live one live
        set: { username: input.username ?? null, firstName: input.firstName ?? null, lastSeenAt: at, blockedAt: null, ...(sandbox ? {} : { sandbox: false }) }
      }).returning({ language: customer.language, merchantBlockedAt: customer.merchantBlockedAt, wordsVersion: shopWordsVersionSql })
      // the merchant's block and the shop words' version ride on the upsert every update already makes (issue 15 point 10)
      return { telegramId: input.telegramId, language: languageOr(row?.language, input.language), blocked: row?.merchantBlockedAt != null, wordsVersion: Number(row?.wordsVersion ?? 0) }
    },
    customerLanguage: (telegramId) => customerLanguage(db, telegramId),
    async setLanguage (telegramId, language) {
      await db.update(customer).set({ language }).where(eq(customer.telegramId, telegramId))
    },
    async setReferral (telegramId, source) {
      await db.update(customer).set({ referralSource: source }).where(and(eq(customer.telegramId, telegramId), isNull(customer.referralSource)))
    },
    async setNewsOptOut (telegramId, optedOut, now) {
      await db.update(customer).set({ newsOptedOutAt: optedOut ? new Date(now) : null }).where(eq(customer.telegramId, telegramId))
    },
    async markBlocked (telegramId, now) {
      await db.update(customer).set({ blockedAt: new Date(now) }).where(eq(customer.telegramId, telegramId))
    },
    async categories () {
      const rows = await db.select({ id: category.id, title: category.title }).from(category).orderBy(asc(category.position), asc(category.id))
      return rows
    },
    async products (input) {
      const conditions = [eq(product.active, true)]
      if (input.categoryId === null) conditions.push(isNull(product.categoryId))
      else if (input.categoryId !== undefined) conditions.push(eq(product.categoryId, input.categoryId))
      const where = and(...conditions)
      const [rows, counted] = await Promise.all([
        db.select().from(product).where(where).orderBy(asc(product.createdAt), asc(product.id)).offset(input.offset).limit(input.limit),
        db.select({ n: sql<number>`count(*)::int` }).from(product).where(where)
      ])
      return { items: rows.map(toCatalogProduct), total: Number(counted[0]?.n ?? 0) }
    },
    async product (id) {
      const rows = await db.select().from(product).where(and(eq(product.id, id), eq(product.active, true))).limit(1)
      return rows[0] === undefined ? undefined : toCatalogProduct(rows[0])
    },
    async availability (id) {
      const rows = await db.select({ stock: product.stock, reserved: product.reserved }).from(product).where(and(eq(product.id, id), eq(product.active, true))).limit(1)
      const row = rows[0]
      if (row === undefined) return undefined
      return row.stock === null ? null : Math.max(row.stock - row.reserved, 0)
    },
    async customerOrders (telegramId, limit) {
      const rows = await db.select().from(shopOrder).where(eq(shopOrder.customerTelegramId, telegramId))
        .orderBy(desc(shopOrder.createdAt), desc(shopOrder.id)).limit(limit)
      const orders: Order[] = []
      for (const row of rows) orders.push(toOrder(row, await loadOrderItems(db, row.id)))
      return orders
    },
    async saveSupportThread (adminMessageId, customerTelegramId, now) {
      await db.insert(supportThread).values({ adminMessageId, customerTelegramId, createdAt: new Date(now) }).onConflictDoNothing()
    },
    async supportThreadCustomer (adminMessageId) {
      const rows = await db.select({ id: supportThread.customerTelegramId }).from(supportThread).where(eq(supportThread.adminMessageId, adminMessageId)).limit(1)
      return rows[0]?.id
    }
  }
}

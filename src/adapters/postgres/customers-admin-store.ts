/**
 * The admin API's {@link CustomerAdminStore} over PostgreSQL/PGlite: customers with their order
 * counts and net spending per currency (two grouped queries a page), the merchant's block, a
 * message through the outbox, and forgetting a customer.
 *
 * @example
 * const customers = createCustomerAdminStore(database.db)
 * await customers.forget(42, -123456789, Date.now())
 */
import { and, desc, eq, ilike, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { languageOr } from '../../domain/shared/language.js'
import { money } from '../../domain/shared/money.js'
import type { CustomerAdminStore, CustomerProfile } from '../../usecases/customers-admin.js'
import type { Db } from './database.js'
import { enqueueOutbox } from './outbox.js'
import { adminAudit, analyticsCustomerDay, analyticsEvent, broadcastRecipient, customer, orderTransition, paymentTransaction, providerEvent, shopOrder, supportThread } from './schema.js'

type CustomerRow = typeof customer.$inferSelect

function likePattern (text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** Rows as profiles, with their order counts and net spending read for the whole page at once. */
async function profiles (db: Db, rows: CustomerRow[]): Promise<CustomerProfile[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.telegramId)
  const [counts, spent] = await Promise.all([
    db.select({ id: shopOrder.customerTelegramId, n: sql<number>`count(*)::int` }).from(shopOrder)
      .where(inArray(shopOrder.customerTelegramId, ids)).groupBy(shopOrder.customerTelegramId),
    db.select({ id: shopOrder.customerTelegramId, currency: shopOrder.currency, amount: sql<string>`sum(${shopOrder.totalAmount} - ${shopOrder.refundedAmount})::text` })
      .from(shopOrder)
      .where(and(inArray(shopOrder.customerTelegramId, ids), inArray(shopOrder.state, ['paid', 'fulfilled', 'refunded'])))
      .groupBy(shopOrder.customerTelegramId, shopOrder.currency).orderBy(shopOrder.currency)
  ])
  return rows.map((r) => ({
    telegramId: r.telegramId,
    name: r.firstName ?? '',
    ...(r.username !== null ? { username: r.username } : {}),
    language: languageOr(r.language, 'en'),
    blocked: r.merchantBlockedAt !== null,
    botBlocked: r.blockedAt !== null,
    ...(r.referralSource !== null ? { source: r.referralSource } : {}),
    firstSeen: r.firstSeenAt.getTime(),
    lastSeen: r.lastSeenAt.getTime(),
    orders: counts.find((c) => c.id === r.telegramId)?.n ?? 0,
    spent: spent.filter((s) => s.id === r.telegramId && Number(s.amount) > 0).map((s) => money(Number(s.amount), s.currency))
  }))
}

export function createCustomerAdminStore (db: Db): CustomerAdminStore {
  return {
    async customers (input) {
      const { filter } = input
      const conditions: Array<SQL | undefined> = []
      if (input.before !== undefined) {
        const at = new Date(input.before.at)
        conditions.push(or(lt(customer.firstSeenAt, at), and(eq(customer.firstSeenAt, at), lt(customer.telegramId, input.before.id))))
      }
      if (filter.language !== undefined) conditions.push(eq(customer.language, filter.language))
      if (filter.blocked !== undefined) conditions.push(filter.blocked ? isNotNull(customer.merchantBlockedAt) : isNull(customer.merchantBlockedAt))
      if (filter.q !== undefined && filter.q.trim() !== '') {
        const q = filter.q.trim().replace(/^@/, '')
        const pattern = likePattern(q)
        conditions.push(or(
          ilike(customer.firstName, pattern), ilike(customer.username, pattern),
          ...(/^[1-9][0-9]{0,15}$/.test(q) && Number.isSafeInteger(Number(q)) ? [eq(customer.telegramId, Number(q))] : [])
        ))
      }
      const rows = await db.select().from(customer).where(and(...conditions)).orderBy(desc(customer.firstSeenAt), desc(customer.telegramId)).limit(input.limit)
      return await profiles(db, rows)
    },
    async customer (telegramId) {
      const rows = await db.select().from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
      return (await profiles(db, rows))[0]
    },
    async setBlocked (telegramId, blocked, now) {
      const rows = await db.update(customer).set({ merchantBlockedAt: blocked ? sql`coalesce(${customer.merchantBlockedAt}, ${new Date(now)})` : null })
        .where(eq(customer.telegramId, telegramId)).returning({ id: customer.telegramId })
      return rows.length > 0
    },
    async enqueueMessage (telegramId, text, now) {
      return await db.transaction(async (tx) => {
        const rows = await tx.select({ id: customer.telegramId }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
        if (rows.length === 0) return false
        await enqueueOutbox(tx, 'customer.notify', { kind: 'text', telegramId, text }, now)
        return true
      })
    },
    async forget (telegramId, anonymousId) {
      return await db.transaction(async (tx) => {
        const rows = await tx.select({ id: customer.telegramId }).from(customer).where(eq(customer.telegramId, telegramId)).for('update')
        if (rows.length === 0) return false
        // the providers' own copies of a payment (a Stars payment's order_info, a Stripe charge's
        // billing details) hold personal data too: the ledger keeps amounts and states, not them
        const theirOrders = tx.select({ id: shopOrder.id }).from(shopOrder).where(eq(shopOrder.customerTelegramId, telegramId))
        const theirPayments = tx.select({ provider: paymentTransaction.provider, id: paymentTransaction.providerTransactionId }).from(paymentTransaction).where(inArray(paymentTransaction.orderId, theirOrders))
        await tx.update(providerEvent).set({ payload: null }).where(sql`(${providerEvent.provider}, ${providerEvent.eventId}) in (${theirPayments})`)
        await tx.update(paymentTransaction).set({ raw: null }).where(inArray(paymentTransaction.orderId, theirOrders))
        await tx.update(shopOrder).set({ customerTelegramId: anonymousId, contact: null, shippingAddress: null }).where(eq(shopOrder.customerTelegramId, telegramId))
        await tx.update(analyticsEvent).set({ customerTelegramId: anonymousId }).where(eq(analyticsEvent.customerTelegramId, telegramId))
        await tx.update(analyticsCustomerDay).set({ customerTelegramId: anonymousId }).where(eq(analyticsCustomerDay.customerTelegramId, telegramId))
        await tx.update(orderTransition).set({ actor: 'customer:forgotten' }).where(eq(orderTransition.actor, `customer:${telegramId}`))
        await tx.update(adminAudit).set({ targetId: String(anonymousId), summary: {} }).where(and(eq(adminAudit.targetType, 'customer'), eq(adminAudit.targetId, String(telegramId))))
        await tx.delete(supportThread).where(eq(supportThread.customerTelegramId, telegramId))
        await tx.delete(broadcastRecipient).where(eq(broadcastRecipient.telegramId, telegramId))
        await tx.delete(customer).where(eq(customer.telegramId, telegramId))
        return true
      })
    }
  }
}

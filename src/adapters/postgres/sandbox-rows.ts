/**
 * The rows made in the sandbox (`sandbox = true` on customers, orders and analytics events,
 * migration 0004): counted when going live, dropped by `bozor sandbox clear`.
 *
 * @example
 * const store = createSandboxRowStore(database.db)
 * await store.count() // { customers: 2, orders: 3, events: 7 }
 */
import { and, count, eq, inArray, or, sql } from 'drizzle-orm'
import type { SandboxClearResult, SandboxRowCounts, SandboxRowStore } from '../../usecases/sandbox-rows.js'
import type { Db } from './database.js'
import { moveStock } from './orders-stock.js'
import {
  analyticsCustomerDay, analyticsDailyEvent, analyticsEvent, broadcastRecipient, customer, orderItem, outbox, paymentRefund, paymentTransaction, providerAudit,
  providerEvent, shopOrder, stripeAttempt, supportThread
} from './schema.js'

async function countWhere (db: Db, table: typeof customer | typeof shopOrder | typeof analyticsEvent): Promise<number> {
  const [row] = await db.select({ n: count() }).from(table).where(eq(table.sandbox, true))
  return Number(row?.n ?? 0)
}

async function clearIn (tx: Db, now: number): Promise<SandboxClearResult> {
  // the sandbox's orders, locked first: a payment landing on one now waits for the clear, then finds nothing
  await tx.select({ id: shopOrder.id }).from(shopOrder).where(eq(shopOrder.sandbox, true)).for('update')
  const orderIds = tx.select({ id: shopOrder.id }).from(shopOrder).where(eq(shopOrder.sandbox, true))
  const orderIdTexts = sql`(select ${shopOrder.id}::text from ${shopOrder} where ${shopOrder.sandbox})`
  // a sandbox customer goes unless a live order names it (a live row is never removed)
  const goneCustomers = sql`(select ${customer.telegramId} from ${customer} where ${customer.sandbox} and not exists (select 1 from ${shopOrder} where ${shopOrder.customerTelegramId} = ${customer.telegramId} and not ${shopOrder.sandbox}))`
  const goneCustomerTexts = sql`(select c.telegram_id::text from ${goneCustomers} as c(telegram_id))`

  // what pending sandbox orders hold goes back to the catalog (paid ones consumed theirs: decision 0018)
  const held = await tx.select({ productId: orderItem.productId, quantity: sql<number>`sum(${orderItem.quantity})::int` })
    .from(orderItem).innerJoin(shopOrder, eq(orderItem.orderId, shopOrder.id))
    .where(and(eq(shopOrder.sandbox, true), eq(shopOrder.state, 'pending')))
    .groupBy(orderItem.productId)
  await moveStock(tx, held.map((h) => ({ productId: h.productId, quantity: Number(h.quantity) })), 'release', now)

  const outboxRows = await tx.delete(outbox).where(or(
    sql`${outbox.payload}->>'orderId' in ${orderIdTexts}`,
    sql`${outbox.payload}->>'telegramId' in ${goneCustomerTexts}`
  )).returning({ id: outbox.id })
  await tx.delete(providerEvent).where(or(
    sql`${providerEvent.payload}->>'orderId' in ${orderIdTexts}`,
    sql`(${providerEvent.provider}, ${providerEvent.eventId}) in (select ${paymentTransaction.provider}, ${paymentTransaction.providerTransactionId} from ${paymentTransaction} where ${paymentTransaction.orderId} in (select ${shopOrder.id} from ${shopOrder} where ${shopOrder.sandbox}))`
  ))
  await tx.delete(providerAudit).where(inArray(providerAudit.orderId, orderIds))
  const refunds = await tx.delete(paymentRefund).where(inArray(paymentRefund.orderId, orderIds)).returning({ id: paymentRefund.id })
  const attempts = await tx.delete(stripeAttempt).where(inArray(stripeAttempt.orderId, orderIds)).returning({ id: stripeAttempt.id })
  const transactions = await tx.delete(paymentTransaction).where(inArray(paymentTransaction.orderId, orderIds)).returning({ id: paymentTransaction.id })
  const events = await tx.delete(analyticsEvent).where(or(
    eq(analyticsEvent.sandbox, true),
    inArray(analyticsEvent.orderId, orderIds),
    sql`${analyticsEvent.customerTelegramId} in ${goneCustomers}`
  )).returning({ id: analyticsEvent.id })
  await tx.delete(analyticsCustomerDay).where(or(eq(analyticsCustomerDay.sandbox, true), sql`${analyticsCustomerDay.customerTelegramId} in ${goneCustomers}`))
  await tx.delete(analyticsDailyEvent).where(eq(analyticsDailyEvent.sandbox, true))
  // items and history go with their order (on delete cascade)
  const orders = await tx.delete(shopOrder).where(eq(shopOrder.sandbox, true)).returning({ id: shopOrder.id })
  await tx.delete(supportThread).where(sql`${supportThread.customerTelegramId} in ${goneCustomers}`)
  await tx.delete(broadcastRecipient).where(sql`${broadcastRecipient.telegramId} in ${goneCustomers}`)
  const customers = await tx.delete(customer).where(sql`${customer.telegramId} in ${goneCustomers}`).returning({ id: customer.telegramId })
  return {
    customers: customers.length,
    orders: orders.length,
    events: events.length,
    payments: transactions.length + refunds.length + attempts.length,
    outbox: outboxRows.length
  }
}

export function createSandboxRowStore (db: Db): SandboxRowStore {
  return {
    async count (): Promise<SandboxRowCounts> {
      return { customers: await countWhere(db, customer), orders: await countWhere(db, shopOrder), events: await countWhere(db, analyticsEvent) }
    },
    clear: (now) => db.transaction((tx) => clearIn(tx as unknown as Db, now))
  }
}

// Test support for the Payme/Click ledger and route tests: orders written straight into the
// database (product, shop_order, order_item, customer), and small readers of what the ledgers
// wrote. Not a test file itself.
import { asc, eq } from 'drizzle-orm'
import type { Db } from '../../src/adapters/postgres/database.js'
import {
  customer, orderItem, orderTransition, outbox, paymentTransaction, product, providerAudit, shopOrder
} from '../../src/adapters/postgres/schema.js'
import { createId } from '../../src/domain/shared/ids.js'

export interface SeedOrder {
  /** Total in minor units [12 500 000]. */
  amount?: number
  currency?: string
  /** ms. */
  now: number
  /** ms after `now` [30 min]. */
  ttlMs?: number
  telegramId?: number
  /** Stock on hand of the product (1 unit is reserved by the order) [5]. */
  stock?: number | null
  state?: 'pending' | 'paid' | 'cancelled' | 'expired'
  language?: 'en' | 'ru' | 'uz'
}

/** Inserts a product and a pending one-item order for it; returns the order and product ids. */
export async function seedOrder (db: Db, input: SeedOrder): Promise<{ orderId: string, productId: string }> {
  const amount = input.amount ?? 12_500_000
  const currency = input.currency ?? 'UZS'
  const telegramId = input.telegramId ?? 5001
  const at = new Date(input.now)
  const productId = createId('prd')
  const stock = input.stock === undefined ? 5 : input.stock
  await db.insert(product).values({
    id: productId,
    title: { en: 'Tea' },
    priceAmount: amount,
    currency,
    kind: 'digital',
    payload: 'code-123',
    stock,
    reserved: input.state === undefined || input.state === 'pending' ? 1 : 0,
    createdAt: at,
    updatedAt: at
  })
  if (input.language !== undefined) {
    await db.insert(customer).values({ telegramId, language: input.language }).onConflictDoUpdate({ target: customer.telegramId, set: { language: input.language } })
  }
  const [row] = await db.insert(shopOrder).values({
    customerTelegramId: telegramId,
    state: input.state ?? 'pending',
    currency,
    totalAmount: amount,
    expiresAt: new Date(input.now + (input.ttlMs ?? 30 * 60_000)),
    createdAt: at,
    updatedAt: at
  }).returning({ id: shopOrder.id })
  const orderId = row!.id
  await db.insert(orderItem).values({ orderId, productId, quantity: 1, unitAmount: amount, currency, title: { en: 'Tea' } })
  return { orderId, productId }
}

export async function orderRow (db: Db, orderId: string) {
  return (await db.select().from(shopOrder).where(eq(shopOrder.id, orderId)))[0]!
}

export async function productRow (db: Db, productId: string) {
  return (await db.select().from(product).where(eq(product.id, productId)))[0]!
}

export async function outboxRows (db: Db) {
  return await db.select().from(outbox).orderBy(asc(outbox.id))
}

export async function historyOf (db: Db, orderId: string) {
  return await db.select().from(orderTransition).where(eq(orderTransition.orderId, orderId)).orderBy(asc(orderTransition.id))
}

export async function paymentsOf (db: Db, orderId: string) {
  return await db.select().from(paymentTransaction).where(eq(paymentTransaction.orderId, orderId)).orderBy(asc(paymentTransaction.seq))
}

export async function auditRows (db: Db) {
  return await db.select().from(providerAudit).orderBy(asc(providerAudit.id))
}

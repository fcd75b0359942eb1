import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { createPostgresShop } from '../../src/adapters/postgres/orders-store.js'
import { lockOrder, getOrderView } from '../../src/adapters/postgres/order-ledger.js'
import { paymentTx } from '../../src/adapters/postgres/payment-store.js'
import { flag as flagOrder, markPaid, recordOrderRefund } from '../../src/usecases/payments/apply-payment-event.js'
import { outbox, orderTransition, paymentTransaction, product } from '../../src/adapters/postgres/schema.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { createProduct } from '../../src/usecases/catalog.js'
import { placeOrder } from '../../src/usecases/place-order.js'
import { expireOrders } from '../../src/usecases/expire-orders.js'
import { cancelOrder } from '../../src/usecases/cancel-order.js'

const NOW = Date.UTC(2026, 0, 1)
const TTL_S = 1800

async function setup (t: Parameters<typeof createTestDb>[0]) {
  const database = await createTestDb(t)
  const store = createPostgresShop(database.db)
  const mk = (amount: number, stock: number | null, currency = 'UZS', kind: 'digital' | 'physical' = 'physical') =>
    createProduct({ store, now: NOW }, { title: { en: 'Thing' }, price: { amount, currency }, kind, stock, payload: 'secret' })
  const place = (items: Array<{ productId: string, quantity: number }>, now = NOW) =>
    placeOrder({ store, now, orderTtlS: TTL_S }, { customer: { telegramId: 42 }, items })
  const stockOf = async (id: string) => (await database.db.select().from(product).where(eq(product.id, id)))[0]!
  return { db: database.db, store, mk, place, stockOf }
}

async function pay (db: Db, orderId: string): Promise<string> {
  return await db.transaction(async (tx) => {
    const order = await lockOrder(tx as unknown as Db, orderId)
    const paid = await markPaid(paymentTx(tx as unknown as Db), order!, 'payme', 'pay_x', NOW + 1000)
    return paid.state
  })
}

test('placing an order reserves stock and the last unit goes to one of two concurrent orders', async (t) => {
  const { mk, place, stockOf } = await setup(t)
  const p = await mk(1_500_000, 1)
  const results = await Promise.allSettled([place([{ productId: p.id, quantity: 1 }]), place([{ productId: p.id, quantity: 1 }])])
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
  assert.equal(rejected.reason.code, 'ERR_ORDER_OUT_OF_STOCK')
  assert.equal((await stockOf(p.id)).reserved, 1)
})

test('the price snapshot survives a later price change and history starts at pending', async (t) => {
  const { db, mk, place } = await setup(t)
  const p = await mk(1_000_000, null)
  const order = await place([{ productId: p.id, quantity: 3 }])
  await db.update(product).set({ priceAmount: 5 }).where(eq(product.id, p.id))
  const view = await getOrderView(db, order.id, { payUrl: (id, provider) => `http://x/pay/${id}/${provider}`, offer: { configured: ['payme'] } })
  assert.deepEqual(view!.total, { amount: 3_000_000, currency: 'UZS' })
  assert.deepEqual(view!.items[0]!.price, { amount: 1_000_000, currency: 'UZS' })
  assert.deepEqual(view!.history.map((h) => [h.from, h.to]), [[null, 'pending']])
  assert.equal(view!.payUrls.payme, `http://x/pay/${order.id}/payme`)
})

test('a currency mix is refused', async (t) => {
  const { mk, place } = await setup(t)
  const a = await mk(100, null, 'UZS')
  const b = await mk(100, null, 'USD')
  await assert.rejects(place([{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }]), { code: 'ERR_ORDER_CURRENCY_MIX' })
})

test('markOrderPaid under concurrency gives one paid transition and one outbox row', async (t) => {
  const { db, mk, place, stockOf } = await setup(t)
  const p = await mk(100, 5)
  const order = await place([{ productId: p.id, quantity: 2 }])
  const states = await Promise.all(Array.from({ length: 5 }, () => pay(db, order.id)))
  assert.deepEqual(new Set(states), new Set(['paid']))
  const paidRows = (await db.select().from(orderTransition).where(eq(orderTransition.orderId, order.id))).filter((r) => r.toState === 'paid')
  assert.equal(paidRows.length, 1)
  assert.equal((await db.select().from(outbox)).filter((r) => r.topic === 'order.paid').length, 1)
  const row = await stockOf(p.id)
  assert.deepEqual([row.stock, row.reserved], [3, 0])
})

test('a full refund moves to refunded and returns stock; a flag adds an admin row', async (t) => {
  const { db, mk, place, stockOf } = await setup(t)
  const p = await mk(100, 5)
  const order = await place([{ productId: p.id, quantity: 2 }])
  await pay(db, order.id)
  const refunded = await db.transaction(async (tx) => {
    const locked = await lockOrder(tx as unknown as Db, order.id)
    const partial = await recordOrderRefund(paymentTx(tx as unknown as Db), locked!, { amount: 50, reason: 'r', now: NOW, actor: { kind: 'system' } })
    assert.equal(partial.state, 'paid')
    const full = await recordOrderRefund(paymentTx(tx as unknown as Db), partial, { amount: 150, reason: 'r', now: NOW, actor: { kind: 'system' } })
    return await flagOrder(paymentTx(tx as unknown as Db), full, 'needs_attention', 'look', NOW)
  })
  assert.equal(refunded.state, 'refunded')
  assert.deepEqual(refunded.flags, ['needs_attention'])
  assert.equal((await stockOf(p.id)).stock, 5)
  const topics = (await db.select().from(outbox)).map((r) => r.topic).sort()
  assert.deepEqual(topics, ['admin.notify', 'customer.notify', 'customer.notify', 'order.paid'])
})

test('expiry returns stock, skips held orders, and two concurrent runs expire each order once', async (t) => {
  const { db, store, mk, place, stockOf } = await setup(t)
  const p = await mk(100, 10)
  const orders = await Promise.all([1, 2, 3].map(() => place([{ productId: p.id, quantity: 1 }])))
  const held = orders[2]!
  await db.insert(paymentTransaction).values({ id: 'pay_held', orderId: held.id, provider: 'payme', providerTransactionId: 'abc', providerState: 1, amount: 100, currency: 'UZS', providerCreatedAt: NOW + 1000, paymeTime: NOW + 1000 })
  const later = NOW + TTL_S * 1000
  const [a, b] = await Promise.all([expireOrders({ store, now: later, batch: 1 }), expireOrders({ store, now: later, batch: 1 })])
  const expired = [...a.expired, ...b.expired].sort()
  assert.deepEqual(expired, [orders[0]!.id, orders[1]!.id].sort())
  assert.equal((await stockOf(p.id)).reserved, 1)
  await assert.rejects(cancelOrder({ store, now: NOW }, { orderId: held.id, actor: { kind: 'system' } }), { code: 'ERR_ORDER_HELD' })
  const again = await expireOrders({ store, now: later })
  assert.deepEqual(again, { expired: [], held: [held.id] })
})

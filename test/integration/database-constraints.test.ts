// Idempotency keys backed by unique indexes (STYLE.md R6), on this leg's database.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminToken, paymentTransaction, providerEvent, shopOrder } from '../../src/adapters/postgres/schema.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { isUniqueViolation } from '../../src/adapters/postgres/errors.js'
import { createTestDb } from '../helpers/db.js'

async function placeOrder (db: Db): Promise<string> {
  const [order] = await db.insert(shopOrder).values({
    customerTelegramId: 42, currency: 'UZS', totalAmount: 1_500_000, expiresAt: new Date(Date.now() + 1_800_000)
  }).returning({ id: shopOrder.id })
  assert.ok(order)
  return order.id
}

test('a repeated provider event inserts nothing', async (t) => {
  const { db } = await createTestDb(t)
  const event = { provider: 'stripe', eventId: 'evt_1', payload: { type: 'checkout.session.completed' } }
  const first = await db.insert(providerEvent).values(event).onConflictDoNothing().returning()
  const again = await db.insert(providerEvent).values({ ...event, payload: { other: true } }).onConflictDoNothing().returning()
  assert.equal(first.length, 1)
  assert.deepEqual(again, [])
  const otherProvider = await db.insert(providerEvent).values({ ...event, provider: 'click' }).onConflictDoNothing().returning()
  assert.equal(otherProvider.length, 1)
})

test('a provider transaction id is unique per provider', async (t) => {
  const { db } = await createTestDb(t)
  const orderId = await placeOrder(db)
  const row = { orderId, provider: 'payme', providerTransactionId: '5305e3bab097f420a62ced0b', amount: 1_500_000, currency: 'UZS' }
  await db.insert(paymentTransaction).values({ ...row, id: 'pay_a' })
  await assert.rejects(
    db.insert(paymentTransaction).values({ ...row, id: 'pay_b' }),
    (err) => isUniqueViolation(err, 'payment_transaction_provider_id_key')
  )
  await db.insert(paymentTransaction).values({ ...row, id: 'pay_c', provider: 'click' })
  const rows = await db.select({ id: paymentTransaction.id }).from(paymentTransaction).orderBy(paymentTransaction.id)
  assert.deepEqual(rows.map((r) => r.id), ['pay_a', 'pay_c'])
})

test('two admin tokens cannot share a hash', async (t) => {
  const { db } = await createTestDb(t)
  const tokenHash = 'a'.repeat(64)
  await db.insert(adminToken).values({ id: 'tok_1', name: 'ci', scope: 'write', tokenHash })
  await assert.rejects(
    db.insert(adminToken).values({ id: 'tok_2', name: 'dashboard', scope: 'read', tokenHash }),
    (err) => isUniqueViolation(err, 'admin_token_hash_key')
  )
})

// The one payment contract (issue 13, decision 0017): every provider's refunds are the same kind
// of ledger row (`payment_refund`), and a refund counts for the order only when it refunds the
// payment that paid it. Through each provider's ledger, on PGlite and PostgreSQL.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asc, eq } from 'drizzle-orm'
import { paymeLedgerOf, starsLedgerOf } from '../../src/compose/payments.js'
import { paymentRefund, paymentTransaction } from '../../src/adapters/postgres/schema.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { createTestDb } from '../helpers/db.js'
import { orderRow, outboxRows, productRow, seedOrder } from './payme-ledger-fixtures.js'

const NOW = Date.UTC(2026, 0, 1, 10)

async function refundsOf (db: Db, orderId: string) {
  return await db.select().from(paymentRefund).where(eq(paymentRefund.orderId, orderId)).orderBy(asc(paymentRefund.createdAt), asc(paymentRefund.id))
}

async function paymentState (db: Db, providerId: string) {
  return (await db.select().from(paymentTransaction).where(eq(paymentTransaction.providerTransactionId, providerId)))[0]
}

test('Payme: a cancel after perform is a refund row like every provider\'s (external, succeeded); a repeat adds none', async (t) => {
  const { db } = await createTestDb(t)
  const ledger = paymeLedgerOf(db)
  const { orderId, productId } = await seedOrder(db, { now: NOW, stock: 5 })
  const paymeId = 'd'.repeat(24)
  assert.ok((await ledger.create({ paymeId, paymeTime: NOW, amount: 12_500_000, orderId, now: NOW })).ok)
  assert.ok((await ledger.perform({ paymeId, now: NOW + 1000 })).ok)
  assert.equal((await productRow(db, productId)).stock, 4)
  const first = await ledger.cancel({ paymeId, reason: 5, now: NOW + 2000 })
  const again = await ledger.cancel({ paymeId, reason: 5, now: NOW + 3000 })
  assert.deepEqual(again, first)
  const refunds = await refundsOf(db, orderId)
  assert.deepEqual(refunds.map((r) => [r.provider, r.origin, r.state, r.amount, r.currency]), [['payme', 'external', 'succeeded', 12_500_000, 'UZS']])
  const order = await orderRow(db, orderId)
  assert.deepEqual([order.state, order.refundedAmount], ['refunded', 12_500_000])
  assert.equal((await productRow(db, productId)).stock, 5)
  const payment = await paymentState(db, paymeId)
  assert.deepEqual([payment?.state, payment?.refundedAmount, payment?.providerState], ['refunded', 12_500_000, -2])
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid', 'customer.notify'])
})

test('Stars: a refund of an extra payment changes nothing on the order; one of the paying payment refunds it', async (t) => {
  const { db } = await createTestDb(t)
  const stars = starsLedgerOf(db)
  const { orderId, productId } = await seedOrder(db, { now: NOW, currency: 'XTR', amount: 150, telegramId: 77, stock: 3 })
  const pay = async (chargeId: string, now: number) => await stars.recordPayment({ orderId, chargeId, amount: 150, currency: 'XTR', telegramId: 77, now, raw: { chargeId } })
  assert.equal((await pay('charge-paying', NOW + 1000)).outcome, 'paid')
  // a second payment for the paid order: refunded automatically through the outbox
  assert.equal((await pay('charge-extra', NOW + 2000)).outcome, 'late')
  assert.deepEqual((await refundsOf(db, orderId)).map((r) => [r.origin, r.state]), [['auto', 'pending']])
  // Telegram's refunded_payment for the extra one arrives before our refund is sent: it settles
  // the pending refund (no second row) and leaves the order paid
  await stars.recordRefund({ chargeId: 'charge-extra', now: NOW + 3000, reason: 'refunded_payment from Telegram' })
  assert.deepEqual((await refundsOf(db, orderId)).map((r) => [r.origin, r.state, r.amount]), [['auto', 'succeeded', 150]])
  let order = await orderRow(db, orderId)
  assert.deepEqual([order.state, order.refundedAmount], ['paid', 0])
  assert.equal((await paymentState(db, 'charge-extra'))?.state, 'refunded')
  assert.equal(await stars.payingCharge(orderId), 'charge-paying')
  // the merchant refunds the paying payment: the order is refunded, its stock returns
  await stars.recordRefund({ chargeId: 'charge-paying', now: NOW + 4000, reason: 'refunded by the merchant', origin: 'admin' })
  await stars.recordRefund({ chargeId: 'charge-paying', now: NOW + 5000, reason: 'refunded_payment from Telegram' })
  const refunds = await refundsOf(db, orderId)
  assert.deepEqual(refunds.map((r) => [r.origin, r.state, r.amount]), [['auto', 'succeeded', 150], ['admin', 'succeeded', 150]])
  order = await orderRow(db, orderId)
  assert.deepEqual([order.state, order.refundedAmount], ['refunded', 150])
  assert.equal((await productRow(db, productId)).stock, 3)
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid', 'stars.refund', 'customer.notify'])
})

// The database PaymeLedger under concurrency: one paid transition and one fulfilment however
// many identical calls race (specs/payme.md §13 item 30, issue 4 "Shown by").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paymeLedgerOf as createPaymeLedger } from '../../src/compose/payments.js'
import { pruneProviderAudit, writeProviderAudit } from '../../src/adapters/postgres/provider-audit.js'
import { createTestDb } from '../helpers/db.js'
import { auditRows, historyOf, orderRow, outboxRows, paymentsOf, seedOrder } from './payme-ledger-fixtures.js'

const T = 12_500_000
const NOW = Date.UTC(2026, 0, 1, 10)

test('50 concurrent PerformTransaction calls: one paid transition, one outbox row, same answer', async (t) => {
  const { db } = await createTestDb(t)
  const ledger = createPaymeLedger(db)
  const { orderId } = await seedOrder(db, { now: NOW })
  const created = await ledger.create({ paymeId: 'a'.repeat(24), paymeTime: NOW, amount: T, orderId, now: NOW })
  assert.ok(created.ok)
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => await ledger.perform({ paymeId: 'a'.repeat(24), now: NOW + 1000 + i })))
  const performTimes = new Set(answers.map((a) => a.ok ? a.tx.performTime : null))
  assert.equal(performTimes.size, 1)
  assert.ok(answers.every((a) => a.ok && a.tx.state === 2))
  assert.equal((await orderRow(db, orderId)).state, 'paid')
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid'])
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'])
})

test('concurrent CreateTransaction calls with different ids for one order: exactly one lives', async (t) => {
  const { db } = await createTestDb(t)
  const ledger = createPaymeLedger(db)
  const { orderId } = await seedOrder(db, { now: NOW })
  const ids = Array.from({ length: 10 }, (_, i) => String(i).padStart(24, 'b'))
  const answers = await Promise.all(ids.map(async (paymeId) => await ledger.create({ paymeId, paymeTime: NOW, amount: T, orderId, now: NOW })))
  assert.equal(answers.filter((a) => a.ok).length, 1)
  assert.ok(answers.filter((a) => !a.ok).every((a) => !a.ok && a.refusal === 'state_conflict'))
  assert.equal((await paymentsOf(db, orderId)).length, 1)
  const repeats = await Promise.all(Array.from({ length: 5 }, async () => await ledger.create({ paymeId: 'c'.repeat(24), paymeTime: NOW, amount: T, orderId, now: NOW })))
  assert.ok(repeats.every((a) => !a.ok && a.refusal === 'state_conflict'))
})

test('pruneProviderAudit removes audit rows older than 90 days and keeps newer ones', async (t) => {
  const { db } = await createTestDb(t)
  const day = 24 * 3600_000
  const entry = { provider: 'payme', endpoint: 'POST /payments/payme', body: { method: 'CheckTransaction' }, response: { result: {} }, status: 200 }
  await writeProviderAudit(db, { ...entry, now: NOW - 91 * day }, [])
  await writeProviderAudit(db, { ...entry, now: NOW - 89 * day, headers: { authorization: 'Basic secret', 'content-type': 'text/json' } }, [])
  assert.equal(await pruneProviderAudit(db, NOW), 1)
  const rows = await auditRows(db)
  assert.equal(rows.length, 1)
  assert.deepEqual((rows[0]?.request as { headers: unknown }).headers, { 'content-type': 'text/json' })
})

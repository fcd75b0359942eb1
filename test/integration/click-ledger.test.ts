// The database ClickLedger under concurrency: Prepare and Complete repeated concurrently give
// one record and one payment (specs/click.md §14 item 24, issue 4 "Shown by").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { clickLedgerOf as createClickLedger } from '../../src/compose/payments.js'
import { createTestDb } from '../helpers/db.js'
import { historyOf, orderRow, outboxRows, paymentsOf, seedOrder } from './payme-ledger-fixtures.js'

const T = 12_500_000
const NOW = Date.UTC(2026, 0, 1, 10)

test('Click prepare and complete repeated 20 times concurrently: one record, one payment', async (t) => {
  const { db } = await createTestDb(t)
  const ledger = createClickLedger(db)
  const { orderId } = await seedOrder(db, { now: NOW })
  const prepare = { clickTransId: '2387417364', clickPaydocId: '3112459087', orderId, amount: T, rawAmount: '125000.00', clickError: 0, now: NOW }
  const prepared = await Promise.all(Array.from({ length: 20 }, async () => await ledger.prepare(prepare)))
  const ids = new Set(prepared.map((p) => p.ok ? p.record.prepareId : null))
  assert.equal(ids.size, 1)
  assert.ok(prepared.every((p) => p.ok))
  assert.equal((await paymentsOf(db, orderId)).length, 1)
  const prepareId = [...ids][0]!
  const completes = await Promise.all(Array.from({ length: 20 }, async () => await ledger.complete({ clickTransId: '2387417364', orderId, prepareId, amount: T, rawAmount: '125000.00', clickError: 0, now: NOW + 1000 })))
  assert.equal(completes.filter((c) => c.ok).length, 1)
  assert.ok(completes.filter((c) => !c.ok).every((c) => !c.ok && c.refusal === 'already_paid'))
  assert.equal((await orderRow(db, orderId)).state, 'paid')
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid'])
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'])
})

test('Click attempt keyed by click_trans_id and order: the same click id for another order is a new record', async (t) => {
  const { db } = await createTestDb(t)
  const ledger = createClickLedger(db)
  const first = await seedOrder(db, { now: NOW })
  const second = await seedOrder(db, { now: NOW })
  const base = { clickTransId: '77', clickPaydocId: '1', amount: T, rawAmount: '125000.00', clickError: 0, now: NOW }
  const a = await ledger.prepare({ ...base, orderId: first.orderId })
  const b = await ledger.prepare({ ...base, orderId: second.orderId })
  assert.ok(a.ok && b.ok)
  assert.notEqual(a.record.prepareId, b.record.prepareId)
  const wrong = await ledger.complete({ clickTransId: '77', orderId: second.orderId, prepareId: a.record.prepareId, amount: T, rawAmount: '125000.00', clickError: 0, now: NOW })
  assert.deepEqual([wrong.ok, !wrong.ok && wrong.refusal], [false, 'attempt_not_found'])
})

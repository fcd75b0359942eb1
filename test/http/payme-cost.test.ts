// What a Payme call costs in SQL (issue 18): counted by the database's own counters, never timed.
// A call that changes state is one transaction holding its audit row (one commit, nothing else);
// a read-only call opens no transaction and writes nothing on the request path (its audit row is
// queued and written in a batch later).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createTestDb } from '../helpers/db.js'
import { auditRows, seedOrder } from '../integration/payme-ledger-fixtures.js'
import { buildCostApp } from './provider-cost-app.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const T = 12_500_000

test('Payme calls: the cost of each in statements and commits', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app, flushAudit } = await buildCostApp(t, { PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: KEY }, database, clock)
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  const account = { order_id: orderId }
  let id = 1
  const cost = async (method: string, params: Record<string, unknown>) => {
    const before = { ...database.stats }
    const res = await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'application/json', authorization: paymeAuthHeader(KEY) }, payload: JSON.stringify({ method, params, id: id++ }) })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().error, undefined, `${method}: ${res.body}`)
    return { statements: database.stats.statements - before.statements, commits: database.stats.commits - before.commits, autocommits: database.stats.autocommits - before.autocommits }
  }
  const check = await cost('CheckPerformTransaction', { amount: T, account })
  const create = await cost('CreateTransaction', { id: '6650a3f1c2e4b8a1d3f09e77', time: clock.now(), amount: T, account })
  const perform = await cost('PerformTransaction', { id: '6650a3f1c2e4b8a1d3f09e77' })
  const state = await cost('CheckTransaction', { id: '6650a3f1c2e4b8a1d3f09e77' })
  console.log(JSON.stringify({ check, create, perform, state }))
  // a state change: one transaction, its audit row inside it, nothing outside it
  assert.deepEqual([create.commits, create.autocommits], [1, 0], 'CreateTransaction commits exactly once')
  assert.deepEqual([perform.commits, perform.autocommits], [1, 0], 'PerformTransaction commits exactly once')
  // read-only calls: no transaction, and every statement a read (their audit rows wait in the queue)
  assert.equal(check.commits, 0, 'CheckPerformTransaction opens no transaction')
  assert.equal(check.autocommits, check.statements)
  assert.equal(state.commits, 0, 'CheckTransaction opens no transaction')
  assert.deepEqual([state.statements, state.autocommits], [1, 1], 'CheckTransaction is one read')
  assert.equal((await auditRows(database.db)).length, 2, 'only the state changes wrote their audit rows so far')
  // statements per call, pinned against regressions
  assert.ok(check.statements <= 4, `CheckPerformTransaction: ${check.statements} statements`)
  assert.ok(create.statements <= 5, `CreateTransaction: ${create.statements} statements`)
  assert.ok(perform.statements <= 9, `PerformTransaction: ${perform.statements} statements`)
  // the queue: the two read-only calls' rows written in one batch, one statement
  const before = database.stats.statements
  await flushAudit()
  assert.equal(database.stats.statements - before, 1, 'one INSERT for the batch')
  const rows = await auditRows(database.db)
  assert.deepEqual(rows.map((r) => (r.request as { body: { method: string } }).body.method).sort(), ['CheckPerformTransaction', 'CheckTransaction', 'CreateTransaction', 'PerformTransaction'])
})

// What a Payme call costs in SQL (issue 18): counted by the database's own counters, never timed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { seedOrder } from '../integration/payme-ledger-fixtures.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const T = 12_500_000

test('Payme calls: the cost of each in statements and commits', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: { PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: KEY }, database, clock })
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
  // the state change is one transaction; the provider_audit row is still its own insert after it
  // (issue 18 wants it batched off the path: not done yet, so these pin today's cost against regressions)
  assert.equal(perform.commits, 1, 'PerformTransaction changes state in one transaction')
  assert.equal(create.commits, 1, 'CreateTransaction changes state in one transaction')
  assert.equal(check.commits + check.autocommits, 2)
  assert.equal(perform.autocommits, 1, 'the audit row')
  assert.equal(state.commits, 0, 'CheckTransaction opens no transaction')
  assert.ok(perform.statements <= 11, `PerformTransaction: ${perform.statements} statements`)
})

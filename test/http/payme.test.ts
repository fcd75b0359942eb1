// POST /payments/payme end to end over the app and this leg's database: the conformance
// checklist of specs/payme.md §13 as Payme would drive it.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { eventually } from '../helpers/wait.js'
import {
  auditRows, historyOf, orderRow, outboxRows, paymentsOf, productRow, seedOrder
} from '../integration/payme-ledger-fixtures.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const ENV = { PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: KEY }
const T = 12_500_000
const TX_A = '6650a3f1c2e4b8a1d3f09e77'
const TX_B = '6650a3f1c2e4b8a1d3f09e78'

interface RpcAnswer { jsonrpc: string, id: number | null, result?: Record<string, unknown>, error?: { code: number, message: Record<string, string>, data?: string } }

async function setup (t: TestContext, env: Record<string, string> = ENV) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env, database, clock })
  let nextId = 100
  const call = async (method: string, params: Record<string, unknown>, auth: string | null = paymeAuthHeader(KEY)): Promise<RpcAnswer> => {
    const headers: Record<string, string> = { 'content-type': 'text/json; charset=UTF-8' }
    if (auth !== null) headers.authorization = auth
    const id = nextId++
    const res = await app.inject({ method: 'POST', url: '/payments/payme', headers, payload: JSON.stringify({ method, params, id }) })
    assert.equal(res.statusCode, 200)
    const body = res.json() as RpcAnswer
    assert.equal(body.id, id)
    assert.ok(!('result' in body && 'error' in body), 'never both result and error')
    return body
  }
  return { app, clock, db: database.db, call }
}

test('Payme flow: check, create, repeat, perform twice, check, cancel -2 refunds and returns stock', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId, productId } = await seedOrder(db, { now: clock.now() })
  const account = { order_id: orderId }

  assert.deepEqual((await call('CheckPerformTransaction', { amount: T, account })).result, { allow: true })
  assert.equal((await paymentsOf(db, orderId)).length, 0)
  assert.equal((await call('CheckPerformTransaction', { amount: T - 100, account })).error?.code, -31001)

  const created = await call('CreateTransaction', { id: TX_A, time: clock.now() - 1000, amount: T, account })
  assert.equal(created.result?.state, 1)
  assert.equal(created.result?.create_time, clock.now())
  assert.equal(typeof created.result?.transaction, 'string')
  clock.advance(1000)
  const repeat = await call('CreateTransaction', { id: TX_A, time: clock.now() - 2000, amount: T, account })
  assert.deepEqual(repeat.result, created.result)
  assert.equal((await call('CheckPerformTransaction', { amount: T, account })).error?.code, -31052)
  const second = await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T, account })
  assert.equal(second.error?.code, -31008)

  clock.advance(5000)
  const performed = await call('PerformTransaction', { id: TX_A })
  assert.deepEqual(performed.result, { transaction: created.result?.transaction, perform_time: clock.now(), state: 2 })
  clock.advance(5000)
  assert.deepEqual((await call('PerformTransaction', { id: TX_A })).result, performed.result)
  assert.equal((await orderRow(db, orderId)).state, 'paid')
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'])
  assert.equal((await productRow(db, productId)).stock, 4)
  assert.equal((await call('CheckPerformTransaction', { amount: T, account })).error?.code, -31051)
  assert.equal((await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T, account })).error?.code, -31008)

  const checked = await call('CheckTransaction', { id: TX_A })
  assert.deepEqual(checked.result, { create_time: created.result?.create_time, perform_time: performed.result?.perform_time, cancel_time: 0, transaction: created.result?.transaction, state: 2, reason: null })

  clock.advance(60_000)
  const cancelled = await call('CancelTransaction', { id: TX_A, reason: 5 })
  assert.deepEqual(cancelled.result, { transaction: created.result?.transaction, cancel_time: clock.now(), state: -2 })
  clock.advance(1000)
  assert.deepEqual((await call('CancelTransaction', { id: TX_A, reason: 3 })).result, cancelled.result)
  const after = await call('CheckTransaction', { id: TX_A })
  assert.deepEqual(after.result, { ...checked.result, cancel_time: cancelled.result?.cancel_time, state: -2, reason: 5 })

  const order = await orderRow(db, orderId)
  assert.equal(order.state, 'refunded')
  assert.equal(order.refundedAmount, T)
  assert.equal((await productRow(db, productId)).stock, 5)
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid', 'customer.notify'])
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid', 'refunded'])
})

test('Payme cancel of a state-1 transaction releases the order and a new id may then pay', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const account = { order_id: orderId }
  await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account })
  clock.advance(1000)
  const cancelled = await call('CancelTransaction', { id: TX_A, reason: 3 })
  assert.equal(cancelled.result?.state, -1)
  assert.equal((await call('CheckTransaction', { id: TX_A })).result?.perform_time, 0)
  assert.equal((await call('PerformTransaction', { id: TX_A })).error?.code, -31008)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account })).error?.code, -31008)
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  assert.deepEqual((await call('CheckPerformTransaction', { amount: T, account })).result, { allow: true })
  assert.equal((await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T, account })).result?.state, 1)
  assert.equal((await call('PerformTransaction', { id: TX_B })).result?.state, 2)
  assert.equal((await orderRow(db, orderId)).state, 'paid')
})

test('Payme refusals: unknown order, wrong amount, unknown ids, old time, 12-hour timeout', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), ttlMs: 24 * 3600_000 })
  const account = { order_id: orderId }
  const unknown = await call('CheckPerformTransaction', { amount: T, account: { order_id: '999999' } })
  assert.equal(unknown.error?.code, -31050)
  assert.equal(unknown.error?.data, 'order_id')
  assert.deepEqual(Object.keys(unknown.error?.message ?? {}).sort(), ['en', 'ru', 'uz'])
  assert.equal((await call('CheckPerformTransaction', { amount: T, account: {} })).error?.code, -31050)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T + 1, account })).error?.code, -31001)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account: { order_id: '999999' } })).error?.code, -31050)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now() - 43_200_001, amount: T, account })).error?.code, -31008)
  assert.equal((await paymentsOf(db, orderId)).length, 0)
  for (const method of ['PerformTransaction', 'CheckTransaction']) {
    assert.equal((await call(method, { id: 'ffffffffffffffffffffffff' })).error?.code, -31003)
  }
  assert.equal((await call('CancelTransaction', { id: 'ffffffffffffffffffffffff', reason: 1 })).error?.code, -31003)

  const time = clock.now()
  assert.equal((await call('CreateTransaction', { id: TX_A, time, amount: T, account })).result?.state, 1)
  clock.set(time + 43_200_001)
  assert.equal((await call('PerformTransaction', { id: TX_A })).error?.code, -31008)
  const dead = await call('CheckTransaction', { id: TX_A })
  assert.equal(dead.result?.state, -1)
  assert.equal(dead.result?.reason, 4)
  assert.equal(dead.result?.cancel_time, clock.now())
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  assert.equal((await outboxRows(db)).length, 0)
})

test('Payme CreateTransaction with a time more than 10 minutes ahead of our clock answers -31008 and holds nothing (decision 0026)', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const account = { order_id: orderId }
  const yearsAhead = await call('CreateTransaction', { id: TX_A, time: clock.now() + 3 * 365 * 86_400_000, amount: T, account })
  assert.equal(yearsAhead.error?.code, -31008)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now() + 600_001, amount: T, account })).error?.code, -31008)
  assert.equal((await paymentsOf(db, orderId)).length, 0, 'nothing recorded: the order is not held')
  // a clock skew of up to 10 minutes is Payme's to have: accepted, and it holds the order as usual
  assert.equal((await call('CreateTransaction', { id: TX_B, time: clock.now() + 600_000, amount: T, account })).result?.state, 1)
})

test('Payme wrong credentials answer -32504 for every method and change nothing', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const account = { order_id: orderId }
  const calls: Array<[string, Record<string, unknown>]> = [
    ['CheckPerformTransaction', { amount: T, account }],
    ['CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account }],
    ['PerformTransaction', { id: TX_A }],
    ['CancelTransaction', { id: TX_A, reason: 3 }],
    ['CheckTransaction', { id: TX_A }],
    ['GetStatement', { from: 0, to: clock.now() }]
  ]
  for (const auth of [paymeAuthHeader('wrong-key'), paymeAuthHeader(KEY, 'Payme'), null, 'Bearer x']) {
    for (const [method, params] of calls) {
      assert.equal((await call(method, params, auth)).error?.code, -32504, `${method} with ${String(auth)}`)
    }
  }
  assert.equal((await paymentsOf(db, orderId)).length, 0)
  assert.equal((await orderRow(db, orderId)).state, 'pending')
})

test('Payme protocol errors: non-POST, malformed JSON, bad envelope, unknown method, ChangePassword', async (t) => {
  const { app, call } = await setup(t)
  const auth = paymeAuthHeader(KEY)
  const get = await app.inject({ method: 'GET', url: '/payments/payme', headers: { authorization: auth } })
  assert.equal(get.statusCode, 200)
  assert.equal(get.json().error.code, -32300)
  const broken = await app.inject({ method: 'POST', url: '/payments/payme', headers: { authorization: auth, 'content-type': 'application/json' }, payload: '{not json' })
  assert.equal(broken.statusCode, 200)
  assert.deepEqual([broken.json().id, broken.json().error.code], [null, -32700])
  const noMethod = await app.inject({ method: 'POST', url: '/payments/payme', headers: { authorization: auth, 'content-type': 'application/json' }, payload: '{"params":{},"id":6}' })
  assert.deepEqual([noMethod.json().id, noMethod.json().error.code], [6, -32600])
  const foo = await call('Foo', {})
  assert.deepEqual([foo.error?.code, foo.error?.data], [-32601, 'Foo'])
  assert.equal((await call('ChangePassword', { password: 'x' })).error?.code, -32601)
  assert.equal((await call('GetStatement', { to: 5 })).error?.code, -32600)
})

test('Payme GetStatement lists transactions by Payme time, inclusive, ascending', async (t) => {
  const { clock, db, call } = await setup(t)
  const first = await seedOrder(db, { now: clock.now() })
  const second = await seedOrder(db, { now: clock.now() })
  const t1 = clock.now() - 60_000
  const t2 = clock.now() - 30_000
  await call('CreateTransaction', { id: TX_B, time: t2, amount: T, account: { order_id: second.orderId } })
  await call('CreateTransaction', { id: TX_A, time: t1, amount: T, account: { order_id: first.orderId } })
  await call('CreateTransaction', { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', time: t1, amount: 1, account: { order_id: first.orderId } })
  await call('CancelTransaction', { id: TX_A, reason: 3 })
  const all = await call('GetStatement', { from: t1, to: t2 })
  const txs = all.result?.transactions as Array<Record<string, unknown>>
  assert.deepEqual(txs.map((x) => [x.id, x.time, x.state]), [[TX_A, t1, -1], [TX_B, t2, 1]])
  assert.deepEqual(Object.keys(txs[0]!).sort(), ['account', 'amount', 'cancel_time', 'create_time', 'id', 'perform_time', 'reason', 'receivers', 'state', 'time', 'transaction'])
  assert.deepEqual(txs[0]!.account, { order_id: first.orderId })
  const later = await call('GetStatement', { from: t1 + 1, to: t2 + 1 })
  assert.deepEqual((later.result?.transactions as Array<{ id: string }>).map((x) => x.id), [TX_B])
  assert.deepEqual((await call('GetStatement', { from: t2 + 1, to: t2 + 1000 })).result, { transactions: [] })
})

test('Payme SetFiscalData stores PERFORM data; unknown id -31003', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account: { order_id: orderId } })
  const fiscal = { receipt_id: 1, status_code: 0, terminal_id: 'EP000000000025', fiscal_sign: '12345', qr_code_url: 'https://ofd.soliq.uz/check?t=1', date: '20260101100000' }
  assert.deepEqual((await call('SetFiscalData', { id: TX_A, type: 'PERFORM', fiscal_data: fiscal })).result, { success: true })
  assert.deepEqual((await paymentsOf(db, orderId))[0]?.fiscalPerform, fiscal)
  assert.equal((await call('SetFiscalData', { id: 'ffffffffffffffffffffffff', type: 'CANCEL', fiscal_data: fiscal })).error?.code, -31003)
})

test('Payme calls are audited without the Authorization header or the key', async (t) => {
  const { clock, db, call } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  await call('CheckPerformTransaction', { amount: T, account: { order_id: orderId } })
  await call('CheckPerformTransaction', { amount: T, account: { order_id: KEY } })
  // read-only calls are audited in batches off the request path (issue 18)
  const rows = await eventually('two audit rows', async () => { const r = await auditRows(db); return r.length >= 2 ? r : undefined })
  assert.equal(rows.length, 2)
  assert.equal(rows[0]?.provider, 'payme')
  assert.equal(rows[0]?.orderId, orderId)
  assert.deepEqual((rows[0]?.response as { result: unknown }).result, { allow: true })
  const text = JSON.stringify(rows)
  assert.ok(!text.includes(KEY), 'the key never reaches the audit')
  assert.ok(!/authorization/i.test(text), 'no Authorization header stored')
  assert.ok(!text.includes(paymeAuthHeader(KEY).slice(6)), 'no Basic credentials stored')
})

test('Payme route does not exist when Payme is not configured', async (t) => {
  const { app } = await setup(t, {})
  const res = await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'application/json' }, payload: '{}' })
  assert.equal(res.statusCode, 404)
})

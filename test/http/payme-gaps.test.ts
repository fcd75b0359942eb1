// POST /payments/payme over the app and this leg's database: the items of the specs/payme.md §13
// checklist that test/http/payme.test.ts does not drive (database unavailable, non-refundable
// fulfilled order, order paid through Click, repeat after 12 h, concurrent Perform, refused
// transactions absent from GetStatement).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { CLICK_FORM_HEADERS, clickForm } from '../helpers/click.js'
import { IN_MEMORY, openDatabase } from '../../src/adapters/postgres/database.js'
import { product } from '../../src/adapters/postgres/schema.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createLoggingNotifier } from '../../src/jobs/notifier.js'
import { createOutboxHandlers } from '../../src/jobs/outbox-handlers.js'
import { createFulfilmentStore } from '../../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { orderRow, outboxRows, paymentsOf, productRow, seedOrder } from '../integration/payme-ledger-fixtures.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const CLICK_SECRET = 'SeCrEtKeY123'
const ENV = {
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY: KEY,
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '6789',
  CLICK_SECRET_KEY: CLICK_SECRET
}
const T = 12_500_000
const TX_A = '6650a3f1c2e4b8a1d3f09e77'
const TX_B = '6650a3f1c2e4b8a1d3f09e78'
const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }

interface RpcAnswer { jsonrpc: string, id: number | null, result?: Record<string, unknown>, error?: { code: number, message: Record<string, string>, data?: string } }

async function setup (t: TestContext, database?: Awaited<ReturnType<typeof createTestDb>>) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const db = database ?? await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database: db, clock })
  let nextId = 100
  const call = async (method: string, params: Record<string, unknown>): Promise<RpcAnswer> => {
    const id = nextId++
    const res = await app.inject({
      method: 'POST',
      url: '/payments/payme',
      headers: { 'content-type': 'application/json', authorization: paymeAuthHeader(KEY) },
      payload: JSON.stringify({ method, params, id })
    })
    assert.equal(res.statusCode, 200)
    const body = res.json() as RpcAnswer
    assert.equal(body.id, id)
    assert.ok(!('result' in body && 'error' in body), 'never both result and error')
    return body
  }
  const click = async (route: 'prepare' | 'complete', orderId: string, prepareId?: number): Promise<number> => {
    const payload = clickForm({ route, orderId, amount: '125000.00', serviceId: '12345', secret: CLICK_SECRET, clickTransId: '2387417364', paydocId: '3112459087', ...(prepareId !== undefined ? { prepareId } : {}) })
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: CLICK_FORM_HEADERS, payload })
    const answer = res.json() as { error: number, merchant_prepare_id?: number }
    assert.equal(answer.error, 0, `Click ${route}`)
    return answer.merchant_prepare_id ?? 0
  }
  return { app, clock, db: db.db, call, click }
}

test('Payme with the database unreachable answers -32400 over HTTP 200 and keeps serving', async (t) => {
  const unreachable = await openDatabase({ databaseUrl: 'postgres://root@127.0.0.1:1/x', dataDir: IN_MEMORY, connectTimeoutMs: 1000 })
  t.after(() => unreachable.close())
  const { app, call, clock } = await setup(t, unreachable)
  const account = { order_id: '1042' }
  const calls: Array<[string, Record<string, unknown>]> = [
    ['CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account }],
    ['CheckPerformTransaction', { amount: T, account }],
    ['PerformTransaction', { id: TX_A }],
    ['CancelTransaction', { id: TX_A, reason: 3 }],
    ['CheckTransaction', { id: TX_A }],
    ['GetStatement', { from: 0, to: clock.now() }]
  ]
  for (const [method, params] of calls) {
    const answer = await call(method, params)
    assert.equal(answer.error?.code, -32400, method)
    assert.deepEqual(Object.keys(answer.error?.message ?? {}).sort(), ['en', 'ru', 'uz'])
  }
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  assert.equal(health.statusCode, 200, 'the process still serves after the failures')
})

test('Payme CancelTransaction of a performed transaction: fulfilled non-refundable order -31007, refundable one refunded', async (t) => {
  const { clock, db, call } = await setup(t)
  const worker = createOutboxWorker({ queue: createOutboxQueue(db), clock, notifier: createLoggingNotifier(quiet), logger: quiet, handlers: createOutboxHandlers(createFulfilmentStore(db)) })
  const fixed = await seedOrder(db, { now: clock.now() })
  const open = await seedOrder(db, { now: clock.now(), telegramId: 5002 })
  await db.update(product).set({ refundable: false }).where(eq(product.id, fixed.productId))
  for (const [id, orderId] of [[TX_A, fixed.orderId], [TX_B, open.orderId]] as const) {
    assert.equal((await call('CreateTransaction', { id, time: clock.now(), amount: T, account: { order_id: orderId } })).result?.state, 1)
    assert.equal((await call('PerformTransaction', { id })).result?.state, 2)
  }
  assert.equal(await worker.runOnce(), 2, 'the digital goods are sent')
  assert.equal((await orderRow(db, fixed.orderId)).state, 'fulfilled')
  assert.equal((await orderRow(db, open.orderId)).state, 'fulfilled')
  const before = await call('CheckTransaction', { id: TX_A })
  const outboxBefore = (await outboxRows(db)).length

  clock.advance(60_000)
  const refused = await call('CancelTransaction', { id: TX_A, reason: 5 })
  assert.equal(refused.error?.code, -31007)
  assert.deepEqual((await call('CheckTransaction', { id: TX_A })).result, before.result, 'state stays 2, nothing stored')
  assert.equal((await orderRow(db, fixed.orderId)).state, 'fulfilled')
  assert.equal((await orderRow(db, fixed.orderId)).refundedAmount, 0)
  assert.equal((await productRow(db, fixed.productId)).stock, 4)
  assert.equal((await outboxRows(db)).length, outboxBefore)

  const refunded = await call('CancelTransaction', { id: TX_B, reason: 5 })
  assert.equal(refunded.result?.state, -2)
  assert.equal((await orderRow(db, open.orderId)).state, 'refunded')
})

test('Payme CheckPerformTransaction for an order paid through Click answers -31051, and CreateTransaction too', async (t) => {
  const { clock, db, call, click } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const account = { order_id: orderId }
  const prepareId = await click('prepare', orderId)
  assert.equal((await call('CheckPerformTransaction', { amount: T, account })).error?.code, -31052, 'held by a prepared Click attempt')
  await click('complete', orderId, prepareId)
  assert.equal((await orderRow(db, orderId)).state, 'paid')
  assert.equal((await call('CheckPerformTransaction', { amount: T, account })).error?.code, -31051)
  // §6.2: a new transaction for an order paid by another provider → -31051
  assert.equal((await call('CreateTransaction', { id: TX_A, time: clock.now(), amount: T, account })).error?.code, -31051)
  assert.equal((await paymentsOf(db, orderId)).length, 1, 'only the Click payment')
})

test('Payme repeat after 12 h cancels with reason 4, concurrent Performs fulfil once, refused ids stay out of GetStatement', async (t) => {
  const { clock, db, call } = await setup(t)
  const stale = await seedOrder(db, { now: clock.now(), ttlMs: 48 * 3600_000 })
  const t0 = clock.now()
  assert.equal((await call('CreateTransaction', { id: TX_A, time: t0, amount: T, account: { order_id: stale.orderId } })).result?.state, 1)
  clock.set(t0 + 43_200_001)
  assert.equal((await call('CreateTransaction', { id: TX_A, time: t0, amount: T, account: { order_id: stale.orderId } })).error?.code, -31008)
  const dead = await call('CheckTransaction', { id: TX_A })
  assert.deepEqual([dead.result?.state, dead.result?.reason, dead.result?.perform_time], [-1, 4, 0])
  assert.equal((await orderRow(db, stale.orderId)).state, 'pending', 'the order is released')

  const fresh = await seedOrder(db, { now: clock.now(), telegramId: 5003 })
  const account = { order_id: fresh.orderId }
  assert.equal((await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T + 1, account })).error?.code, -31001)
  const created = await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T, account })
  assert.equal(created.result?.state, 1)
  clock.advance(1000)
  const [one, two] = await Promise.all([call('PerformTransaction', { id: TX_B }), call('PerformTransaction', { id: TX_B })])
  assert.equal(one.result?.state, 2)
  assert.deepEqual(one.result, two.result)
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'], 'exactly one fulfilment')
  assert.equal((await call('CreateTransaction', { id: TX_B, time: clock.now(), amount: T, account })).error?.code, -31008, 'repeat when performed')

  const statement = await call('GetStatement', { from: 0, to: clock.now() })
  const listed = (statement.result?.transactions as Array<{ id: string, state: number }>).map((tx) => [tx.id, tx.state])
  assert.deepEqual(listed, [[TX_A, -1], [TX_B, 2]])
})

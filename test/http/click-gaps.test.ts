// POST /payments/click/prepare and /complete over the app and this leg's database: the items of
// the specs/click.md §14 checklist that test/http/click.test.ts does not drive (an order held by a
// Payme transaction, cancelled/expired orders, foreign service_id, another order's prepare id,
// Complete signed without merchant_prepare_id, a reused click_trans_id, concurrent Completes).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { clickSignString, type ClickSignFields } from '../../src/adapters/click/click-sign.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { orderRow, outboxRows, paymentsOf, seedOrder } from '../integration/payme-ledger-fixtures.js'

const SECRET = 'SeCrEtKeY123'
const PAYME_KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const ENV = {
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '6789',
  CLICK_SECRET_KEY: SECRET,
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY
}
const FIVE_FIELDS = ['click_trans_id', 'merchant_trans_id', 'error', 'error_note']

interface ClickAnswer { click_trans_id: number | null, merchant_trans_id: string, merchant_prepare_id?: number, merchant_confirm_id?: number | null, error: number, error_note: string }

interface ClickCall {
  orderId: string
  clickTransId?: string
  serviceId?: string
  error?: string
  prepareId?: number
  /** Sign as if `merchant_prepare_id` were absent, but send it. */
  signWithoutPrepareId?: boolean
}

async function setup (t: TestContext) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database, clock })
  const send = async (route: 'prepare' | 'complete', c: ClickCall): Promise<ClickAnswer> => {
    const fields = {
      click_trans_id: c.clickTransId ?? '2387417364',
      service_id: c.serviceId ?? '12345',
      click_paydoc_id: '3112459087',
      merchant_trans_id: c.orderId,
      amount: '125000.00',
      action: route === 'prepare' ? '0' : '1',
      error: c.error ?? '0',
      error_note: 'Success',
      sign_time: '2026-01-01 15:00:00'
    } as Record<string, string> & ClickSignFields
    if (c.prepareId !== undefined && c.signWithoutPrepareId !== true) fields.merchant_prepare_id = String(c.prepareId)
    fields.sign_string = clickSignString(fields, SECRET)
    if (c.prepareId !== undefined) fields.merchant_prepare_id = String(c.prepareId)
    const res = await app.inject({
      method: 'POST',
      url: `/payments/click/${route}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString()
    })
    assert.equal(res.statusCode, 200)
    const answer = res.json() as ClickAnswer
    for (const key of FIVE_FIELDS) assert.ok(key in answer, `${route} answer has ${key}`)
    return answer
  }
  const payme = async (method: string, params: Record<string, unknown>) => {
    const res = await app.inject({
      method: 'POST',
      url: '/payments/payme',
      headers: { 'content-type': 'application/json', authorization: paymeAuthHeader(PAYME_KEY) },
      payload: JSON.stringify({ method, params, id: 1 })
    })
    return res.json() as { result?: Record<string, unknown>, error?: { code: number } }
  }
  return { clock, db: database.db, send, payme }
}

test('Click Prepare while a Payme transaction in state 1 holds the order answers -9 and writes nothing', async (t) => {
  const { clock, db, send, payme } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const txId = '6650a3f1c2e4b8a1d3f09e77'
  assert.equal((await payme('CreateTransaction', { id: txId, time: clock.now(), amount: 12_500_000, account: { order_id: orderId } })).result?.state, 1)
  const held = await send('prepare', { orderId })
  assert.equal(held.error, -9)
  assert.equal((await paymentsOf(db, orderId)).length, 1, 'only the Payme transaction')
  assert.equal((await orderRow(db, orderId)).state, 'pending')

  assert.equal((await payme('CancelTransaction', { id: txId, reason: 3 })).result?.state, -1)
  assert.equal((await send('prepare', { orderId, clickTransId: '2387417365' })).error, 0, 'payable again once Payme let go')
})

test('Click Prepare for a cancelled or an expired order answers -9', async (t) => {
  const { clock, db, send } = await setup(t)
  const cancelled = await seedOrder(db, { now: clock.now(), state: 'cancelled' })
  assert.equal((await send('prepare', { orderId: cancelled.orderId })).error, -9)
  const expiring = await seedOrder(db, { now: clock.now(), ttlMs: 60_000, telegramId: 5002 })
  clock.advance(60_001)
  assert.equal((await send('prepare', { orderId: expiring.orderId, clickTransId: '2387417366' })).error, -9)
  assert.equal((await paymentsOf(db, cancelled.orderId)).length, 0)
  assert.equal((await paymentsOf(db, expiring.orderId)).length, 0)
})

test('Click refusals: foreign service_id -8, prepare id of another order -6, signed without merchant_prepare_id -1', async (t) => {
  const { clock, db, send } = await setup(t)
  const first = await seedOrder(db, { now: clock.now() })
  const second = await seedOrder(db, { now: clock.now(), telegramId: 5002 })
  assert.equal((await send('prepare', { orderId: first.orderId, serviceId: '99999' })).error, -8)
  assert.equal((await paymentsOf(db, first.orderId)).length, 0)
  const firstId = (await send('prepare', { orderId: first.orderId })).merchant_prepare_id!
  const secondId = (await send('prepare', { orderId: second.orderId, clickTransId: '2387417370' })).merchant_prepare_id!
  assert.notEqual(firstId, secondId)
  assert.equal((await send('complete', { orderId: first.orderId, prepareId: secondId })).error, -6)
  assert.equal((await send('complete', { orderId: first.orderId, prepareId: firstId, signWithoutPrepareId: true })).error, -1)
  assert.deepEqual((await paymentsOf(db, first.orderId)).map((p) => p.state), ['pending'], 'the record stays prepared (row state pending)')
  assert.equal((await orderRow(db, first.orderId)).state, 'pending')
  assert.equal((await outboxRows(db)).length, 0)
})

test('Click reused click_trans_id for a fresh order makes a new record; concurrent Completes fulfil once', async (t) => {
  const { clock, db, send } = await setup(t)
  const first = await seedOrder(db, { now: clock.now() })
  const second = await seedOrder(db, { now: clock.now(), telegramId: 5002 })
  const a = await send('prepare', { orderId: first.orderId })
  const b = await send('prepare', { orderId: second.orderId })
  assert.deepEqual([a.error, b.error], [0, 0])
  assert.notEqual(a.merchant_prepare_id, b.merchant_prepare_id)
  assert.equal((await paymentsOf(db, second.orderId)).length, 1)

  const answers = await Promise.all([
    send('complete', { orderId: first.orderId, prepareId: a.merchant_prepare_id! }),
    send('complete', { orderId: first.orderId, prepareId: a.merchant_prepare_id! })
  ])
  const codes = answers.map((x) => x.error).sort((x, y) => x - y)
  assert.ok(codes.every((code) => code === 0 || code === -4), `answers ${codes.join(', ')}`)
  assert.ok(codes.includes(0))
  assert.equal((await orderRow(db, first.orderId)).state, 'paid')
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'], 'exactly one fulfilment')
})

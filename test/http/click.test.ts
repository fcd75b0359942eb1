// POST /payments/click/prepare and /complete end to end over the app and this leg's database:
// specs/click.md §13–14 as Click would drive them.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { clickSignString, type ClickSignFields } from '../../src/adapters/click/click-sign.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import {
  auditRows, orderRow, outboxRows, paymentsOf, productRow, seedOrder
} from '../integration/payme-ledger-fixtures.js'

const SECRET = 'SeCrEtKeY123'
const ENV = { CLICK_SERVICE_ID: '12345', CLICK_MERCHANT_ID: '6789', CLICK_SECRET_KEY: SECRET }

interface ClickAnswer { click_trans_id: number | null, merchant_trans_id: string, merchant_prepare_id?: number, merchant_confirm_id?: number | null, error: number, error_note: string }

interface ClickCall {
  clickTransId?: string
  orderId: string
  amount?: string
  action?: string
  error?: string
  prepareId?: number | string
  signWith?: string
  omit?: string
}

async function setup (t: TestContext) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database, clock })
  const send = async (route: 'prepare' | 'complete', c: ClickCall): Promise<{ answer: ClickAnswer, raw: string }> => {
    const fields = {
      click_trans_id: c.clickTransId ?? '2387417364',
      service_id: '12345',
      click_paydoc_id: '3112459087',
      merchant_trans_id: c.orderId,
      amount: c.amount ?? '125000.00',
      action: c.action ?? (route === 'prepare' ? '0' : '1'),
      error: c.error ?? '0',
      error_note: 'Success',
      sign_time: '2026-01-01 15:00:00'
    } as Record<string, string> & ClickSignFields
    if (c.prepareId !== undefined) fields.merchant_prepare_id = String(c.prepareId)
    fields.sign_string = clickSignString(fields, c.signWith ?? SECRET)
    if (c.omit !== undefined) Reflect.deleteProperty(fields, c.omit)
    const res = await app.inject({
      method: 'POST',
      url: `/payments/click/${route}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString()
    })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /application\/json/)
    return { answer: res.json() as ClickAnswer, raw: res.body }
  }
  return { app, clock, db: database.db, send }
}

test('Click prepare then complete pays the order once; repeats answer 0 then -4', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId, productId } = await seedOrder(db, { now: clock.now() })
  const prepared = await send('prepare', { orderId })
  assert.equal(prepared.answer.error, 0)
  const prepareId = prepared.answer.merchant_prepare_id!
  assert.ok(Number.isSafeInteger(prepareId) && prepareId > 0)
  assert.equal((await send('prepare', { orderId })).answer.merchant_prepare_id, prepareId)
  assert.equal((await paymentsOf(db, orderId)).length, 1)
  assert.equal((await send('prepare', { orderId, clickTransId: '2387417399' })).answer.error, -9, 'another attempt while held')

  assert.equal((await send('complete', { orderId, prepareId, amount: '300' })).answer.error, -2)
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  clock.advance(5000)
  const done = await send('complete', { orderId, prepareId })
  assert.deepEqual(done.answer, { click_trans_id: 2387417364, merchant_trans_id: orderId, merchant_confirm_id: prepareId, error: 0, error_note: 'Success' })
  assert.equal((await orderRow(db, orderId)).state, 'paid')
  assert.equal((await productRow(db, productId)).stock, 4)
  const again = await send('complete', { orderId, prepareId })
  assert.equal(again.answer.error, -4)
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid'])
  assert.equal((await send('prepare', { orderId, clickTransId: '2387417399' })).answer.error, -4)
})

test('Click bad signature -1, unknown order -5, missing field -8, bad action -3, amount -2: no state change', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  assert.equal((await send('prepare', { orderId, signWith: 'WRONG' })).answer.error, -1)
  assert.equal((await send('prepare', { orderId: '999999' })).answer.error, -5)
  assert.equal((await send('prepare', { orderId: 'abc' })).answer.error, -5)
  assert.equal((await send('prepare', { orderId, omit: 'sign_time' })).answer.error, -8)
  assert.equal((await send('prepare', { orderId, action: '2' })).answer.error, -3)
  assert.equal((await send('prepare', { orderId, amount: '124999.99' })).answer.error, -2)
  assert.equal((await send('prepare', { orderId, error: '-1' })).answer.error, -9)
  assert.equal((await paymentsOf(db, orderId)).length, 0)
  const prepared = await send('prepare', { orderId, amount: '125000' })
  assert.equal(prepared.answer.error, 0)
  const prepareId = prepared.answer.merchant_prepare_id!
  assert.equal((await send('complete', { orderId, prepareId, signWith: 'WRONG' })).answer.error, -1)
  assert.equal((await send('complete', { orderId, prepareId: 999999999 })).answer.error, -6)
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  assert.equal((await outboxRows(db)).length, 0)
})

test('Click complete with error<0 cancels the prepared payment and releases the order', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const prepareId = (await send('prepare', { orderId })).answer.merchant_prepare_id!
  const cancelled = await send('complete', { orderId, prepareId, error: '-5017' })
  assert.deepEqual([cancelled.answer.error, cancelled.answer.merchant_confirm_id], [-9, null])
  assert.equal((await send('complete', { orderId, prepareId, error: '-5017' })).answer.error, -9)
  assert.equal((await send('complete', { orderId, prepareId })).answer.error, -9)
  assert.equal((await paymentsOf(db, orderId))[0]?.state, 'cancelled')
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  assert.equal((await outboxRows(db)).length, 0)
  const fresh = await send('prepare', { orderId, clickTransId: '2387417365' })
  assert.equal(fresh.answer.error, 0, 'the order is payable again')
})

test('Click cancellation after confirmation flags the order needs_attention and keeps it paid', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const prepareId = (await send('prepare', { orderId })).answer.merchant_prepare_id!
  assert.equal((await send('complete', { orderId, prepareId })).answer.error, 0)
  const late = await send('complete', { orderId, prepareId, error: '-5017' })
  assert.equal(late.answer.error, -9)
  const order = await orderRow(db, orderId)
  assert.equal(order.state, 'paid')
  assert.deepEqual(order.flags, ['needs_attention'])
  const payment = (await paymentsOf(db, orderId))[0]!
  assert.equal(payment.state, 'cancelled')
  assert.ok(payment.cancelledAfterConfirmAt !== null)
  assert.deepEqual((await outboxRows(db)).map((r) => r.topic), ['order.paid', 'admin.notify'])
})

test('Click payment confirmed for an order that is no longer pending flags it for reversal', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const prepareId = (await send('prepare', { orderId })).answer.merchant_prepare_id!
  // 25 h later the attempt is stale and the order expired: a late Complete is still accepted
  clock.advance(25 * 3600_000)
  assert.equal((await send('complete', { orderId, prepareId })).answer.error, 0)
  const order = await orderRow(db, orderId)
  assert.equal(order.state, 'pending')
  assert.deepEqual(order.flags, ['needs_attention'])
  const rows = await outboxRows(db)
  assert.deepEqual(rows.map((r) => r.topic), ['admin.notify'])
  assert.match(String(rows[0]?.payload.text), /reversal/)
})

test('Click 19-digit ids are stored and echoed digit for digit; calls are audited without the secret', async (t) => {
  const { clock, db, send } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const big = '9223372036854775807'
  const prepared = await send('prepare', { orderId, clickTransId: big })
  assert.equal(prepared.answer.error, 0)
  assert.ok(prepared.raw.startsWith(`{"click_trans_id":${big},`))
  assert.equal((await paymentsOf(db, orderId))[0]?.providerTransactionId, `${big}:${orderId}`)
  const rows = await auditRows(db)
  assert.equal(rows.length, 1)
  assert.equal(rows[0]?.provider, 'click')
  assert.equal(rows[0]?.orderId, orderId)
  assert.ok(!JSON.stringify(rows).includes(SECRET))
})

// Payme and Click answer a body the server will not read (over the 256 KB body limit, or a
// Content-Length that does not match) in their own protocol with HTTP 200 — Payme −32504 without
// valid auth and −32700 with it, Click −8 — never Fastify's 413 problem, which neither provider
// can read (issue 19 point 4). Nothing is recorded against an order.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { BODY_LIMIT_BYTES } from '../../src/app.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { paymentsOf, seedOrder } from '../integration/payme-ledger-fixtures.js'

const PAYME_KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const ENV = {
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY,
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '67890',
  CLICK_SECRET_KEY: 'click-secret-key-0123456789'
}

async function setup (t: TestContext) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database, clock })
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  return { app, db: database.db, orderId }
}

test('Payme: an oversized body is answered 200 in JSON-RPC (−32504 without auth, −32700 with it), never 413', async (t) => {
  const { app, db, orderId } = await setup(t)
  const big = JSON.stringify({ method: 'CreateTransaction', params: { id: '6650a3f1c2e4b8a1d3f09e77', time: Date.UTC(2026, 0, 1, 10), amount: 12_500_000, account: { order_id: orderId }, padding: 'x'.repeat(BODY_LIMIT_BYTES) }, id: 7 })
  const post = async (headers: Record<string, string>) => await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'text/json; charset=UTF-8', ...headers }, payload: big })
  const anonymous = await post({})
  assert.equal(anonymous.statusCode, 200)
  assert.match(String(anonymous.headers['content-type']), /^application\/json/)
  assert.deepEqual([anonymous.json().id, anonymous.json().error.code], [null, -32504])
  const signed = await post({ authorization: paymeAuthHeader(PAYME_KEY) })
  assert.equal(signed.statusCode, 200)
  assert.deepEqual([signed.json().jsonrpc, signed.json().id, signed.json().error.code], ['2.0', null, -32700])
  assert.deepEqual(await paymentsOf(db, orderId), [], 'nothing was created')
})

test('Click: an oversized body is answered 200 with error −8 on both callbacks, never 413', async (t) => {
  const { app, db, orderId } = await setup(t)
  const form = new URLSearchParams({ click_trans_id: '2387417364', service_id: '12345', merchant_trans_id: orderId, amount: '125000.00', action: '0', padding: 'x'.repeat(BODY_LIMIT_BYTES) }).toString()
  for (const route of ['prepare', 'complete']) {
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
    assert.equal(res.statusCode, 200, route)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    assert.equal(res.json().error, -8, route)
  }
  assert.deepEqual(await paymentsOf(db, orderId), [])
})

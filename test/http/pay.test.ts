// GET /pay/:orderId/:provider: 302 to the provider's checkout for a payable order, otherwise a
// small HTML page in the customer's language with DESIGN.md's status.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { parsePaymeCheckoutUrl } from '../../src/adapters/payme/payme-checkout-url.js'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { seedOrder } from '../integration/payme-ledger-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

const KEY = 'test-payme-key-0123456789'
const BOTH = {
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY: KEY,
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '6789',
  CLICK_SECRET_KEY: 'SeCrEtKeY123'
}

async function setup (t: TestContext, env: Record<string, string> = BOTH) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env, database, clock })
  return { app, clock, db: database.db }
}

test('pay link redirects a payable order to Payme and to Click', async (t) => {
  const { app, clock, db } = await setup(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), language: 'uz' })
  const payme = await app.inject({ url: payPath(orderId, 'payme') })
  assert.equal(payme.statusCode, 302)
  const location = String(payme.headers.location)
  assert.ok(location.startsWith('https://checkout.paycom.uz/'))
  assert.deepEqual(parsePaymeCheckoutUrl(location), { m: BOTH.PAYME_MERCHANT_ID, 'ac.order_id': orderId, a: '12500000', l: 'uz' })
  const click = await app.inject({ url: payPath(orderId, 'click') })
  assert.equal(click.statusCode, 302)
  assert.equal(click.headers.location, `https://my.click.uz/services/pay?service_id=12345&merchant_id=6789&amount=125000.00&transaction_param=${orderId}`)
})

test('pay link pages: 404 unknown, 409 being paid elsewhere and paid, 410 expired and cancelled', async (t) => {
  const { app, clock, db } = await setup(t)
  const unknown = await app.inject({ url: '/pay/999999/payme' })
  assert.equal(unknown.statusCode, 404)
  assert.match(String(unknown.headers['content-type']), /text\/html/)
  assert.match(unknown.body, /Order not found/)

  const { orderId } = await seedOrder(db, { now: clock.now(), language: 'ru' })
  const created = await app.inject({
    method: 'POST',
    url: '/payments/payme',
    headers: { authorization: paymeAuthHeader(KEY), 'content-type': 'application/json' },
    payload: JSON.stringify({ method: 'CreateTransaction', params: { id: 'a'.repeat(24), time: clock.now(), amount: 12_500_000, account: { order_id: orderId } }, id: 1 })
  })
  assert.equal(created.json().result.state, 1)
  const held = await app.inject({ url: payPath(orderId, 'click') })
  assert.equal(held.statusCode, 409)
  assert.match(held.body, /Оплата уже идёт/)
  assert.match(held.body, /Payme/)
  assert.equal((await app.inject({ url: payPath(orderId, 'payme') })).statusCode, 302, 'the holding provider may be reopened')

  const paid = await seedOrder(db, { now: clock.now(), state: 'paid', telegramId: 6001 })
  const paidPage = await app.inject({ url: payPath(paid.orderId, 'click') })
  assert.equal(paidPage.statusCode, 409)
  assert.match(paidPage.body, /Already paid/)

  const cancelled = await seedOrder(db, { now: clock.now(), state: 'cancelled' })
  assert.equal((await app.inject({ url: payPath(cancelled.orderId, 'payme') })).statusCode, 410)
  const expiring = await seedOrder(db, { now: clock.now(), ttlMs: 1000, telegramId: 6002 })
  clock.advance(1000)
  const expired = await app.inject({ url: payPath(expiring.orderId, 'payme') })
  assert.equal(expired.statusCode, 410)
  assert.match(expired.body, /expired/)
})

test('pay link answers 503 for a provider that is not configured or not offered for the order', async (t) => {
  const { app, clock, db } = await setup(t, { PAYME_MERCHANT_ID: BOTH.PAYME_MERCHANT_ID, PAYME_KEY: KEY })
  const { orderId } = await seedOrder(db, { now: clock.now() })
  const click = await app.inject({ url: payPath(orderId, 'click') })
  assert.equal(click.statusCode, 503)
  assert.match(click.body, /Click is not available/)
  assert.equal((await app.inject({ url: payPath(orderId, 'stripe') })).statusCode, 503)
  const usd = await seedOrder(db, { now: clock.now(), currency: 'USD', amount: 500 })
  assert.equal((await app.inject({ url: payPath(usd.orderId, 'payme') })).statusCode, 503)
  assert.equal((await app.inject({ url: payPath(orderId, 'bitcoin') })).statusCode, 404)
})

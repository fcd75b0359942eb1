// Stripe hosted checkout through the real SDK against the emulator and the real app:
// pay link → Checkout Session → signed webhook → order paid; retries reuse the idempotency key;
// an authentication error takes Stripe off for five minutes; expiry expires the open session.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPostgresShop } from '../../src/adapters/postgres/orders-store.js'
import { expireOrders } from '../../src/usecases/expire-orders.js'
import { closeDueStripeCheckouts } from '../../src/usecases/stripe-payments.js'
import { historyOf, orderRow, outboxRows, paymentsOf, productRow, seedOrder } from './payme-ledger-fixtures.js'
import { ADMIN, attemptsOf, sessionIdOf, setupStripe } from './stripe-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

test('stripe: a paid Checkout Session goes from the pay link to a paid order with one order.paid row', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const { orderId, productId } = await seedOrder(db, { now: clock.now(), amount: 1234, currency: 'USD', ttlMs: 2 * 3600_000 })
  const first = await app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(first.statusCode, 302)
  const sessionId = sessionIdOf(String(first.headers.location))
  const creates = emulator.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')
  assert.equal(creates.length, 1)
  const sent = creates[0]!
  assert.equal(sent.idempotencyKey, `checkout:${orderId}:1`)
  assert.equal(sent.params.mode, 'payment')
  assert.equal(sent.params.client_reference_id, orderId)
  assert.deepEqual(sent.params.metadata, { order_id: orderId, attempt: '1' })
  assert.deepEqual((sent.params.payment_intent_data as { metadata: unknown }).metadata, { order_id: orderId })
  const line = (sent.params.line_items as unknown as Array<{ price_data: { currency: string, unit_amount: number }, quantity: number }>)[0]!
  assert.deepEqual([line.price_data.currency, Number(line.price_data.unit_amount), Number(line.quantity)], ['usd', 1234, 1])
  // the order expires in 2 h: the session ends with it
  assert.equal(Number(sent.params.expires_at), Math.floor((clock.now() + 2 * 3600_000) / 1000))

  const again = await app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(again.headers.location, first.headers.location, 'the open session is reused')
  assert.equal(emulator.requests.filter((r) => r.path === '/v1/checkout/sessions').length, 1)

  emulator.completeCheckout(sessionId, { paymentMethod: 'pm_card_visa' })
  await emulator.waitForDelivery((d) => d.type === 'checkout.session.completed')
  await emulator.idle()
  assert.ok(emulator.deliveries.every((d) => d.status === 200), emulator.deliveries.map((d) => `${d.type}:${String(d.status)}`).join(','))
  const order = await orderRow(db, orderId)
  assert.equal(order.state, 'paid')
  assert.equal(order.provider, 'stripe')
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid'])
  assert.equal((await outboxRows(db)).filter((r) => r.topic === 'order.paid').length, 1)
  const payments = await paymentsOf(db, orderId)
  assert.equal(payments.length, 1)
  assert.equal(payments[0]!.state, 'succeeded')
  assert.match(payments[0]!.providerTransactionId, /^pi_/)
  assert.equal((await productRow(db, productId)).stock, 4)
  assert.equal((await attemptsOf(db, orderId))[0]!.status, 'complete')
})

test('stripe: totals outside the bounds are refused before any call and failed calls retry with the same key', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const small = await seedOrder(db, { now: clock.now(), amount: 49, currency: 'USD' })
  assert.equal((await app.inject({ url: payPath(small.orderId, 'stripe') })).statusCode, 503)
  const large = await seedOrder(db, { now: clock.now(), amount: 100_000_000, currency: 'USD' })
  assert.equal((await app.inject({ url: payPath(large.orderId, 'stripe') })).statusCode, 503)
  assert.equal(emulator.requests.length, 0, 'no call to Stripe')

  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 500, currency: 'JPY' })
  emulator.faults.inject({ kind: 'api_error', path: '/v1/checkout/sessions', times: 3 })
  const failed = await app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(failed.statusCode, 503)
  assert.match(failed.body, /did not answer in time for order \d+\. Nothing was charged\. Open the link again/, 'a "try again" page')
  assert.equal(failed.headers['retry-after'], '5')
  assert.equal((await attemptsOf(db, orderId))[0]!.status, 'creating', 'the attempt is left for a retry')
  const retried = await app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(retried.statusCode, 302)
  const keys = emulator.requests.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.idempotencyKey)
  assert.ok(keys.length >= 2)
  assert.ok(keys.every((k) => k === `checkout:${orderId}:1`), keys.join(','))
  const session = emulator.retrieve(sessionIdOf(String(retried.headers.location)))!
  assert.equal(session.amount_total, 500)
  assert.equal(session.currency, 'jpy')
  assert.equal((await orderRow(db, orderId)).state, 'pending')
})

test('stripe: an authentication error takes Stripe off the pay link for five minutes', async (t) => {
  const { app, db, clock, emulator, logs } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 2000, currency: 'USD' })
  const payUrls = async (): Promise<string[]> => {
    const view = await app.inject({ url: `/api/v1/orders/${orderId}`, headers: { authorization: `Bearer ${ADMIN}` } })
    assert.equal(view.statusCode, 200)
    return Object.keys(view.json().payUrls as Record<string, string>)
  }
  assert.ok((await payUrls()).includes('stripe'))
  emulator.faults.inject({ kind: 'auth', times: 1 })
  assert.equal((await app.inject({ url: payPath(orderId, 'stripe') })).statusCode, 503)
  assert.ok(logs.some((l) => l.includes('STRIPE AUTHENTICATION FAILED')), 'logged loudly')
  assert.ok(!(await payUrls()).includes('stripe'), 'not offered while disabled')
  const calls = emulator.requests.length
  clock.advance(4 * 60_000)
  assert.equal((await app.inject({ url: payPath(orderId, 'stripe') })).statusCode, 503)
  assert.equal(emulator.requests.length, calls, 'not even tried while disabled')
  clock.advance(60_000)
  assert.ok((await payUrls()).includes('stripe'), 'offered again after five minutes')
  const back = await app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(back.statusCode, 302)
  assert.equal((await orderRow(db, orderId)).state, 'pending')
})

test('stripe: order expiry expires the open Checkout Session through the API first', async (t) => {
  const { app, db, clock, emulator, stripe } = await setupStripe(t)
  const { orderId, productId } = await seedOrder(db, { now: clock.now(), amount: 2000, currency: 'EUR' })
  const res = await app.inject({ url: payPath(orderId, 'stripe') })
  const sessionId = sessionIdOf(String(res.headers.location))
  // a 30-minute order gets Stripe's minimum window plus a minute of skew
  assert.equal(emulator.retrieve(sessionId)!.expires_at, Math.floor(clock.now() / 1000) + 31 * 60)
  clock.advance(30 * 60_000)
  const store = createPostgresShop(db)

  emulator.faults.inject({ kind: 'api_error', path: `/v1/checkout/sessions/${sessionId}/expire`, times: 1 })
  const blocked = await expireOrders({ store, now: clock.now(), beforeExpire: () => closeDueStripeCheckouts(stripe) })
  assert.deepEqual(blocked.expired, [])
  assert.equal((await orderRow(db, orderId)).state, 'pending', 'stays pending while the session could not be expired')

  // expiring the session makes Stripe send checkout.session.expired at once; while its handler
  // holds the order row the expiry skips that row (SKIP LOCKED) and takes it on the next run
  let expired: string[] = []
  for (let i = 0; i < 20 && expired.length === 0; i++) {
    expired = (await expireOrders({ store, now: clock.now(), beforeExpire: () => closeDueStripeCheckouts(stripe) })).expired
    if (expired.length === 0) await emulator.idle()
  }
  assert.deepEqual(expired, [orderId])
  assert.equal(emulator.retrieve(sessionId)!.status, 'expired')
  assert.ok(emulator.requests.some((r) => r.path === `/v1/checkout/sessions/${sessionId}/expire` && r.status === 200))
  assert.equal((await orderRow(db, orderId)).state, 'expired')
  assert.equal((await productRow(db, productId)).reserved, 0)
  assert.equal((await attemptsOf(db, orderId))[0]!.status, 'expired')
  await emulator.idle()
  assert.equal((await orderRow(db, orderId)).state, 'expired')
})

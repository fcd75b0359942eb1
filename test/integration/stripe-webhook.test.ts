// POST /payments/stripe/webhook against the real app: signature checks on the raw body (wrong
// secret, tampered body, stale timestamp → 400, nothing recorded), one transition for 20
// concurrent copies, out-of-order events, and automatic refunds of payments for orders that
// are no longer payable.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { historyOf, orderRow, outboxRows, paymentsOf, seedOrder } from './payme-ledger-fixtures.js'
import { ADMIN, refundsOf, sessionIdOf, setupStripe, stripeEvents } from './stripe-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

const intent = (orderId: string, amount: number) => ({
  id: `pi_test_${orderId}`, object: 'payment_intent', amount, amount_received: amount, currency: 'usd', status: 'succeeded', livemode: false, metadata: { order_id: orderId }
})

test('stripe: webhook answers 400 to a wrong secret, a tampered body, a stale or missing signature and changes nothing', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 1500, currency: 'USD' })
  const payload = JSON.stringify({ id: 'evt_sig_1', object: 'event', type: 'payment_intent.succeeded', created: Math.floor(clock.now() / 1000), livemode: false, data: { object: intent(orderId, 1500) } }, null, 2)
  const post = (body: string, signature?: string) => app.inject({
    method: 'POST',
    url: '/payments/stripe/webhook',
    payload: body,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature !== undefined ? { 'stripe-signature': signature } : {}) }
  })
  const now = Math.floor(clock.now() / 1000)
  const cases = [
    post(payload, emulator.signPayload(payload, { secret: 'whsec_other' })),
    post(payload.replace('1500', '1501'), emulator.signPayload(payload)),
    post(JSON.stringify(JSON.parse(payload)), emulator.signPayload(payload)),
    post(payload, emulator.signPayload(payload, { timestamp: now - 301 })),
    post(payload),
    post(payload, 'garbage')
  ]
  for (const res of await Promise.all(cases)) {
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'ERR_BAD_REQUEST')
  }
  assert.deepEqual(await stripeEvents(db), [])
  assert.equal((await orderRow(db, orderId)).state, 'pending')

  const fresh = await post(payload, emulator.signPayload(payload, { timestamp: now - 299 }))
  assert.equal(fresh.statusCode, 200, 'a later valid delivery of the same event still processes')
  assert.equal((await orderRow(db, orderId)).state, 'paid')
})

test('stripe: the same event delivered 20 times at once makes one transition', async (t) => {
  const { db, clock, emulator } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 1500, currency: 'USD' })
  emulator.sendEvent('payment_intent.succeeded', intent(orderId, 1500), { copies: 20, concurrent: true })
  await emulator.idle()
  assert.equal(emulator.deliveries.length, 20)
  assert.ok(emulator.deliveries.every((d) => d.status === 200))
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid'])
  assert.equal((await outboxRows(db)).filter((r) => r.topic === 'order.paid').length, 1)
  assert.equal((await paymentsOf(db, orderId)).length, 1)
  assert.equal((await stripeEvents(db)).length, 1)
})

test('stripe: events in reverse order still pay once and a late expiry leaves the order paid', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 2500, currency: 'USD' })
  const res = await app.inject({ url: payPath(orderId, 'stripe') })
  const sessionId = sessionIdOf(String(res.headers.location))
  emulator.pauseWebhooks()
  emulator.completeCheckout(sessionId)
  emulator.resumeWebhooks({ reverse: true })
  await emulator.idle()
  assert.deepEqual(emulator.deliveries.map((d) => d.type).slice(0, 2), ['checkout.session.completed', 'payment_intent.succeeded'])
  assert.deepEqual((await historyOf(db, orderId)).map((h) => h.toState), ['paid'])
  assert.equal((await outboxRows(db)).filter((r) => r.topic === 'order.paid').length, 1)
  const session = emulator.retrieve(sessionId)!
  emulator.sendEvent('checkout.session.expired', { ...session, status: 'expired' })
  await emulator.idle()
  assert.equal((await orderRow(db, orderId)).state, 'paid')
})

test('stripe: a signed event whose object is null or malformed answers 200, is recorded once as ignored, warned about once, and changes nothing', async (t) => {
  const { app, db, clock, emulator, logs } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 1500, currency: 'USD' })
  const created = Math.floor(clock.now() / 1000)
  const objects: Array<[string, unknown]> = [
    ['payment_intent.succeeded', null],
    ['payment_intent.succeeded', 'pi_just_a_string'],
    ['payment_intent.succeeded', { ...intent(orderId, 1500), amount_received: '1500' }],
    ['payment_intent.succeeded', { ...intent(orderId, 1500), currency: null }],
    ['checkout.session.completed', { id: 'cs_bad', object: 'checkout.session', payment_status: 'paid', amount_total: 1.5, currency: 'usd', metadata: { order_id: orderId } }],
    ['charge.refunded', { id: 'ch_bad', object: 'charge', amount_refunded: -5, currency: 'usd', metadata: { order_id: orderId } }],
    ['charge.dispute.created', []],
    ['refund.updated', { id: 're_bad', object: 'refund', status: 'succeeded', amount: null, currency: 'usd' }]
  ]
  const post = async (id: string, type: string, object: unknown) => {
    const payload = JSON.stringify({ id, object: 'event', type, created, livemode: false, data: { object } })
    return await app.inject({ method: 'POST', url: '/payments/stripe/webhook', payload, headers: { 'content-type': 'application/json', 'stripe-signature': emulator.signPayload(payload) } })
  }
  for (const [i, [type, object]] of objects.entries()) {
    for (let delivery = 0; delivery < 2; delivery++) {
      const res = await post(`evt_malformed_${i}`, type, object)
      assert.equal(res.statusCode, 200, `${type} #${i}: ${res.body}`)
      assert.deepEqual(res.json(), { received: true })
    }
  }
  const events = await stripeEvents(db)
  assert.equal(events.length, objects.length, 'each recorded once by its id')
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  assert.deepEqual(await paymentsOf(db, orderId), [])
  const warnings = logs.filter((l) => l.includes('Stripe event ignored: its object is not what its type promises'))
  assert.equal(warnings.length, objects.length, 'one warning per event, none for its repeat')
  // a well-formed event for the same order still pays it
  assert.equal((await post('evt_wellformed', 'payment_intent.succeeded', intent(orderId, 1500))).statusCode, 200)
  assert.equal((await orderRow(db, orderId)).state, 'paid')
})

test('stripe: unpaid completion waits for the delayed payment; unknown orders and types are acknowledged', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 2500, currency: 'EUR' })
  const res = await app.inject({ url: payPath(orderId, 'stripe') })
  const sessionId = sessionIdOf(String(res.headers.location))
  emulator.sendEvent('checkout.session.completed', { ...emulator.retrieve(sessionId)!, status: 'complete', payment_status: 'unpaid' })
  emulator.sendEvent('checkout.session.completed', { id: 'cs_test_x', object: 'checkout.session', status: 'complete', payment_status: 'paid', amount_total: 100, currency: 'usd', payment_intent: 'pi_x', metadata: { order_id: '999999' }, client_reference_id: '999999' })
  emulator.sendEvent('customer.created', { id: 'cus_1', object: 'customer' })
  await emulator.idle()
  assert.ok(emulator.deliveries.every((d) => d.status === 200))
  assert.equal((await orderRow(db, orderId)).state, 'pending')
  emulator.sendEvent('checkout.session.async_payment_succeeded', { ...emulator.retrieve(sessionId)!, status: 'complete', payment_status: 'paid', payment_intent: 'pi_delayed_1' })
  await emulator.idle()
  assert.equal((await orderRow(db, orderId)).state, 'paid')
})

test('stripe: a payment landing for a cancelled order is refunded automatically and the merchant told', async (t) => {
  const { app, db, clock, emulator } = await setupStripe(t)
  const { orderId } = await seedOrder(db, { now: clock.now(), amount: 3000, currency: 'USD' })
  const res = await app.inject({ url: payPath(orderId, 'stripe') })
  const sessionId = sessionIdOf(String(res.headers.location))
  const cancel = await app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/cancel`, headers: { authorization: `Bearer ${ADMIN}` }, payload: {} })
  assert.equal(cancel.statusCode, 200)
  const paid = emulator.completeCheckout(sessionId)
  await emulator.idle()
  await emulator.waitForDelivery((d) => d.type === 'charge.refunded')
  await emulator.idle()
  assert.equal((await orderRow(db, orderId)).state, 'cancelled')
  const refunds = await refundsOf(db, orderId)
  assert.equal(refunds.length, 1)
  assert.equal(refunds[0]!.origin, 'auto')
  assert.equal(refunds[0]!.state, 'succeeded')
  const intentId = String(paid.paymentIntent.id)
  const refundCalls = emulator.requests.filter((r) => r.path === '/v1/refunds')
  assert.equal(refundCalls.length, 1)
  assert.equal(refundCalls[0]!.params.payment_intent, intentId)
  assert.equal(refundCalls[0]!.idempotencyKey, `refund:${refunds[0]!.id}`)
  const topics = (await outboxRows(db)).map((r) => r.topic)
  assert.ok(topics.includes('admin.notify'))
  assert.ok(!topics.includes('order.paid'))
  assert.equal((await paymentsOf(db, orderId))[0]!.state, 'refunded')
})

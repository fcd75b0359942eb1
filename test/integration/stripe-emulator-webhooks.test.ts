// Stripe emulator webhooks: signed deliveries verified with the SDK, duplicates, retries, ordering (specs/stripe.md §6).
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import Stripe from 'stripe'
import { FakeClock, type Clock } from '../../src/domain/shared/clock.js'
import { createStripeEmulator, type StripeEmulatorOptions } from '../../src/sandbox/stripe/index.js'

interface Received { event: Stripe.Event | null, error?: string }

/** A tiny webhook receiver that verifies every delivery with `constructEvent` on the raw body. */
async function receiver (t: TestContext, secret: string, clock?: Clock): Promise<{ url: string, statuses: number[], received: Received[] }> {
  const statuses: number[] = []
  const received: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const event = Stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), secret, undefined, undefined, clock?.now())
        received.push({ event })
        res.writeHead(statuses.shift() ?? 200).end()
      } catch (err) {
        received.push({ event: null, error: (err as Error).message })
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/stripe/webhook`, statuses, received }
}

async function setup (t: TestContext, opts: StripeEmulatorOptions = {}): Promise<{ emulator: ReturnType<typeof createStripeEmulator>, stripe: Stripe, hook: Awaited<ReturnType<typeof receiver>> }> {
  const hook = await receiver(t, opts.webhookSecret ?? 'whsec_bozor_test', opts.clock)
  const emulator = createStripeEmulator({ webhookEndpoints: [hook.url], webhookRetryDelaysMs: [20, 20, 20], ...opts })
  const { host, port, protocol } = await emulator.start()
  t.after(() => emulator.close())
  return { emulator, hook, stripe: new Stripe(emulator.secretKey, { host, port, protocol, maxNetworkRetries: 0 }) }
}

const params: Stripe.Checkout.SessionCreateParams = {
  mode: 'payment',
  line_items: [{ price_data: { currency: 'uzs', unit_amount: 1_500_000, product_data: { name: 'Plov' } }, quantity: 1 }],
  client_reference_id: '42',
  metadata: { order_id: '42', attempt: '1' },
  payment_intent_data: { metadata: { order_id: '42' } }
}

const types = (received: Received[]): string[] => received.map((r) => r.event?.type ?? 'invalid')

test('checkout completion delivers signed events verified by constructEvent', async (t) => {
  const { emulator, stripe, hook } = await setup(t)
  const session = await stripe.checkout.sessions.create(params)
  emulator.completeCheckout(session.id, { paymentMethod: 'pm_card_visa' })
  await emulator.waitForDelivery((d) => d.type === 'checkout.session.completed' && d.ok)
  await emulator.idle()
  assert.deepEqual(types(hook.received), ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed'])
  const completed = hook.received[3]?.event as Stripe.CheckoutSessionCompletedEvent
  assert.match(completed.id, /^evt_/)
  assert.equal(completed.object, 'event')
  assert.equal(completed.livemode, false)
  assert.equal(completed.api_version, '2026-10-28.endive')
  assert.equal(completed.data.object.payment_status, 'paid')
  assert.equal(completed.data.object.amount_total, 1_500_000)
  assert.equal(completed.data.object.currency, 'uzs')
  assert.deepEqual(completed.data.object.metadata, { order_id: '42', attempt: '1' })
  const succeeded = hook.received[2]?.event as Stripe.PaymentIntentSucceededEvent
  assert.deepEqual(succeeded.data.object.metadata, { order_id: '42' })
  assert.equal(completed.data.object.payment_intent, succeeded.data.object.id)
  assert.ok(emulator.deliveries.every((d) => d.ok && d.attempt === 1))
})

test('the same event id is delivered twice when duplicated', async (t) => {
  const { emulator, stripe, hook } = await setup(t)
  const session = await stripe.checkout.sessions.create(params)
  const event = emulator.sendEvent('checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid' }, { duplicate: true })
  await emulator.idle()
  assert.deepEqual(hook.received.map((r) => r.event?.id), [event.id, event.id])
  emulator.redeliver(event.id, { copies: 3, concurrent: true })
  await emulator.idle()
  assert.equal(emulator.deliveries.filter((d) => d.eventId === event.id && d.ok).length, 5)
})

test('non-2xx answers are retried until the receiver accepts', async (t) => {
  const { emulator, hook } = await setup(t)
  hook.statuses.push(500, 503)
  const event = emulator.sendEvent('customer.created', { id: 'cus_1', object: 'customer' })
  const ok = await emulator.waitForDelivery((d) => d.eventId === event.id && d.ok)
  assert.equal(ok.attempt, 3)
  assert.deepEqual(emulator.deliveries.map((d) => d.status), [500, 503, 200])
})

test('a wrong signature is rejected by constructEvent', async (t) => {
  const { emulator, hook } = await setup(t, { webhookRetryDelaysMs: [] })
  emulator.sendEvent('customer.created', { id: 'cus_2', object: 'customer' }, { badSignature: true })
  const delivery = await emulator.waitForDelivery(() => true)
  assert.equal(delivery.status, 400)
  assert.match(hook.received[0]?.error ?? '', /No signatures found matching the expected signature/)
})

test('delayed payment completes unpaid and then async_payment_succeeded or failed', async (t) => {
  const { emulator, stripe } = await setup(t)
  const good = await stripe.checkout.sessions.create(params)
  const bad = await stripe.checkout.sessions.create(params)
  assert.equal(emulator.completeCheckout(good.id, { paymentMethod: 'pm_delayed_success' }).session.payment_status, 'unpaid')
  emulator.completeCheckout(bad.id, { paymentMethod: 'pm_delayed_failure' })
  emulator.settleDelayedPayment(good.id)
  emulator.settleDelayedPayment(bad.id)
  const succeeded = await emulator.waitForDelivery((d) => d.type === 'checkout.session.async_payment_succeeded')
  assert.equal(JSON.parse(succeeded.payload).data.object.id, good.id)
  const failed = await emulator.waitForDelivery((d) => d.type === 'checkout.session.async_payment_failed')
  assert.equal(JSON.parse(failed.payload).data.object.id, bad.id)
  assert.equal((await stripe.checkout.sessions.retrieve(good.id)).payment_status, 'paid')
  const completedUnpaid = emulator.listEvents('checkout.session.completed').map((e) => e.data.object.payment_status)
  assert.deepEqual(completedUnpaid, ['unpaid', 'unpaid'])
})

test('expire, decline and refund emit their events', async (t) => {
  const { emulator, stripe, hook } = await setup(t)
  const open = await stripe.checkout.sessions.create(params)
  const declined = emulator.completeCheckout(open.id, { paymentMethod: 'pm_card_chargeDeclinedExpiredCard' })
  assert.equal(declined.error?.code, 'expired_card')
  assert.equal(declined.session.status, 'open')
  await stripe.checkout.sessions.expire(open.id)
  const paid = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })
  await stripe.refunds.create({ payment_intent: paid.id, amount: 500 })
  await emulator.waitForDelivery((d) => d.type === 'charge.refunded')
  await emulator.idle()
  const got = types(hook.received)
  for (const type of ['payment_intent.payment_failed', 'checkout.session.expired', 'payment_intent.canceled', 'refund.created', 'charge.refunded']) assert.ok(got.includes(type), type)
  const refunded = hook.received.find((r) => r.event?.type === 'charge.refunded')?.event as Stripe.ChargeRefundedEvent
  assert.equal(refunded.data.object.amount_refunded, 500)
  assert.equal(refunded.data.object.refunded, false)
  const expired = hook.received.find((r) => r.event?.type === 'checkout.session.expired')?.event as Stripe.CheckoutSessionExpiredEvent
  assert.equal(expired.request?.id, emulator.requests.find((r) => r.path.endsWith('/expire'))?.requestId)
})

test('paused deliveries are released out of order', async (t) => {
  const { emulator, stripe, hook } = await setup(t)
  emulator.pauseWebhooks()
  await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })
  assert.equal(emulator.deliveries.length, 0)
  emulator.resumeWebhooks({ reverse: true })
  await emulator.idle()
  assert.deepEqual(types(hook.received), ['payment_intent.succeeded', 'charge.succeeded', 'payment_intent.created'])
})

test('a fake clock signs deliveries and expires sessions past expires_at', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1))
  const { emulator, stripe, hook } = await setup(t, { clock, webhookSecret: 'whsec_other' })
  const session = await stripe.checkout.sessions.create({ ...params, expires_at: Math.floor(clock.now() / 1000) + 3600 })
  clock.advance(3600 * 1000)
  assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, 'expired')
  const delivery = await emulator.waitForDelivery((d) => d.type === 'checkout.session.expired')
  assert.equal(delivery.signature.split(',')[0], `t=${Math.floor(clock.now() / 1000)}`)
  assert.equal(hook.received[0]?.event?.type, 'checkout.session.expired')
  assert.equal(emulator.signPayload('{}', { timestamp: 1 }), Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: 'whsec_other', timestamp: 1 }))
})

test('events are retrieved and listed over the API', async (t) => {
  const { emulator, stripe } = await setup(t, { webhookEndpoints: [] })
  await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })
  const listed = await stripe.events.list({ types: ['payment_intent.*'] })
  assert.deepEqual(listed.data.map((e) => e.type), ['payment_intent.succeeded', 'payment_intent.created'])
  const one = await stripe.events.retrieve(listed.data[0]?.id as string)
  assert.equal(one.type, 'payment_intent.succeeded')
  assert.equal(emulator.deliveries.length, 0)
})

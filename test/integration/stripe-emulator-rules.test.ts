// Stripe emulator: idempotency, amounts, parameter validation, auth, refunds and fault injection (specs/stripe.md §4, §7, §9, §10).
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import Stripe from 'stripe'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createStripeEmulator, type StripeEmulatorOptions } from '../../src/sandbox/stripe/index.js'

async function setup (t: TestContext, opts: StripeEmulatorOptions = {}, client: Partial<Stripe.StripeConfig> = {}): Promise<{ emulator: ReturnType<typeof createStripeEmulator>, stripe: Stripe }> {
  const emulator = createStripeEmulator(opts)
  const { host, port, protocol } = await emulator.start()
  t.after(() => emulator.close())
  return { emulator, stripe: new Stripe(emulator.secretKey, { host, port, protocol, maxNetworkRetries: 0, timeout: 5000, ...client }) }
}

function isError (cls: new (...args: never[]) => Error, check: (err: any) => void = () => {}): (err: unknown) => boolean {
  return (err) => { assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`); check(err); return true }
}

const session = (amount: number, currency = 'usd'): Stripe.Checkout.SessionCreateParams => ({
  mode: 'payment', line_items: [{ price_data: { currency, unit_amount: amount, product_data: { name: 'Item' } }, quantity: 1 }]
})

test('same idempotency key and parameters replays the stored response', async (t) => {
  const { emulator, stripe } = await setup(t)
  const first = await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:42:1' })
  const again = await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:42:1' })
  assert.equal(again.id, first.id)
  assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true')
  assert.equal(emulator.listEvents().length, 0)
  assert.deepEqual(emulator.requests.map((r) => [r.idempotencyKey, r.replayed, r.status]), [['checkout:42:1', false, 200], ['checkout:42:1', true, 200]])
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }, { idempotencyKey: 'pi:9:1' }), Stripe.errors.StripeCardError)
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }, { idempotencyKey: 'pi:9:1' }),
    isError(Stripe.errors.StripeCardError, (err) => assert.equal(err.headers['idempotent-replayed'], 'true')))
  assert.equal(emulator.listEvents('payment_intent.created').length, 1)
})

test('same idempotency key with other parameters is an idempotency error', async (t) => {
  const { stripe } = await setup(t)
  await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:43:1' })
  await assert.rejects(stripe.checkout.sessions.create(session(2000), { idempotencyKey: 'checkout:43:1' }), isError(Stripe.errors.StripeIdempotencyError, (err) => {
    assert.equal(err.statusCode, 400)
    assert.equal(err.rawType, 'idempotency_error')
  }))
})

test('idempotency keys are pruned after 24 hours by the clock', async (t) => {
  const clock = new FakeClock(Date.now())
  const { stripe } = await setup(t, { clock })
  const first = await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:44:1' })
  clock.advance(24 * 60 * 60 * 1000)
  const second = await stripe.checkout.sessions.create(session(2000), { idempotencyKey: 'checkout:44:1' })
  assert.notEqual(second.id, first.id)
})

test('USD 49 is amount_too_small and JPY 500 is accepted as whole yen', async (t) => {
  const { stripe } = await setup(t)
  await assert.rejects(stripe.paymentIntents.create({ amount: 49, currency: 'usd' }), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.code, 'amount_too_small')
    assert.equal(err.param, 'amount')
  }))
  await assert.rejects(stripe.checkout.sessions.create(session(49)), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.code, 'amount_too_small')))
  const yen = await stripe.paymentIntents.create({ amount: 500, currency: 'JPY' })
  assert.equal(yen.amount, 500)
  assert.equal(yen.currency, 'jpy')
  const uzs = await stripe.checkout.sessions.create(session(1_000_000, 'uzs'))
  assert.equal(uzs.amount_total, 1_000_000)
  await assert.rejects(stripe.paymentIntents.create({ amount: 100_000_000, currency: 'uzs' }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.code, 'amount_too_large')))
  await assert.rejects(stripe.paymentIntents.create({ amount: 1005, currency: 'kwd' }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.code, 'invalid_charge_amount')))
})

test('unknown and missing parameters answer parameter_unknown and parameter_missing', async (t) => {
  const { emulator, stripe } = await setup(t)
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams),
    isError(Stripe.errors.StripeInvalidRequestError, (err) => {
      assert.equal(err.code, 'parameter_unknown')
      assert.equal(err.param, 'payment_method_types')
    }))
  await assert.rejects(stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.code, 'parameter_missing')
    assert.equal(err.param, 'amount')
  }))
  const nested = { ...session(1000), line_items: [{ price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: 'x' }, colour: 'red' }, quantity: 1 }] }
  await assert.rejects(stripe.checkout.sessions.create(nested as Stripe.Checkout.SessionCreateParams), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.param, 'line_items[0][price_data][colour]')
  }))
  const now = Math.floor(Date.now() / 1000)
  await assert.rejects(stripe.checkout.sessions.create({ ...session(1000), expires_at: now + 10 * 60 }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.param, 'expires_at')))
  await assert.rejects(stripe.checkout.sessions.create({ ...session(1000), expires_at: now + 25 * 60 * 60 }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.param, 'expires_at')))
  assert.equal(emulator.requests.length, 5)
})

test('wrong API key answers 401 StripeAuthenticationError', async (t) => {
  const { emulator } = await setup(t)
  const { host, port, protocol } = await emulator.start()
  const wrong = new Stripe('sk_test_wrong_key_123', { host, port, protocol, maxNetworkRetries: 0 })
  await assert.rejects(wrong.paymentIntents.create({ amount: 1000, currency: 'usd' }), isError(Stripe.errors.StripeAuthenticationError, (err) => {
    assert.equal(err.statusCode, 401)
    assert.equal(err.rawType, 'invalid_request_error')
  }))
  const basic = await fetch(`${(await emulator.start()).url}/v1/events`, { headers: { authorization: `Basic ${Buffer.from(`${emulator.secretKey}:`).toString('base64')}` } })
  assert.equal(basic.status, 200)
  assert.match(basic.headers.get('request-id') ?? '', /^req_/)
})

test('full and partial refunds update the charge and over-refund is refused', async (t) => {
  const { stripe } = await setup(t)
  const intent = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })
  const part = await stripe.refunds.create({ payment_intent: intent.id, amount: 2000 }, { idempotencyKey: 'refund:led_1' })
  assert.match(part.id, /^re_/)
  assert.equal(part.status, 'succeeded')
  assert.equal((await stripe.refunds.retrieve(part.id)).amount, 2000)
  await assert.rejects(stripe.refunds.create({ payment_intent: intent.id, amount: 3001 }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.param, 'amount')))
  const rest = await stripe.refunds.create({ charge: intent.latest_charge as string })
  assert.equal(rest.amount, 3000)
  const charge = await stripe.charges.retrieve(intent.latest_charge as string)
  assert.equal(charge.amount_refunded, 5000)
  assert.equal(charge.refunded, true)
  await assert.rejects(stripe.refunds.create({ payment_intent: intent.id }), isError(Stripe.errors.StripeInvalidRequestError, (err) => assert.equal(err.code, 'charge_already_refunded')))
  assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'succeeded')
})

test('429 with Stripe-Should-Retry is retried by the SDK and then succeeds', async (t) => {
  const { emulator, stripe } = await setup(t, {}, { maxNetworkRetries: 2 })
  emulator.faults.inject({ kind: 'rate_limit', path: '/v1/checkout/sessions', shouldRetry: true })
  const created = await stripe.checkout.sessions.create(session(1000))
  assert.equal(created.status, 'open')
  assert.deepEqual(emulator.requests.map((r) => r.status), [429, 200])
  assert.equal(emulator.requests[0]?.idempotencyKey, emulator.requests[1]?.idempotencyKey)
})

test('429 without the header is not retried and raises StripeRateLimitError', async (t) => {
  const { emulator, stripe } = await setup(t, {}, { maxNetworkRetries: 2 })
  emulator.faults.inject({ kind: 'rate_limit' })
  await assert.rejects(stripe.checkout.sessions.create(session(1000)), Stripe.errors.StripeRateLimitError)
  assert.equal(emulator.requests.length, 1)
})

test('500 twice then success keeps one idempotency key and one session', async (t) => {
  const { emulator, stripe } = await setup(t, {}, { maxNetworkRetries: 2 })
  const fault = emulator.faults.inject({ kind: 'api_error', times: 2 })
  await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:45:1' })
  assert.equal(fault.hits, 2)
  assert.deepEqual(emulator.requests.map((r) => [r.status, r.idempotencyKey]), [[500, 'checkout:45:1'], [500, 'checkout:45:1'], [200, 'checkout:45:1']])
})

test('timeout fault gives StripeConnectionError and the retry with the same key replays', async (t) => {
  const { emulator, stripe } = await setup(t, {}, { timeout: 300 })
  emulator.faults.inject({ kind: 'timeout' })
  await assert.rejects(stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:46:1' }), Stripe.errors.StripeConnectionError)
  const retried = await stripe.checkout.sessions.create(session(1000), { idempotencyKey: 'checkout:46:1' })
  assert.equal(retried.lastResponse.headers['idempotent-replayed'], 'true')
  assert.equal((await stripe.checkout.sessions.list()).data.length, 1)
})

test('injected auth fault raises StripeAuthenticationError once', async (t) => {
  const { emulator, stripe } = await setup(t)
  emulator.faults.inject({ kind: 'auth', path: /^\/v1\/payment_intents/ })
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }), Stripe.errors.StripeAuthenticationError)
  assert.equal((await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' })).status, 'requires_payment_method')
  assert.equal(emulator.faults.pending, 0)
})

test('a dropped connection is retried once by the SDK with the same key', async (t) => {
  const { emulator, stripe } = await setup(t)
  emulator.faults.inject({ kind: 'drop', path: '/v1/payment_intents' })
  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' })
  assert.equal(intent.status, 'requires_payment_method')
  assert.deepEqual(emulator.requests.map((r) => [r.fault, r.status]), [['drop', null], [null, 200]])
  assert.equal(emulator.requests[0]?.idempotencyKey, emulator.requests[1]?.idempotencyKey)
})

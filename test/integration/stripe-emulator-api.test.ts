// The local Stripe-compatible server driven by the official SDK over real HTTP (specs/stripe.md §11.3).
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import Stripe from 'stripe'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createStripeEmulator, type StripeEmulatorOptions } from '../../src/sandbox/stripe/index.js'

async function setup (t: TestContext, opts: StripeEmulatorOptions = {}): Promise<{ emulator: ReturnType<typeof createStripeEmulator>, stripe: Stripe }> {
  const emulator = createStripeEmulator(opts)
  const { host, port, protocol } = await emulator.start()
  t.after(() => emulator.close())
  return { emulator, stripe: new Stripe(emulator.secretKey, { host, port, protocol, maxNetworkRetries: 0, timeout: 5000 }) }
}

function sessionParams (over: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Green tea' } }, quantity: 2 }],
    success_url: 'https://t.me/bozor_bot?start=paid_{CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cancel',
    client_reference_id: '42',
    metadata: { order_id: '42', attempt: '1' },
    payment_intent_data: { metadata: { order_id: '42' } },
    ...over
  }
}

function isError (cls: new (...args: never[]) => Error, check: (err: any) => void = () => {}): (err: unknown) => boolean {
  return (err) => { assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`); check(err); return true }
}

test('checkout session is created and retrieved with its line items', async (t) => {
  const { emulator, stripe } = await setup(t)
  const created = await stripe.checkout.sessions.create(sessionParams())
  assert.match(created.id, /^cs_test_/)
  assert.equal(created.object, 'checkout.session')
  assert.equal(created.status, 'open')
  assert.equal(created.payment_status, 'unpaid')
  assert.equal(created.amount_total, 3000)
  assert.equal(created.currency, 'usd')
  assert.equal(created.payment_intent, null)
  assert.equal(created.url, `${(await emulator.start()).url}/checkout/${created.id}`)
  const got = await stripe.checkout.sessions.retrieve(created.id, { expand: ['line_items'] })
  assert.equal(got.client_reference_id, '42')
  assert.deepEqual(got.metadata, { order_id: '42', attempt: '1' })
  assert.equal(got.line_items?.data[0]?.quantity, 2)
  assert.equal(got.line_items?.data[0]?.price?.unit_amount, 1500)
  assert.equal(emulator.requests[0]?.path, '/v1/checkout/sessions')
  assert.equal((emulator.requests[0]?.params.line_items as any)[0].price_data.unit_amount, '1500')
})

test('an open session expires once and a second expire is an invalid request', async (t) => {
  const { stripe } = await setup(t)
  const session = await stripe.checkout.sessions.create(sessionParams())
  const expired = await stripe.checkout.sessions.expire(session.id)
  assert.equal(expired.status, 'expired')
  assert.equal(expired.url, null)
  await assert.rejects(stripe.checkout.sessions.expire(session.id), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.statusCode, 400)
    assert.match(err.message, /Only Checkout Sessions with a status in \["open"\] can be expired/)
  }))
  await assert.rejects(stripe.checkout.sessions.retrieve('cs_test_missing'), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.statusCode, 404)
    assert.equal(err.code, 'resource_missing')
  }))
})

test('hosted checkout page pays with Visa and redirects to the success URL', async (t) => {
  const { stripe } = await setup(t)
  const session = await stripe.checkout.sessions.create(sessionParams())
  const html = await (await fetch(session.url as string)).text()
  for (const label of ['Pay with Visa', 'Declined card', 'Insufficient funds', 'Expired card']) assert.ok(html.includes(label), label)
  const declined = await fetch(`${session.url as string}/pay`, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }), redirect: 'manual' })
  assert.equal(declined.status, 402)
  assert.match(await declined.text(), /insufficient funds/)
  const paid = await fetch(`${session.url as string}/pay`, { method: 'POST', body: new URLSearchParams({ payment_method: 'pm_card_visa' }), redirect: 'manual' })
  assert.equal(paid.status, 303)
  assert.equal(paid.headers.get('location'), `https://t.me/bozor_bot?start=paid_${session.id}`)
  const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] })
  assert.equal(done.status, 'complete')
  assert.equal(done.payment_status, 'paid')
  const intent = done.payment_intent as Stripe.PaymentIntent
  assert.equal(intent.status, 'succeeded')
  assert.deepEqual(intent.metadata, { order_id: '42' })
})

test('payment intent confirmed with pm_card_visa succeeds with a charge', async (t) => {
  const { stripe } = await setup(t)
  const intent = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { order_id: '7' }, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } })
  assert.match(intent.id, /^pi_/)
  assert.equal(intent.status, 'requires_payment_method')
  assert.match(intent.client_secret ?? '', /^pi_.+_secret_/)
  const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] })
  assert.equal(confirmed.status, 'succeeded')
  assert.equal(confirmed.amount_received, 2000)
  const charge = confirmed.latest_charge as Stripe.Charge
  assert.equal(charge.status, 'succeeded')
  assert.deepEqual(charge.metadata, { order_id: '7' })
  assert.equal((await stripe.charges.retrieve(charge.id)).amount, 2000)
})

test('declined test cards raise StripeCardError with 402 and the right codes', async (t) => {
  const { stripe } = await setup(t)
  const cases: Array<[string, string, string]> = [
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_visa_chargeDeclinedExpiredCard', 'expired_card', 'expired_card']
  ]
  for (const [pm, code, declineCode] of cases) {
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur' })
    await assert.rejects(stripe.paymentIntents.confirm(intent.id, { payment_method: pm }), isError(Stripe.errors.StripeCardError, (err) => {
      assert.equal(err.statusCode, 402)
      assert.equal(err.rawType, 'card_error')
      assert.equal(err.code, code)
      assert.equal(err.decline_code, declineCode)
      assert.equal(err.payment_intent.id, intent.id)
      assert.equal(err.payment_intent.status, 'requires_payment_method')
    }))
    const after = await stripe.paymentIntents.retrieve(intent.id)
    assert.equal(after.status, 'requires_payment_method')
    assert.equal(after.last_payment_error?.code, code)
  }
})

test('a declined intent can be confirmed again with a good card', async (t) => {
  const { stripe } = await setup(t)
  let id = ''
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, payment_method: 'pm_card_chargeDeclined' }),
    isError(Stripe.errors.StripeCardError, (err) => { id = err.payment_intent.id }))
  const ok = await stripe.paymentIntents.confirm(id, { payment_method: 'pm_card_visa' })
  assert.equal(ok.status, 'succeeded')
  assert.equal(ok.last_payment_error, null)
})

test('authentication required card stops in requires_action with a redirect URL', async (t) => {
  const { emulator, stripe } = await setup(t)
  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/back' })
  assert.equal(intent.status, 'requires_action')
  assert.equal(intent.next_action?.type, 'redirect_to_url')
  const url = intent.next_action?.redirect_to_url?.url as string
  assert.ok(url.startsWith((await emulator.start()).url))
  const answer = await fetch(url, { method: 'POST', body: new URLSearchParams({ outcome: 'approve' }), redirect: 'manual' })
  assert.equal(answer.headers.get('location'), `https://shop.example/back?payment_intent=${intent.id}`)
  assert.equal((await stripe.paymentIntents.retrieve(intent.id)).status, 'succeeded')
})

test('cancelling a succeeded intent is payment_intent_unexpected_state', async (t) => {
  const { stripe } = await setup(t)
  const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })
  await assert.rejects(stripe.paymentIntents.cancel(intent.id), isError(Stripe.errors.StripeInvalidRequestError, (err) => {
    assert.equal(err.code, 'payment_intent_unexpected_state')
  }))
  const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' })
  assert.equal((await stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' })).status, 'canceled')
})

test('handle() serves the API and hosted page under a path prefix', async (t) => {
  const emulator = createStripeEmulator({ basePath: '/sandbox/stripe', publicBaseUrl: 'http://shop.local/sandbox/stripe', seed: 7 })
  const server = createServer((req, res) => { emulator.handle(req, res).catch(() => res.destroy()) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/stripe`
  const created = await fetch(`${base}/v1/checkout/sessions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_bozor', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=900&line_items[0][price_data][product_data][name]=Tea&line_items[0][quantity]=1'
  })
  const session = await created.json() as { id: string, url: string }
  assert.equal(created.status, 200)
  assert.equal(session.url, `http://shop.local/sandbox/stripe/checkout/${session.id}`)
  const pageAnswer = await fetch(`${base}/checkout/${session.id}`)
  assert.equal(pageAnswer.status, 200)
  assert.match(await pageAnswer.text(), /\$9\.00/)
  assert.equal((await fetch(`${base}/v1/events`)).status, 401)
})

test('ids are deterministic for a seed', async (t) => {
  const a = await setup(t, { seed: 3 })
  const b = await setup(t, { seed: 3 })
  const first = await a.stripe.checkout.sessions.create(sessionParams())
  const second = await b.stripe.checkout.sessions.create(sessionParams())
  assert.equal(first.id, second.id)
  assert.match(first.id, /^cs_test_a1[A-Za-z0-9]{22}$/)
})

// Refunds and direct PaymentIntents through the admin API, the real SDK and the emulator:
// partial then full refund (stock back on full only, customer told), nothing left → 409,
// Payme → ERR_REFUND_UNSUPPORTED; declines answered as the error object; a retry after a
// timeout reuses the refund key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eq } from 'drizzle-orm'
import { shopOrder } from '../../src/adapters/postgres/schema.js'
import { orderRow, outboxRows, productRow, seedOrder } from './payme-ledger-fixtures.js'
import { auth, paidStripeOrder, refundsOf, setupStripe } from './stripe-fixtures.js'

test('stripe: partial then full refund through the admin API; nothing left answers 409', async (t) => {
  const s = await setupStripe(t)
  const { orderId, productId } = await paidStripeOrder(s)
  const refund = (payload: unknown) => s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/refund`, headers: auth, payload: payload as object })
  const partial = await refund({ amount: 2000, reason: 'one item broken' })
  assert.equal(partial.statusCode, 200, partial.body)
  assert.equal(partial.json().state, 'paid')
  assert.deepEqual(partial.json().refunded, { amount: 2000, currency: 'USD' })
  assert.equal((await productRow(s.db, productId)).stock, 4, 'a partial refund keeps the stock out')
  const full = await refund({})
  assert.equal(full.statusCode, 200, full.body)
  assert.equal(full.json().state, 'refunded')
  assert.deepEqual(full.json().refunded, { amount: 5000, currency: 'USD' })
  assert.equal((await productRow(s.db, productId)).stock, 5, 'a full refund returns the stock')
  const calls = s.emulator.requests.filter((r) => r.path === '/v1/refunds')
  assert.deepEqual(calls.map((r) => Number(r.params.amount)), [2000, 3000])
  const rows = await refundsOf(s.db, orderId)
  assert.deepEqual(calls.map((r) => r.idempotencyKey), rows.map((r) => `refund:${r.id}`))
  const nothing = await refund({})
  assert.equal(nothing.statusCode, 409)
  assert.equal(nothing.json().code, 'ERR_ORDER_NOTHING_REFUNDABLE')
  assert.equal(s.emulator.requests.filter((r) => r.path === '/v1/refunds').length, 2, 'refused without calling Stripe')
  // the charge.refunded events that followed count nothing twice
  await s.emulator.idle()
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 5000)
  assert.equal((await refundsOf(s.db, orderId)).length, 2)
  const notices = (await outboxRows(s.db)).filter((r) => r.topic === 'customer.notify' && r.payload.kind === 'order.refunded')
  assert.equal(notices.length, 2)
})

test('stripe: a refund retried after a timeout reuses its key; Payme refunds answer ERR_REFUND_UNSUPPORTED', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s, 4000)
  s.emulator.faults.inject({ kind: 'api_error', path: '/v1/refunds', times: 3 })
  const failed = await s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/refund`, headers: auth, payload: { amount: 4000 } })
  assert.equal(failed.statusCode, 503)
  assert.equal(failed.json().code, 'ERR_PAYMENT_RETRY')
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')
  const retried = await s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/refund`, headers: auth, payload: { amount: 4000 } })
  assert.equal(retried.statusCode, 200, retried.body)
  assert.equal(retried.json().state, 'refunded')
  const keys = new Set(s.emulator.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.idempotencyKey))
  assert.equal(keys.size, 1)
  assert.equal([...s.emulator.listEvents('refund.created')].length, 1, 'one refund at Stripe')

  const payme = await seedOrder(s.db, { now: s.clock.now(), state: 'paid', amount: 12_500_000 })
  await s.db.update(shopOrder).set({ provider: 'payme' }).where(eq(shopOrder.id, payme.orderId))
  const unsupported = await s.app.inject({ method: 'POST', url: `/api/v1/orders/${payme.orderId}/refund`, headers: auth, payload: {} })
  assert.equal(unsupported.statusCode, 409)
  assert.equal(unsupported.json().code, 'ERR_REFUND_UNSUPPORTED')
  assert.equal((await orderRow(s.db, payme.orderId)).refundedAmount, 0)
})

test('stripe: the payment-intent route answers each decline as an error object and pays through the webhook', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now(), amount: 1800, currency: 'USD' })
  const confirm = (paymentMethod?: string) => s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/stripe/payment-intent`, headers: auth, payload: paymentMethod === undefined ? {} : { paymentMethod } })
  const created = await confirm()
  assert.equal(created.statusCode, 200, created.body)
  assert.match(created.json().id, /^pi_/)
  assert.equal(created.json().status, 'requires_payment_method')
  const create = s.emulator.requests.find((r) => r.path === '/v1/payment_intents')!
  assert.equal(create.idempotencyKey, `pi:${orderId}:1`)
  assert.equal(Number(create.params.amount), 1800)
  assert.equal(create.params.currency, 'usd')
  assert.deepEqual(create.params.metadata, { order_id: orderId })
  assert.equal(create.params.payment_method_types, undefined)

  const declines: Array<[string, string, string | null, RegExp]> = [
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline', /declined/],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds', /insufficient funds/],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', null, /expired/]
  ]
  for (const [pm, code, declineCode, message] of declines) {
    const res = await confirm(pm)
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json()
    assert.equal(body.id, created.json().id, 'the unfinished intent is reused')
    assert.equal(body.status, 'requires_payment_method')
    assert.equal(body.error.code, code)
    if (declineCode !== null) assert.equal(body.error.declineCode, declineCode)
    assert.match(body.error.message, message)
  }
  await s.emulator.idle()
  assert.equal((await orderRow(s.db, orderId)).state, 'pending')
  const ok = await confirm('pm_card_visa')
  assert.equal(ok.json().status, 'succeeded')
  assert.equal(ok.json().error, undefined)
  await s.emulator.waitForDelivery((d) => d.type === 'payment_intent.succeeded')
  await s.emulator.idle()
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')
  const read = await s.app.inject({ url: `/api/v1/orders/${orderId}/stripe/payment-intent`, headers: auth })
  assert.equal(read.statusCode, 200)
  assert.equal(read.json().status, 'succeeded')
})

// Refunds that Stripe fails or settles later, and disputes, through the real SDK, the local
// Stripe server's signed webhooks and the real app (specs/stripe.md §10, §14 case 46; DESIGN.md
// "a refund that later fails is taken back and the order flagged needs_attention"; decision 0011).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eq } from 'drizzle-orm'
import { paymentRefund, product } from '../../src/adapters/postgres/schema.js'
import { orderRow, outboxRows, paymentsOf, productRow } from './payme-ledger-fixtures.js'
import { auth, paidStripeOrder, refundsOf, setupStripe, stripeEvents, type StripeSetup } from './stripe-fixtures.js'

async function refund (s: StripeSetup, orderId: string, amount?: number) {
  const res = await s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/refund`, headers: auth, payload: amount === undefined ? {} : { amount } })
  assert.equal(res.statusCode, 200, res.body)
  await s.emulator.idle()
  const rows = await refundsOf(s.db, orderId)
  const last = rows[rows.length - 1]!
  assert.match(last.providerRefundId ?? '', /^re_/, 'the refund row keeps Stripe\'s refund id')
  return last
}

async function adminNotices (s: StripeSetup, orderId: string) {
  return (await outboxRows(s.db)).filter((r) => r.topic === 'admin.notify' && r.payload.orderId === orderId).map((r) => String(r.payload.text))
}

test('stripe: a partial refund that Stripe fails later is taken back, the order flagged and ADMIN_CHAT_ID told', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const row = await refund(s, orderId, 2000)
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 2000)

  const failed = s.emulator.failRefund(row.providerRefundId!)
  assert.equal(failed.status, 'failed')
  await s.emulator.idle()
  const failures = s.emulator.deliveries.filter((d) => ['refund.failed', 'refund.updated', 'charge.refund.updated'].includes(d.type) && JSON.parse(d.payload).data.object.status === 'failed')
  assert.deepEqual(failures.map((d) => d.type).sort(), ['charge.refund.updated', 'refund.failed', 'refund.updated'])
  assert.ok(failures.every((d) => d.status === 200))

  const [after] = await refundsOf(s.db, orderId)
  assert.equal(after!.state, 'failed')
  const order = await orderRow(s.db, orderId)
  assert.equal(order.state, 'paid')
  assert.equal(order.refundedAmount, 0, 'the refunded total is back')
  assert.deepEqual(order.flags, ['needs_attention'])
  assert.equal((await paymentsOf(s.db, orderId))[0]!.refundedAmount, 0)
  const notices = await adminNotices(s, orderId)
  assert.equal(notices.length, 1, 'three events about one failure: one change, one notice')
  assert.match(notices[0]!, new RegExp(`Stripe refund ${row.providerRefundId!} .*20\\.00.*failed \\(expired_or_canceled_card\\)`))

  // the order can be refunded again, in full
  const again = await s.app.inject({ method: 'GET', url: `/api/v1/orders/${orderId}`, headers: auth })
  assert.deepEqual(again.json().refunded, { amount: 0, currency: 'USD' })
  await refund(s, orderId)
  assert.equal((await orderRow(s.db, orderId)).state, 'refunded')
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 5000)
})

test('stripe: the same refund failure event delivered twice changes the order once', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const row = await refund(s, orderId, 1500)
  s.emulator.failRefund(row.providerRefundId!)
  await s.emulator.idle()
  const event = s.emulator.listEvents('refund.failed').at(-1)!
  const before = (await stripeEvents(s.db)).length
  s.emulator.redeliver(event.id)
  s.emulator.redeliver(event.id, { copies: 2, concurrent: true })
  await s.emulator.idle()
  const copies = s.emulator.deliveries.filter((d) => d.eventId === event.id)
  assert.ok(copies.length >= 3)
  assert.ok(copies.every((d) => d.status === 200))
  assert.equal((await stripeEvents(s.db)).length, before, 'the event id is recorded once')
  const order = await orderRow(s.db, orderId)
  assert.equal(order.refundedAmount, 0)
  assert.equal((await adminNotices(s, orderId)).length, 1)
  assert.equal((await refundsOf(s.db, orderId))[0]!.state, 'failed')
})

test('stripe: a full refund that fails keeps the order refunded, lowers its refunded total and takes the stock back', async (t) => {
  const s = await setupStripe(t)
  const { orderId, productId } = await paidStripeOrder(s)
  assert.equal((await productRow(s.db, productId)).stock, 4)
  const row = await refund(s, orderId)
  assert.equal((await productRow(s.db, productId)).stock, 5, 'a full refund returns the stock')
  s.emulator.failRefund(row.providerRefundId!)
  await s.emulator.idle()
  const order = await orderRow(s.db, orderId)
  assert.equal(order.state, 'refunded', 'refunded is final in the state machine')
  assert.equal(order.refundedAmount, 0)
  assert.deepEqual(order.flags, ['needs_attention'])
  assert.equal((await productRow(s.db, productId)).stock, 4, 'the returned unit is taken back out')
  const notices = await adminNotices(s, orderId)
  assert.equal(notices.length, 1)
  assert.match(notices[0]!, /stays refunded/)
  assert.match(notices[0]!, /taken back out/)
})

test('stripe: a failed full refund whose returned stock was reserved again leaves the stock and says so', async (t) => {
  const s = await setupStripe(t)
  const { orderId, productId } = await paidStripeOrder(s)
  const row = await refund(s, orderId)
  await s.db.update(product).set({ reserved: 5 }).where(eq(product.id, productId))
  s.emulator.failRefund(row.providerRefundId!)
  await s.emulator.idle()
  assert.equal((await productRow(s.db, productId)).stock, 5, 'nothing taken from other customers\' reservations')
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 0)
  const notices = await adminNotices(s, orderId)
  assert.equal(notices.length, 1)
  assert.match(notices[0]!, /could not be taken back/)
})

test('stripe: a refund whose API answer was lost is settled pending → succeeded from its event', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  // the ledger row is written, the call reaches Stripe, but our side never hears the answer
  const ledgerId = await s.stripe.ledger.beginRefund({ orderId, amount: 1000, reason: 'late answer', now: s.clock.now() })
  assert.equal((await refundsOf(s.db, orderId))[0]!.state, 'pending')
  await s.stripe.gateway.createRefund({ paymentIntentId: (await paymentsOf(s.db, orderId))[0]!.providerTransactionId, amount: { amount: 1000, currency: 'USD' }, idempotencyKey: `refund:${ledgerId}`, orderId })
  await s.emulator.idle()
  const [row] = await refundsOf(s.db, orderId)
  assert.equal(row!.state, 'succeeded')
  assert.match(row!.providerRefundId ?? '', /^re_/)
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 1000)
  const told = (await outboxRows(s.db)).filter((r) => r.topic === 'customer.notify' && r.payload.kind === 'order.refunded')
  assert.equal(told.length, 1)
  assert.equal((await s.db.select().from(paymentRefund)).length, 1, 'charge.refunded added no second row')
})

test('stripe: a refund event for an unknown refund id is acknowledged 200 and logged', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const event = s.emulator.sendEvent('refund.failed', {
    id: 're_unknown123', object: 'refund', amount: 700, currency: 'usd', charge: 'ch_nowhere', payment_intent: 'pi_nowhere', status: 'failed', failure_reason: 'lost_or_stolen_card', metadata: {}, created: Math.floor(s.clock.now() / 1000), reason: null
  })
  await s.emulator.idle()
  const delivery = s.emulator.deliveries.find((d) => d.eventId === event.id)!
  assert.equal(delivery.status, 200)
  assert.ok(s.logs.some((l) => l.includes(event.id) && l.includes('unknown refund re_unknown123')), 'logged')
  assert.equal((await orderRow(s.db, orderId)).flags.length, 0)
  assert.equal((await refundsOf(s.db, orderId)).length, 0)
})

test('stripe: a dispute on a paid order flags it with amount and reason; its close reports won or lost', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const paymentIntentId = (await paymentsOf(s.db, orderId))[0]!.providerTransactionId
  const charge = String(s.emulator.retrieve(paymentIntentId)!.latest_charge)
  const created = Math.floor(s.clock.now() / 1000)
  const dispute = {
    id: 'dp_1test',
    object: 'dispute',
    amount: 5000,
    currency: 'usd',
    charge,
    payment_intent: paymentIntentId,
    reason: 'fraudulent',
    status: 'needs_response',
    created,
    livemode: false,
    metadata: {},
    is_charge_refundable: false,
    balance_transactions: [],
    evidence_details: { due_by: created + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 }
  }
  const opened = s.emulator.sendEvent('charge.dispute.created', dispute)
  await s.emulator.idle()
  s.emulator.redeliver(opened.id)
  await s.emulator.idle()
  assert.ok(s.emulator.deliveries.filter((d) => d.eventId === opened.id).every((d) => d.status === 200))
  const order = await orderRow(s.db, orderId)
  assert.deepEqual(order.flags, ['needs_attention'])
  assert.equal(order.state, 'paid')
  let notices = await adminNotices(s, orderId)
  assert.equal(notices.length, 1)
  assert.match(notices[0]!, /dispute dp_1test .*opened: \$?50\.00.*reason fraudulent/)

  s.emulator.sendEvent('charge.dispute.closed', { ...dispute, status: 'lost' })
  await s.emulator.idle()
  notices = await adminNotices(s, orderId)
  assert.equal(notices.length, 2)
  assert.match(notices[1]!, /dp_1test .* lost/)
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 0, 'a dispute does not touch the refund ledger')
})

test('stripe: the customer told of a refund is told when it fails afterwards', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const row = await refund(s, orderId, 2000)
  s.emulator.failRefund(row.providerRefundId!)
  await s.emulator.idle()
  const told = (await outboxRows(s.db)).filter((r) => r.topic === 'customer.notify' && r.payload.orderId === orderId).map((r) => r.payload)
  assert.deepEqual(told.map((p) => p.kind), ['order.refunded', 'refund.failed'])
  assert.deepEqual(told[1]!.amount, { amount: 2000, currency: 'USD' })
})

test('stripe: a charge.refunded made before a refund failed and delivered after it counts nothing (the charge is re-read)', async (t) => {
  const s = await setupStripe(t)
  const { orderId } = await paidStripeOrder(s)
  const row = await refund(s, orderId, 2000)
  const paymentIntentId = (await paymentsOf(s.db, orderId))[0]!.providerTransactionId
  const chargeId = String(s.emulator.retrieve(paymentIntentId)!.latest_charge)
  const stale = { ...s.emulator.retrieve(chargeId)!, amount_refunded: 2000 }
  s.emulator.failRefund(row.providerRefundId!)
  await s.emulator.idle()
  assert.equal((await orderRow(s.db, orderId)).refundedAmount, 0)
  // the event Stripe made when the refund succeeded arrives only now, after the failure
  s.emulator.sendEvent('charge.refunded', stale)
  await s.emulator.idle()
  assert.deepEqual((await refundsOf(s.db, orderId)).map((r) => [r.origin, r.state]), [['admin', 'failed']])
  const order = await orderRow(s.db, orderId)
  assert.equal(order.refundedAmount, 0, 'the failed refund is not counted again')
  assert.equal((await paymentsOf(s.db, orderId))[0]!.refundedAmount, 0)
})

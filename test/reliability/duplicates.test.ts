// Issue 19 point 3: concurrent duplicate callbacks, per provider, on the real services
// (PostgreSQL and Redis) and over real HTTP to a listening app whose outbox worker delivers the
// goods. Each duplicate must be answered as the first (byte-identical protocol answers) and have
// one effect: one ledger row, one transition to paid, one `order.paid` outbox row, one payment
// notice and one goods message in the customer's chat. Decision 0053 says what this proves.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { and, eq } from 'drizzle-orm'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { orderTransition, outbox, paymentRefund, paymentTransaction, providerEvent, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createStripeEmulator, type StripeEmulator } from '../../src/sandbox/stripe/index.js'
import type { TelegramTestUser } from '../../src/sandbox/telegram/index.js'
import { startBotApp, WEBHOOK_SECRET, type BotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { clickForm, CLICK_FORM_HEADERS } from '../helpers/click.js'
import { payPath } from '../helpers/pay-links.js'
import { createServicesDb, createServicesKv } from '../helpers/reliability-services.js'
import { eventually } from '../helpers/wait.js'

/** Copies of each callback sent at once. */
const N = 8
const ADMIN = 'reliability-duplicates-admin-token-0001'
const PAYME_KEY = 'payme-test-key'

interface Shop extends BotApp {
  stripe?: StripeEmulator
  post (path: string, body: string, headers: Record<string, string>): Promise<{ status: number, body: string }>
  order (productId: string, telegramId: number): Promise<string>
}

async function shop (t: TestContext, options: { stripe?: boolean } = {}): Promise<Shop> {
  const { database } = await createServicesDb(t)
  const kv = createServicesKv(t)
  let stripe: StripeEmulator | undefined
  let env: Record<string, string> = { ADMIN_TOKEN: ADMIN }
  if (options.stripe === true) {
    stripe = createStripeEmulator({ webhookRetryDelaysMs: [] })
    const { url } = await stripe.start()
    t.after(() => stripe!.close())
    env = { ...env, STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: url }
  }
  const app = await startBotApp(t, { mode: 'webhook', database, kv, env })
  const post = async (path: string, body: string, headers: Record<string, string>): Promise<{ status: number, body: string }> => {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) })
    return { status: res.status, body: await res.text() }
  }
  const order = async (productId: string, telegramId: number): Promise<string> => {
    const res = await app.app.inject({ method: 'POST', url: '/api/v1/orders', headers: { authorization: `Bearer ${ADMIN}` }, payload: { customer: { telegramId }, items: [{ productId, quantity: 1 }] } })
    assert.equal(res.statusCode, 201, res.body)
    return res.json().id as string
  }
  return { ...app, ...(stripe !== undefined ? { stripe } : {}), post, order }
}

/** N copies of one request at once; every answer must be the same bytes. Returns that answer. */
async function sameAnswers (send: () => Promise<{ status: number, body: string }>): Promise<{ status: number, body: string }> {
  const answers = await Promise.all(Array.from({ length: N }, send))
  for (const a of answers) assert.deepEqual(a, answers[0], `every copy answered as the first: ${JSON.stringify(answers.map((x) => x.body))}`)
  return answers[0]!
}

/** What one paid order must show: one payment row, one transition to paid, one order.paid row. */
async function assertOnePaidEffect (s: Shop, orderId: string, provider: string): Promise<void> {
  const { db } = s.database
  const payments = await db.select().from(paymentTransaction).where(eq(paymentTransaction.orderId, orderId))
  assert.equal(payments.length, 1, `one ${provider} ledger row`)
  assert.equal(payments[0]!.provider, provider)
  const paid = await db.select().from(orderTransition).where(and(eq(orderTransition.orderId, orderId), eq(orderTransition.toState, 'paid')))
  assert.equal(paid.length, 1, 'one transition to paid')
  const rows = (await db.select().from(outbox).where(eq(outbox.topic, 'order.paid'))).filter((r) => String((r.payload as { orderId?: unknown }).orderId) === orderId)
  assert.equal(rows.length, 1, 'one order.paid outbox row')
}

/** Waits for the order to be fulfilled, then: exactly one payment notice and one goods message. */
async function assertDeliveredOnce (s: Shop, user: TelegramTestUser, orderId: string, goods: string): Promise<void> {
  await eventually(`order ${orderId} fulfilled`, async () => {
    const [row] = await s.database.db.select().from(shopOrder).where(eq(shopOrder.id, orderId))
    return row?.state === 'fulfilled' ? true : undefined
  }, { timeoutMs: 30_000, intervalMs: 50 })
  const texts = s.emulator.sent({ method: 'sendMessage', chatId: user.id, ok: true }).map((c) => String(c.params.text))
  assert.equal(texts.filter((x) => x.includes(`Payment received for order <b>#${orderId}</b>`)).length, 1, texts.join('\n---\n'))
  assert.equal(texts.filter((x) => x.includes(goods)).length, 1, texts.join('\n---\n'))
}

function rpc (method: string, params: Record<string, unknown>, id: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params })
}

test('Payme: CreateTransaction and PerformTransaction sent 8 times at once answer as the first and pay once; CancelTransaction twice refunds once', async (t) => {
  const s = await shop(t)
  const user = s.emulator.user({ languageCode: 'en', started: true })
  const goods = 'GOODS-payme-7f3a'
  const productId = await seedProduct(s.database, { title: 'Tea', amount: 1_500_000, currency: 'UZS', payload: goods })
  const orderId = await s.order(productId, user.id)
  const headers = { authorization: paymeAuthHeader(PAYME_KEY), 'content-type': 'application/json' }
  const txId = '6650a3f1c2e4b8a1d3f0aa01'
  const call = (body: string) => () => s.post('/payments/payme', body, headers)

  const created = await sameAnswers(call(rpc('CreateTransaction', { id: txId, time: Date.now(), amount: 1_500_000, account: { order_id: orderId } }, 7)))
  assert.equal(created.status, 200)
  assert.equal(JSON.parse(created.body).result.state, 1, created.body)
  const performed = await sameAnswers(call(rpc('PerformTransaction', { id: txId }, 8)))
  assert.equal(JSON.parse(performed.body).result.state, 2, performed.body)
  await assertOnePaidEffect(s, orderId, 'payme')
  await assertDeliveredOnce(s, user, orderId, goods)

  const cancelled = await Promise.all([0, 1].map(() => s.post('/payments/payme', rpc('CancelTransaction', { id: txId, reason: 5 }, 9), headers)))
  assert.deepEqual(cancelled[1], cancelled[0])
  assert.equal(JSON.parse(cancelled[0]!.body).result.state, -2, cancelled[0]!.body)
  const refunds = await s.database.db.select().from(paymentRefund).where(eq(paymentRefund.orderId, orderId))
  assert.equal(refunds.length, 1, 'one refund row')
  const refunded = await s.database.db.select().from(orderTransition).where(and(eq(orderTransition.orderId, orderId), eq(orderTransition.toState, 'refunded')))
  assert.equal(refunded.length, 1, 'one transition to refunded')
})

test('Click: Prepare sent 8 times at once answers as the first; Complete 8 times at once answers 0 once and -4 "Already paid" to the rest; one payment', async (t) => {
  const s = await shop(t)
  const user = s.emulator.user({ languageCode: 'en', started: true })
  const goods = 'GOODS-click-19c2'
  const productId = await seedProduct(s.database, { title: 'Tea', amount: 1_500_000, currency: 'UZS', payload: goods })
  const orderId = await s.order(productId, user.id)
  const base = { orderId, amount: '15000.00', serviceId: '1001', secret: 'click-test-secret', clickTransId: '2387417364', paydocId: '3112459087' }

  const prepared = await sameAnswers(() => s.post('/payments/click/prepare', clickForm({ ...base, route: 'prepare' }), CLICK_FORM_HEADERS))
  const prepareAnswer = JSON.parse(prepared.body) as { error: number, merchant_prepare_id: number }
  assert.equal(prepareAnswer.error, 0, prepared.body)
  // specs/click.md §7: a repeated successful Complete is answered -4 "Already paid" (Click's own
  // test suite expects it), so of N at once exactly one says 0 and the others that same -4
  const form = clickForm({ ...base, route: 'complete', prepareId: prepareAnswer.merchant_prepare_id })
  const completed = await Promise.all(Array.from({ length: N }, () => s.post('/payments/click/complete', form, CLICK_FORM_HEADERS)))
  const bodies = completed.map((c) => { assert.equal(c.status, 200); return c.body })
  const success = `{"click_trans_id":2387417364,"merchant_trans_id":"${orderId}","merchant_confirm_id":${prepareAnswer.merchant_prepare_id},"error":0,"error_note":"Success"}`
  const repeat = `{"click_trans_id":2387417364,"merchant_trans_id":"${orderId}","merchant_confirm_id":${prepareAnswer.merchant_prepare_id},"error":-4,"error_note":"Already paid"}`
  assert.deepEqual(bodies.filter((b) => b === success).length, 1, bodies.join('\n'))
  assert.deepEqual(bodies.filter((b) => b === repeat).length, N - 1, bodies.join('\n'))
  await assertOnePaidEffect(s, orderId, 'click')
  await assertDeliveredOnce(s, user, orderId, goods)
})

test('Stripe: the same signed checkout.session.completed delivered 8 times at once pays once', async (t) => {
  const s = await shop(t, { stripe: true })
  const stripe = s.stripe!
  const user = s.emulator.user({ languageCode: 'en', started: true })
  const goods = 'GOODS-stripe-55d0'
  const productId = await seedProduct(s.database, { title: 'Tea', amount: 1500, currency: 'USD', payload: goods })
  const orderId = await s.order(productId, user.id)
  const link = await s.app.inject({ url: payPath(orderId, 'stripe') })
  assert.equal(link.statusCode, 302, link.body)
  const sessionId = /\/checkout\/(cs_test_[A-Za-z0-9]+)/.exec(String(link.headers.location))?.[1]
  assert.ok(sessionId !== undefined, String(link.headers.location))
  // paid with no endpoint registered, then the completion event alone delivered 8 times at once
  stripe.completeCheckout(sessionId)
  await stripe.idle()
  const event = stripe.listEvents('checkout.session.completed').at(-1)
  assert.ok(event !== undefined)
  stripe.addWebhookEndpoint(`${s.url}/payments/stripe/webhook`)
  stripe.redeliver(event.id, { copies: N, concurrent: true })
  await stripe.idle()
  const deliveries = stripe.deliveries.filter((d) => d.eventId === event.id)
  assert.equal(deliveries.length, N)
  assert.deepEqual([...new Set(deliveries.map((d) => d.status))], [200])
  await assertOnePaidEffect(s, orderId, 'stripe')
  const events = await s.database.db.select().from(providerEvent).where(eq(providerEvent.eventId, event.id))
  assert.equal(events.length, 1, 'the event is recorded once')
  await assertDeliveredOnce(s, user, orderId, goods)
})

function paymentUpdate (updateId: number, user: TelegramTestUser, orderId: string, amount: number, chargeId: string): Record<string, unknown> {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: 'private', first_name: user.user.first_name },
      from: { id: user.id, is_bot: false, first_name: user.user.first_name, language_code: 'en' },
      successful_payment: { currency: 'XTR', total_amount: amount, invoice_payload: `o:${orderId}`, telegram_payment_charge_id: chargeId, provider_payment_charge_id: '' }
    }
  }
}

test('Telegram Stars: the same successful_payment update 8 times at once, and the same charge under new update ids, pays once', async (t) => {
  const s = await shop(t)
  const user = s.emulator.user({ languageCode: 'en', started: true })
  const goods = 'GOODS-stars-a41e'
  const productId = await seedProduct(s.database, { title: 'Badge', amount: 50, currency: 'XTR', payload: goods })
  const orderId = await s.order(productId, user.id)
  const headers = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET, 'content-type': 'application/json' }
  const chargeId = 'stxReliabilityDuplicate0001'
  const update = JSON.stringify(paymentUpdate(880_001, user, orderId, 50, chargeId))
  const answer = await sameAnswers(() => s.post('/telegram/webhook', update, headers))
  assert.deepEqual(answer, { status: 200, body: '' })
  // Telegram never does this, but a charge must count once whatever carries it
  const again = await Promise.all(Array.from({ length: N }, (_, i) => s.post('/telegram/webhook', JSON.stringify(paymentUpdate(880_100 + i, user, orderId, 50, chargeId)), headers)))
  assert.deepEqual([...new Set(again.map((a) => a.status))], [200])
  await assertOnePaidEffect(s, orderId, 'stars')
  await assertDeliveredOnce(s, user, orderId, goods)
})

test('Telegram: the same update delivered 8 times at once to the webhook gets one reply', async (t) => {
  const s = await shop(t)
  const user = s.emulator.user({ languageCode: 'en', started: true })
  const headers = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET, 'content-type': 'application/json' }
  const update = JSON.stringify({
    update_id: 990_001,
    message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: 'private', first_name: 'Dup' }, from: { id: user.id, is_bot: false, first_name: 'Dup', language_code: 'en' }, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] }
  })
  const answer = await sameAnswers(() => s.post('/telegram/webhook', update, headers))
  assert.deepEqual(answer, { status: 200, body: '' })
  const replies = s.emulator.sent({ method: 'sendMessage', chatId: user.id })
  assert.equal(replies.length, 1, JSON.stringify(replies.map((r) => r.params.text)))
  assert.match(String(replies[0]!.params.text), /How to buy/)
})

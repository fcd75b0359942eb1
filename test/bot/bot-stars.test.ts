import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { eventually } from '../helpers/wait.js'
import { paymentTransaction, shopOrder } from '../../src/adapters/postgres/schema.js'
import { payPath } from '../helpers/pay-links.js'

const TOKEN = 'admin-token-for-stars-tests-0123456789'

test('Stars through the pay link: invoice link, payment, then a refund through the admin API (whole only, once)', async (t) => {
  const { app, emulator, database } = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const auth = { authorization: `Bearer ${TOKEN}` }
  const id = await seedProduct(database, { title: 'Avatar pack', amount: 300, currency: 'XTR' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText('/start')
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const created = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: { customer: { telegramId: user.id }, items: [{ productId: id, quantity: 1 }] } })
  assert.equal(created.statusCode, 201)
  const order = created.json()
  assert.match(order.payUrls.stars, new RegExp(`/pay/${order.id}/stars\\?t=[\\w-]{22}$`), 'a signed pay link')
  const pay = await app.inject({ url: payPath(order.id, 'stars') })
  assert.equal(pay.statusCode, 302)
  const outcome = await user.payInvoice(String(pay.headers.location))
  assert.equal(outcome.status, 'paid')
  const state = await eventually('the order fulfilled', async () => {
    const current = (await app.inject({ url: `/api/v1/orders/${order.id}`, headers: auth })).json().state as string
    return current === 'fulfilled' ? current : undefined
  })
  assert.equal(state, 'fulfilled')
  const partial = await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/refund`, headers: auth, payload: { amount: 100 } })
  assert.equal(partial.statusCode, 400)
  assert.match(JSON.stringify(partial.json()), /in full/)
  const full = await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/refund`, headers: auth, payload: { reason: 'customer asked' } })
  assert.equal(full.statusCode, 200)
  assert.equal(full.json().state, 'refunded')
  assert.deepEqual(full.json().refunded, { amount: 300, currency: 'XTR' })
  assert.equal(emulator.charge(outcome.status === 'paid' ? outcome.chargeId : '')?.refunded, true)
  const again = await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/refund`, headers: auth, payload: {} })
  assert.equal(again.statusCode, 409)
  const [payment] = await database.db.select().from(paymentTransaction)
  assert.equal(payment?.state, 'refunded')
  await user.nextBotMessage({ timeoutMs: 15_000 }) // payment confirmation
  let refundNotice = ''
  for (let i = 0; i < 4 && !/has been refunded/.test(refundNotice); i++) refundNotice = (await user.nextBotMessage({ timeoutMs: 15_000 })).text ?? ''
  assert.match(refundNotice, /Order #\d+: 300.⭐ has been refunded/)
})

test('a repeat payment of a paid Stars invoice is refused at pre-checkout', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Badge', amount: 50, currency: 'XTR' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  user.pressButton(await user.nextBotMessage(), '🛒 Buy')
  user.pressButton(await user.nextBotMessage(), '1')
  user.pressButton(await user.nextBotMessage(), 'Pay with Telegram Stars')
  await user.nextBotMessage()
  const invoice = await user.nextBotMessage()
  const first = await user.payInvoice(invoice)
  assert.equal(first.status, 'paid')
  // the same invoice forwarded and paid again (specs/telegram.md §6.1: the bot must refuse repeats)
  const second = await user.payInvoice(invoice)
  assert.equal(second.status, 'declined')
  const rows = await database.db.select().from(paymentTransaction)
  assert.deepEqual(rows.map((r) => r.state), ['succeeded'])
})

test('a Stars payment landing after the order expired is refunded with refundStarPayment and recorded', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Frame', amount: 70, currency: 'XTR' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  user.pressButton(await user.nextBotMessage(), '🛒 Buy')
  user.pressButton(await user.nextBotMessage(), '1')
  user.pressButton(await user.nextBotMessage(), 'Pay with Telegram Stars')
  await user.nextBotMessage()
  const invoice = await user.nextBotMessage()
  // the order expires while Telegram completes the payment after our pre-checkout "ok"
  await database.db.update(shopOrder).set({ expiresAt: new Date(Date.now() + 800) })
  emulator.faults.inject({ kind: 'slow', method: 'answerPreCheckoutQuery', delayMs: 1500 })
  const outcome = await user.payInvoice(invoice)
  assert.equal(outcome.status, 'paid')
  const notice = await user.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(notice.text ?? '', /can no longer be paid[\s\S]*70.⭐ has been refunded/)
  assert.equal(emulator.charge(outcome.status === 'paid' ? outcome.chargeId : '')?.refunded, true)
  const rows = await database.db.select().from(paymentTransaction)
  assert.deepEqual(rows.map((r) => r.state), ['refunded'])
  const [order] = await database.db.select().from(shopOrder)
  assert.equal(order?.state, 'pending')
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { ADMIN_CHAT_ID, nextMatching, startBotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { callbackAnswered, eventually } from '../helpers/wait.js'
import { outbox, paymentTransaction, shopOrder } from '../../src/adapters/postgres/schema.js'
import type { TelegramTestUser } from '../../src/sandbox/telegram/index.js'
import type { TgMessage } from '../../src/sandbox/telegram/types.js'
import { payPath } from '../helpers/pay-links.js'

const next = async (user: TelegramTestUser, match: RegExp): Promise<TgMessage> => await nextMatching(user, match, 15_000)

test('digital checkout in Stars: invoice, pre-checkout, payment, confirmation and the goods delivered once', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Sticker pack', amount: 250, currency: 'XTR', payload: 'https://files.example/stickers.zip' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  const card = await next(user, /Sticker pack/)
  user.pressButton(card, '🛒 Buy')
  const ask = await next(user, /How many/)
  user.pressButton(ask, '2')
  const choose = await next(user, /Total: 500/)
  user.pressButton(choose, 'Pay with Telegram Stars')
  await next(user, /Order #\d+ is created/)
  const invoice = await next(user, /Order #/)
  assert.equal(invoice.invoice?.currency, 'XTR')
  assert.equal(invoice.invoice?.total_amount, 500)
  const outcome = await user.payInvoice(invoice)
  assert.equal(outcome.status, 'paid')
  await next(user, /Payment received for order/)
  const goods = await next(user, /Sticker pack/)
  assert.match(goods.text ?? '', /https:\/\/files\.example\/stickers\.zip/)
  const orders = await database.db.select().from(shopOrder)
  assert.equal(orders.length, 1)
  // the goods step marks a digital order fulfilled
  await eventually('the order fulfilled', async () => (await database.db.select().from(shopOrder))[0]?.state === 'fulfilled' ? true : undefined)
  assert.equal((await database.db.select().from(shopOrder))[0]?.state, 'fulfilled')
  const payments = await database.db.select().from(paymentTransaction)
  assert.deepEqual(payments.map((p) => [p.provider, p.state, p.amount]), [['stars', 'succeeded', 500]])
  const paidRows = (await database.db.select().from(outbox)).filter((r) => r.topic === 'order.paid')
  assert.equal(paidRows.length, 1)
})

test('physical checkout: typed quantity, shared contact, address, Payme pay button; unexpected input keeps the step', async (t) => {
  const { emulator, database, url } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Teapot', kind: 'physical', amount: 12_500_000, stock: 5 })
  const user = emulator.user({ languageCode: 'en', phoneNumber: '+998901234567' })
  user.sendText(`/start p_${id}`)
  const card = await next(user, /Teapot/)
  assert.match(card.text ?? '', /In stock: 5/)
  user.pressButton(card, '🛒 Buy')
  await next(user, /How many/)
  user.sendText('lots')
  await next(user, /choose the quantity/)
  user.sendText('9')
  await next(user, /Only 5 left/)
  user.sendText('3')
  await next(user, /share your phone number/)
  user.sendText('call me maybe')
  await next(user, /does not look like a phone number/)
  user.shareContact()
  await next(user, /delivery address/)
  user.sendText('Tashkent, Amir Temur 1, apt 2')
  const choose = await next(user, /Total: UZS.375,000\.00/)
  const labels = (choose.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)
  assert.deepEqual(labels, ['Pay with Payme', 'Pay with Click'])
  user.sendText('payme please')
  await next(user, /choose a payment method/)
  user.pressButton(choose, 'Pay with Payme')
  const created = await next(user, /Order #\d+ is created/)
  const button = (created.reply_markup?.inline_keyboard ?? []).flat()[0]
  const [order] = await database.db.select().from(shopOrder)
  assert.equal(button?.url, `${url}${payPath(order!.id, 'payme')}`, 'the pay button is the order\'s signed pay link')
  assert.equal(order!.totalAmount, 37_500_000)
  assert.deepEqual(order!.contact, { phone: '+998901234567', name: user.user.first_name })
  assert.deepEqual(order!.shippingAddress, { text: 'Tashkent, Amir Temur 1, apt 2' })
  // the provider button of the finished checkout is stale now
  const queryId = user.pressButton(choose, 'Pay with Click')
  await callbackAnswered(emulator, queryId)
  assert.match(String(emulator.callbackQuery(queryId)?.answer?.text), /out of date/)
  assert.equal((await database.db.select().from(shopOrder)).length, 1)
})

test('50 customers checking out at once get their own orders and sessions', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Coupon', amount: 2_000_000 })
  const users = Array.from({ length: 50 }, (_, i) => emulator.user({ id: 900_000 + i, languageCode: 'en' }))
  await Promise.all(users.map(async (user, i) => {
    user.sendText(`/start p_${id}`)
    const card = await next(user, /Coupon/)
    user.pressButton(card, '🛒 Buy')
    await next(user, /How many/)
    user.sendText(String((i % 7) + 1))
    const choose = await next(user, /Total:/)
    user.pressButton(choose, 'Pay with Click')
    await next(user, /Order #\d+ is created/)
  }))
  const orders = await database.db.select().from(shopOrder)
  assert.equal(orders.length, 50)
  for (const [i, user] of users.entries()) {
    const own = orders.filter((o) => o.customerTelegramId === user.id)
    assert.equal(own.length, 1, `user ${i} has one order`)
    assert.equal(own[0]!.totalAmount, 2_000_000 * ((i % 7) + 1))
  }
})

test('a stored checkout resumes at the same step after a restart; an old session version is discarded with a notice', async (t) => {
  const first = await startBotApp(t)
  const id = await seedProduct(first.database, { title: 'Mug', kind: 'physical', amount: 5_000_000 })
  const user = first.emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  const card = await next(user, /Mug/)
  user.pressButton(card, '🛒 Buy')
  await next(user, /How many/)
  user.sendText('2')
  await next(user, /share your phone number/)
  await first.app.close()
  const second = await startBotApp(t, { emulator: first.emulator, database: first.database, kv: first.kv })
  user.sendText('+998 90 111 22 33')
  await next(user, /delivery address/)
  // a session written by an older state machine
  const key = second.kv.keys.taggedKey('sess', [String(user.chatId)])
  // the bot replies before it writes the session: wait for the write before replacing it
  const stored = await eventually('the session at the address step', async () => {
    const entry = await second.kv.getVersioned<{ checkout?: { step: string } }>(key)
    return entry.data?.checkout?.step === 'address' ? entry : undefined
  })
  assert.equal(stored.data?.checkout?.step, 'address')
  const { ver } = stored
  await second.kv.compareAndSet(key, ver, { v: 0, checkout: { step: 'wrapping', productId: id } }, 60_000)
  user.sendText('Some street 5')
  await next(user, /could not be continued after an update/)
})

test('pre-checkout refuses a Stars invoice of an expired order with a reason the customer sees', async (t) => {
  const { emulator, database } = await startBotApp(t, { env: { ORDER_TTL_S: '60' } })
  const id = await seedProduct(database, { title: 'Badge', amount: 100, currency: 'XTR' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  user.pressButton(await next(user, /Badge/), '🛒 Buy')
  user.pressButton(await next(user, /How many/), '1')
  user.pressButton(await next(user, /Total/), 'Pay with Telegram Stars')
  const invoice = await next(user, /^Order #/)
  await database.db.update(shopOrder).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(shopOrder.state, 'pending'))
  const outcome = await user.payInvoice(invoice)
  assert.equal(outcome.status, 'declined')
  assert.match(outcome.status === 'declined' ? outcome.errorMessage : '', /can no longer be paid/)
  assert.equal((await database.db.select().from(paymentTransaction)).length, 0)
})

test('a physical order paid through Payme: the customer is told in their language and ADMIN_CHAT_ID gets the shipping notice', async (t) => {
  const { app, emulator, database } = await startBotApp(t)
  const admin = emulator.group({ id: ADMIN_CHAT_ID, title: 'Shop staff' })
  const id = await seedProduct(database, { title: 'Lamp', kind: 'physical', amount: 20_000_000 })
  const user = emulator.user({ languageCode: 'ru' })
  user.sendText(`/start p_${id}`)
  user.pressButton(await next(user, /Lamp/), '🛒 Купить')
  user.pressButton(await next(user, /Сколько/), '1')
  user.shareContact()
  await next(user, /адрес/)
  user.sendText('Samarkand, Registan 1')
  user.pressButton(await next(user, /Итого/), 'Оплатить через Payme')
  await next(user, /Заказ <?b?>?#?\d+|создан/)
  const [order] = await database.db.select().from(shopOrder)
  const rpc = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await app.inject({ method: 'POST', url: '/payments/payme', headers: { authorization: `Basic ${Buffer.from('Paycom:payme-test-key').toString('base64')}` }, payload: { jsonrpc: '2.0', id: 1, method, params } })
    return res.json()
  }
  const created = await rpc('CreateTransaction', { id: '6650d1f0a1b2c3d4e5f60718', time: Date.now(), amount: 20_000_000, account: { order_id: order!.id } })
  assert.equal((created.result as { state: number }).state, 1)
  const performed = await rpc('PerformTransaction', { id: '6650d1f0a1b2c3d4e5f60718' })
  assert.equal((performed.result as { state: number }).state, 2)
  const confirmation = await next(user, /Оплата заказа/)
  assert.match(confirmation.text ?? '', /свяжемся с вами по поводу доставки/)
  const isNotice = (m: TgMessage): boolean => (m.text ?? '').includes(`Order #${order!.id} is paid`)
  await eventually('the paid notice in the admin chat', () => emulator.messages(admin.id).some(isNotice) ? true : undefined)
  const notice = emulator.messages(admin.id).find(isNotice)
  assert.match(notice?.text ?? '', new RegExp(`ship: ${id} × 1`))
})

test('the Stars pay button of an expired order in /orders says so instead of sending an invoice', async (t) => {
  const { emulator, database } = await startBotApp(t)
  const id = await seedProduct(database, { title: 'Wallpaper', amount: 40, currency: 'XTR', payload: 'wallpaper.png' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  user.pressButton(await next(user, /Wallpaper/), '🛒 Buy')
  user.pressButton(await next(user, /How many/), '1')
  user.pressButton(await next(user, /Total: 40/), 'Pay with Telegram Stars')
  await next(user, /Order #\d+ is created/)
  await next(user, /Order #/)
  user.sendText('/orders')
  const list = await next(user, /Your orders/)
  const payLabel = (list.reply_markup?.inline_keyboard ?? []).flat()[0]?.text ?? ''
  assert.match(payLabel, /Stars/)
  const invoices = (): number => emulator.sent({ method: 'sendInvoice', chatId: user.chatId, ok: true }).length
  assert.equal(invoices(), 1)
  await database.db.update(shopOrder).set({ expiresAt: new Date(Date.now() - 1000) })
  const queryId = user.pressButton(list, payLabel)
  await callbackAnswered(emulator, queryId)
  const answer = emulator.callbackQuery(queryId)?.answer
  assert.match(String(answer?.text), /Order #\d+ can no longer be paid \(expired\)/)
  assert.equal(answer?.show_alert, true)
  assert.equal(invoices(), 1, 'no second invoice')
})

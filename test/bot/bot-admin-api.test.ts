// Issue 15 points 1 and 6 seen through the bot in the Telegram emulator, on both storage legs
// (memory and Redis): a product renamed through the admin API shows renamed in the catalog at
// once while other cards stay cached; a customer the merchant blocks gets a polite refusal and
// gets their answers back once unblocked; the merchant's message and a fulfilled order reach the
// customer through the outbox.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp, type BotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { createCache } from '../../src/adapters/redis/cache.js'
import { cardKeySegments } from '../../src/usecases/catalog-reads.js'

const TOKEN = 'test-admin-token-bot-admin-api'
const headers = { authorization: `Bearer ${TOKEN}` }

async function api (bot: BotApp, method: string, url: string, payload?: unknown): Promise<{ status: number, body: any }> {
  const res = await bot.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
}

async function card (bot: BotApp, productId: string): Promise<string> {
  const user = bot.emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${productId}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const message = await user.nextBotMessage()
  return message.text ?? message.caption ?? ''
}

test('a product renamed through the admin API shows renamed in the bot at once; other cards stay cached', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const green = await seedProduct(bot.database, { title: 'Green tea' })
  const black = await seedProduct(bot.database, { title: 'Black tea' })
  assert.match(await card(bot, green), /Green tea/)
  assert.match(await card(bot, black), /Black tea/)
  const user = bot.emulator.user({ languageCode: 'en' })
  user.sendText('/catalog')
  const before = await user.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(JSON.stringify(before.reply_markup), /Green tea/)

  const renamed = await api(bot, 'PATCH', `/api/v1/products/${green}`, { title: { en: 'Jasmine tea' } })
  assert.equal(renamed.status, 200)
  const cache = createCache({ kv: bot.kv })
  assert.equal(await bot.kv.exists(cache.key(...cardKeySegments(black))), true, "the other product's card is still cached")
  assert.match(await card(bot, green), /Jasmine tea/)
  user.sendText('/catalog')
  const after = await user.nextBotMessage()
  assert.match(JSON.stringify(after.reply_markup), /Jasmine tea/)
  assert.doesNotMatch(JSON.stringify(after.reply_markup), /Green tea/)

  // a description is on the card only: the page of all products stays cached
  assert.equal((await api(bot, 'PATCH', `/api/v1/products/${black}`, { description: { en: 'Strong and malty' } })).status, 200)
  assert.match(await card(bot, black), /Strong and malty/)
  assert.equal((await api(bot, 'DELETE', `/api/v1/products/${black}`)).status, 204)
  user.sendText('/catalog')
  assert.doesNotMatch(JSON.stringify((await user.nextBotMessage()).reply_markup), /Black tea/, 'a deleted product leaves the catalog at once')
})

test('a blocked customer gets a polite refusal only; unblocked, the bot answers again', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const user = bot.emulator.user({ languageCode: 'ru', firstName: 'Ali' })
  user.sendText('/start')
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const blocked = await api(bot, 'POST', `/api/v1/customers/${user.id}/block`)
  assert.equal(blocked.status, 200)
  assert.equal(blocked.body.blocked, true)
  user.sendText('/catalog')
  const refusal = await user.nextBotMessage()
  assert.match(refusal.text ?? '', /Извините, сейчас магазин не может принять ваши запросы/)
  const listed = await api(bot, 'GET', '/api/v1/customers?blocked=true')
  assert.deepEqual(listed.body.items.map((c: { telegramId: number }) => c.telegramId), [user.id])
  assert.equal((await api(bot, 'POST', `/api/v1/customers/${user.id}/unblock`)).body.blocked, false)
  user.sendText('/help')
  assert.doesNotMatch((await user.nextBotMessage()).text ?? '', /Извините/)
})

test('the merchant\'s message and a fulfilled order reach the customer through the outbox', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const user = bot.emulator.user({ languageCode: 'en' })
  user.sendText('/start')
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const sent = await api(bot, 'POST', `/api/v1/customers/${user.id}/messages`, { text: 'Your parcel leaves <today>' })
  assert.equal(sent.status, 202)
  assert.deepEqual(sent.body, { status: 'queued' })
  assert.equal((await user.nextBotMessage({ timeoutMs: 15_000 })).text, 'Your parcel leaves <today>', 'sent as plain text')
  assert.equal((await api(bot, 'POST', '/api/v1/customers/999999/messages', { text: 'hi' })).status, 404)
  const mug = await seedProduct(bot.database, { title: 'Mug', kind: 'physical', stock: 3 })
  const order = await api(bot, 'POST', '/api/v1/orders', { customer: { telegramId: user.id }, items: [{ productId: mug, quantity: 1 }] })
  const { shopOrder } = await import('../../src/adapters/postgres/schema.js')
  await bot.database.db.update(shopOrder).set({ state: 'paid' })
  const fulfilled = await api(bot, 'POST', `/api/v1/orders/${order.body.id}/fulfil`, { note: 'Track: AB123' })
  assert.equal(fulfilled.body.state, 'fulfilled')
  const told = await user.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(told.text ?? '', new RegExp(`Order #${order.body.id} is on its way`))
  assert.match(told.text ?? '', /Note from the shop: Track: AB123/)
})

test('the shop\'s own words (name, welcome, help, support contact, terms in en/ru/uz) are used by the bot at once', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const uz = bot.emulator.user({ languageCode: 'uz' })
  const en = bot.emulator.user({ languageCode: 'en' })
  uz.sendText('/start')
  assert.match((await uz.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /Do‘konga xush kelibsiz/, 'the bot\'s own words before any are set')
  const patched = await api(bot, 'PATCH', '/api/v1/settings', {
    shop: {
      name: { en: 'Chai & Co', uz: 'Choy va Ko' },
      welcome: { en: 'Fresh tea every week <3', uz: 'Har hafta yangi choy' },
      help: { en: 'Ask us anything.' },
      supportContact: { en: '@chai_support' },
      terms: { en: 'Returns within 14 days.', ru: 'Возврат в течение 14 дней.' }
    }
  })
  assert.equal(patched.status, 200)
  assert.deepEqual(patched.body.shop.name, { en: 'Chai & Co', uz: 'Choy va Ko' })
  uz.sendText('/start')
  const welcome = (await uz.nextBotMessage()).text ?? ''
  assert.match(welcome, /^Choy va Ko\n\nHar hafta yangi choy\n\n\/catalog/)
  en.sendText('/start')
  await en.nextBotMessage({ timeoutMs: 15_000 })
  en.sendText('/help')
  const help = (await en.nextBotMessage()).text ?? ''
  assert.match(help, /^Ask us anything\./)
  assert.match(help, /Contact the shop: @chai_support/)
  assert.match(help, /\/terms/)
  en.sendText('/terms')
  assert.equal((await en.nextBotMessage()).text, 'Returns within 14 days.')
  uz.sendText('/terms')
  assert.equal((await uz.nextBotMessage()).text, 'Returns within 14 days.', 'English when the customer\'s language has none')

  assert.equal((await api(bot, 'PATCH', '/api/v1/settings', { shop: { welcome: { uz: null }, terms: null } })).status, 200)
  uz.sendText('/start')
  assert.match((await uz.nextBotMessage()).text ?? '', /^Choy va Ko\n\nFresh tea every week <3/, 'a removed language falls back to English, at once')
  en.sendText('/terms')
  assert.match((await en.nextBotMessage()).text ?? '', /has not published terms/)
  const settings = await api(bot, 'GET', '/api/v1/settings')
  assert.deepEqual(settings.body.shop.welcome, { en: 'Fresh tea every week <3' })
  assert.equal(settings.body.shop.terms, undefined)
})

test('a photo uploaded through the admin API goes to Telegram as an upload once, then by its file_id', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const mug = await seedProduct(bot.database, { title: 'Mug', kind: 'physical', stock: 5 })
  const boundary = '----bozor-bot-photo'
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF fake jpeg body')])
  const payload = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="mug.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), jpeg, Buffer.from(`\r\n--${boundary}--\r\n`)])
  const uploaded = await bot.app.inject({ method: 'POST', url: `/api/v1/products/${mug}/photos`, payload, headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` } })
  assert.equal(uploaded.statusCode, 201, uploaded.body)
  assert.match(await card(bot, mug), /Mug/)
  const [first] = bot.emulator.sent({ method: 'sendPhoto' })
  const attached = String(first!.params.photo)
  assert.match(attached, /^attach:\/\//, 'the first showing uploads the bytes (a multipart part)')
  assert.equal((first!.params[attached.slice('attach://'.length)] as { kind?: string, size?: number }).kind, 'upload')
  const fileId = (first!.result as { photo: Array<{ file_id: string }> }).photo.at(-1)!.file_id
  // the file id is kept (in the background of the first showing); a second showing sends it
  await bot.app.telegram!.processor.idle()
  assert.match(await card(bot, mug), /Mug/)
  const second = bot.emulator.sent({ method: 'sendPhoto' })[1]
  assert.equal(second!.params.photo, fileId, 'later showings send the file_id Telegram gave')
})

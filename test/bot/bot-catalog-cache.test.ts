// The bot's catalog through the shared cache (src/usecases/catalog-reads.ts): a card is tagged
// `product:<id>`, `category:<id>` and `catalog`, a category page its category and `catalog`;
// invalidations drop exactly what carries the tag, and stock on a card is read live.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { startBotApp, type BotApp } from '../helpers/bot.js'
import { seedCategory, seedProduct } from '../helpers/catalog.js'
import { product } from '../../src/adapters/postgres/schema.js'
import { createCache } from '../../src/adapters/redis/cache.js'
import { cardKeySegments, categoryTag, productTag } from '../../src/usecases/catalog-reads.js'

const TOKEN = 'test-admin-token-bot-catalog-cache'
const headers = { authorization: `Bearer ${TOKEN}` }

/** The card's text (or caption) a new customer gets from a deep link to the product (new ones: the emulator paces each chat). */
async function card (bot: BotApp, productId: string): Promise<string> {
  const user = bot.emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${productId}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const message = await user.nextBotMessage()
  return message.text ?? message.caption ?? ''
}

/** The product buttons of the catalog page a `/catalog` (or a section button) shows. */
function productButtons (message: { reply_markup?: { inline_keyboard?: Array<Array<{ text: string, callback_data?: string }>> } }): string[] {
  return (message.reply_markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data?.startsWith('prd:')).map((b) => b.text.split(' · ')[0]!)
}

async function rename (bot: BotApp, id: string, title: string): Promise<void> {
  await bot.database.db.update(product).set({ title: { en: title } }).where(eq(product.id, id))
}

test('a product card is served from the cache until its product tag is invalidated; other cards stay cached', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const green = await seedProduct(bot.database, { title: 'Green tea' })
  const black = await seedProduct(bot.database, { title: 'Black tea' })
  assert.match(await card(bot, green), /Green tea/)
  assert.match(await card(bot, black), /Black tea/)
  // changed behind the cache's back: the cached cards do not know
  await rename(bot, green, 'Jasmine tea')
  await rename(bot, black, 'Earl Grey')
  assert.match(await card(bot, green), /Green tea/)
  const cache = createCache({ kv: bot.kv })
  assert.equal(await cache.invalidateTag(productTag(green)), 1, 'exactly the one card carried the tag')
  assert.match(await card(bot, green), /Jasmine tea/)
  assert.equal(await bot.kv.exists(cache.key(...cardKeySegments(black))), true, "the other product's card is still cached")
  assert.match(await card(bot, black), /Black tea/)
})

test('a product created through the admin API drops the cached catalog pages; a row added behind the cache does not', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  await seedProduct(bot.database, { title: 'Green tea' })
  const user = bot.emulator.user({ languageCode: 'en' })
  const catalog = async (): Promise<string[]> => {
    user.sendText('/catalog')
    return productButtons(await user.nextBotMessage({ timeoutMs: 15_000 }))
  }
  assert.deepEqual(await catalog(), ['Green tea'])
  await seedProduct(bot.database, { title: 'Hidden tea' })
  assert.deepEqual(await catalog(), ['Green tea'], 'the cached page is served')
  const created = await bot.app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: { title: { en: 'Oolong' }, price: { amount: 2_000_000, currency: 'UZS' }, kind: 'digital', payload: 'https://files.example/oolong.pdf' } })
  assert.equal(created.statusCode, 201, created.body)
  assert.deepEqual(await catalog(), ['Green tea', 'Hidden tea', 'Oolong'])
})

test('invalidating a category drops its pages and cards and keeps another category cached', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const books = await seedCategory(bot.database, 'Books', 0)
  const teas = await seedCategory(bot.database, 'Teas', 1)
  const novel = await seedProduct(bot.database, { title: 'Novel', categoryId: books })
  const green = await seedProduct(bot.database, { title: 'Green tea', categoryId: teas })
  const section = async (name: string): Promise<string[]> => {
    const user = bot.emulator.user({ languageCode: 'en' })
    user.sendText('/catalog')
    const sections = await user.nextBotMessage({ timeoutMs: 15_000 })
    user.pressButton(sections, name)
    return productButtons(await user.nextBotMessage())
  }
  assert.deepEqual(await section('Books'), ['Novel'])
  assert.deepEqual(await section('Teas'), ['Green tea'])
  assert.match(await card(bot, novel), /Novel/)
  assert.match(await card(bot, green), /Green tea/)
  await seedProduct(bot.database, { title: 'Poems', categoryId: books })
  await seedProduct(bot.database, { title: 'Black tea', categoryId: teas })
  await rename(bot, novel, 'Novel (2nd ed.)')
  await rename(bot, green, 'Green tea (loose)')
  const cache = createCache({ kv: bot.kv })
  await cache.invalidateTag(categoryTag(books))
  assert.deepEqual(await section('Books'), ['Novel (2nd ed.)', 'Poems'])
  assert.match(await card(bot, novel), /Novel \(2nd ed\.\)/)
  assert.deepEqual(await section('Teas'), ['Green tea'], 'the other category page is still cached')
  assert.match(await card(bot, green), /Green tea\n/)
})

test('stock on a cached card is live: an order placed through the admin API changes it at once', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const mug = await seedProduct(bot.database, { title: 'Mug', kind: 'physical', stock: 3 })
  assert.match(await card(bot, mug), /In stock: 3/)
  const order = await bot.app.inject({ method: 'POST', url: '/api/v1/orders', headers, payload: { customer: { telegramId: 900_001 }, items: [{ productId: mug, quantity: 2 }] } })
  assert.equal(order.statusCode, 201, order.body)
  assert.match(await card(bot, mug), /In stock: 1/)
  const rest = await bot.app.inject({ method: 'POST', url: '/api/v1/orders', headers, payload: { customer: { telegramId: 900_001 }, items: [{ productId: mug, quantity: 1 }] } })
  assert.equal(rest.statusCode, 201, rest.body)
  const soldOut = await card(bot, mug)
  assert.match(soldOut, /Out of stock/)
  assert.doesNotMatch(soldOut, /In stock/)
})

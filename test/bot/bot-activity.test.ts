// Per-customer activity and daily uniques from the bot (specs/redis.md §7), read back through
// GET /api/v1/customers/:telegramId/activity (DESIGN.md: a list, `?limit` and `?cursor`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp, type BotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import { createUniques } from '../../src/adapters/redis/uniques.js'

const TOKEN = 'test-admin-token-activity'
const headers = { authorization: `Bearer ${TOKEN}` }

interface Entry { at: string, action: string, details?: Record<string, unknown> }

async function activity (bot: BotApp, telegramId: number | string, query = ''): Promise<{ items: Entry[], nextCursor: string | null }> {
  const res = await bot.app.inject({ url: `/api/v1/customers/${telegramId}/activity${query}`, headers })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

/** Waits until every update under way (and its best-effort writes) has finished. */
async function settled (bot: BotApp): Promise<void> {
  await bot.app.telegram!.processor.idle()
}

test('/start, the catalog and a product card show in the activity route newest first, and the customer counts once in DAU', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const id = await seedProduct(bot.database, { title: 'Green tea' })
  const uniques = createUniques({ kv: bot.kv })
  assert.equal(await uniques.dau(), 0)
  const alice = bot.emulator.user({ firstName: 'Alice', languageCode: 'en' })
  alice.sendText('/start')
  await alice.nextBotMessage({ timeoutMs: 15_000 })
  alice.sendText('/catalog')
  const page = await alice.nextBotMessage()
  alice.pressButton(page, `prd:${id}`)
  assert.match((await alice.nextBotMessage()).text ?? '', /Green tea/)
  await settled(bot)

  const log = await activity(bot, alice.id)
  assert.deepEqual(log.items.map((e) => e.action), ['product.viewed', 'catalog.opened', 'bot.start'])
  assert.deepEqual(log.items[0]!.details, { productId: id })
  assert.equal(log.items[2]!.details, undefined)
  assert.equal(log.nextCursor, null)
  const times = log.items.map((e) => Date.parse(e.at))
  assert.ok(times.every((at) => Number.isFinite(at)) && times[0]! >= times[1]! && times[1]! >= times[2]!, log.items.map((e) => e.at).join())
  assert.equal(await uniques.dau(), 1, 'three updates of one customer count once')

  const bob = bot.emulator.user({ firstName: 'Bob', languageCode: 'en' })
  bob.sendText('/help')
  await bob.nextBotMessage({ timeoutMs: 15_000 })
  await settled(bot)
  assert.equal(await uniques.dau(), 2)
  assert.deepEqual((await activity(bot, bob.id)).items, [], 'a known customer without recorded actions gets an empty list')
})

test('the activity route answers 401 without a valid token, 400 for a bad id or limit, 404 for an unknown customer', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  await bot.database.db.insert(customer).values({ telegramId: 4242, language: 'en' })
  const get = (url: string, h: Record<string, string> = headers) => bot.app.inject({ url, headers: h })
  for (const h of [{}, { authorization: 'Bearer wrong-token' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
    const res = await get('/api/v1/customers/4242/activity', h)
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'ERR_AUTH')
  }
  for (const bad of ['abc', '0', '-5', '1.5', '1e3', '007', '99999999999999999', '9999999999999999']) {
    const res = await get(`/api/v1/customers/${bad}/activity`)
    assert.equal(res.statusCode, 400, `${bad}: ${res.body}`)
    assert.equal(res.json().code, 'ERR_VALIDATION')
  }
  for (const query of ['?limit=0', '?limit=201', '?limit=ten', '?cursor=not-a-cursor']) {
    const res = await get(`/api/v1/customers/4242/activity${query}`)
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`)
    assert.equal(res.json().code, 'ERR_VALIDATION')
  }
  const unknown = await get('/api/v1/customers/777/activity')
  assert.equal(unknown.statusCode, 404)
  assert.equal(unknown.json().code, 'ERR_CUSTOMER_NOT_FOUND')
  assert.deepEqual(await activity(bot, 4242), { items: [], nextCursor: null })
})

test('?limit pages the activity and the cursor does not repeat entries recorded between pages', async (t) => {
  const bot = await startBotApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const user = bot.emulator.user({ languageCode: 'en' })
  user.sendText('/start')
  await user.nextBotMessage({ timeoutMs: 15_000 })
  for (let i = 0; i < 2; i++) {
    user.sendText('/catalog')
    await user.nextBotMessage()
  }
  await settled(bot)
  assert.equal((await activity(bot, user.id)).items.length, 3, 'the default limit (50) returns all three')
  const first = await activity(bot, user.id, '?limit=2')
  assert.deepEqual(first.items.map((e) => e.action), ['catalog.opened', 'catalog.opened'])
  assert.equal(typeof first.nextCursor, 'string')
  // a new action pushes everything down by one before the next page is read
  user.sendText('/catalog')
  await user.nextBotMessage()
  await settled(bot)
  const second = await activity(bot, user.id, `?limit=2&cursor=${first.nextCursor!}`)
  assert.deepEqual(second.items.map((e) => e.action), ['bot.start'])
  assert.equal(second.nextCursor, null)
  assert.deepEqual((await activity(bot, user.id, '?limit=200')).items.map((e) => e.action), ['catalog.opened', 'catalog.opened', 'catalog.opened', 'bot.start'])
})

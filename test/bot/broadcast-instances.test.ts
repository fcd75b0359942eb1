// Issue 16 / decision 0060's open point: two instances sharing one broadcast at Telegram's own
// global limit (the emulator's 30 messages a second over all chats, as in production) keep the
// global rate together: no 429, no duplicates. Its own file so it runs alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Database } from '../../src/adapters/postgres/database.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import type { SentCall, TelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { startBotApp, type BotApp } from '../helpers/bot.js'
import { createTestDb } from '../helpers/db.js'
import { createTestKv } from '../helpers/kv.js'
import { eventually } from '../helpers/wait.js'

const TOKEN = 'test-admin-token-broadcasts-0001'
const headers = { authorization: `Bearer ${TOKEN}` }
const LIMITS = JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'api.token': [{ limit: 100_000, windowS: 60 }] })

async function api (bot: BotApp, method: string, url: string, payload?: unknown): Promise<{ status: number, body: any }> {
  const res = await bot.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
}

/** `count` customers who started the bot (rows as the bot writes them, and emulator users who can be written to). */
async function seedCustomers (database: Database, emulator: TelegramEmulator, first: number, count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, (_, i) => first + i)
  for (const id of ids) emulator.user({ id, firstName: `C${id}`, languageCode: id % 2 === 0 ? 'en' : 'ru', started: true })
  for (let i = 0; i < ids.length; i += 500) {
    await database.db.insert(customer).values(ids.slice(i, i + 500).map((id) => ({ telegramId: id, firstName: `C${id}`, language: id % 2 === 0 ? 'en' : 'ru' })))
  }
  return ids
}

/** The broadcast copies each chat received (successful sends of the broadcast's text). */
function copiesByChat (emulator: TelegramEmulator, text: string): Map<number, SentCall[]> {
  const byChat = new Map<number, SentCall[]>()
  for (const call of emulator.sent({ method: 'sendMessage', ok: true })) {
    if (call.params.text !== text) continue
    const chat = Number(call.chatId)
    byChat.set(chat, [...(byChat.get(chat) ?? []), call])
  }
  return byChat
}

async function waitDone (bot: BotApp, id: string, timeoutMs = 90_000): Promise<any> {
  return await eventually(`broadcast ${id} done`, async () => {
    const { body } = await api(bot, 'GET', `/api/v1/broadcasts/${id}`)
    return body.state === 'done' ? body : undefined
  }, { timeoutMs, intervalMs: 200 })
}

test('two instances at Telegram\'s own limit (30 a second over all chats) share one broadcast: no 429, no duplicates', async (t) => {
  // the global rate is the instances' together (decision 0035's shared slots; each worker's answer
  // window is its own, decision 0060): the emulator counts every copy in its own sliding second
  const database = await createTestDb(t)
  const kv = createTestKv(t)
  const emulator = createTelegramEmulator({ limits: { globalPerSecond: 30 } })
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const env = { ADMIN_TOKEN: TOKEN, RATE_LIMITS: LIMITS, BROADCAST_RATE: '30' }
  const one = await startBotApp(t, { env, database, kv, emulator, mode: 'webhook', chatGapMs: 1000 })
  const two = await startBotApp(t, { env, database, kv, emulator, mode: 'webhook', chatGapMs: 1000 })
  const ids = await seedCustomers(database, emulator, 7_500_001, 150)
  const text = 'Two instances at thirty a second'
  const created = await api(one, 'POST', '/api/v1/broadcasts', { text, audience: {} })
  const done = await waitDone(two, created.body.id)
  assert.deepEqual(done.counts, { total: 150, sent: 150, failed: 0, blocked: 0, remaining: 0, skipped: 0, uncertain: 0 })
  const copies = copiesByChat(emulator, text)
  assert.equal(copies.size, ids.length)
  assert.ok([...copies.values()].every((calls) => calls.length === 1), 'one copy each')
  assert.equal(emulator.sent({ ok: false }).filter((c) => c.error?.error_code === 429).length, 0, 'no 429')
})

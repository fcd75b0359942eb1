/**
 * What the broadcast tests share: the admin token and rate limits they start the app with, an
 * admin API call, customers seeded as the bot writes them, the copies each chat received and
 * waiting for a broadcast to finish.
 */
import type { Database } from '../../src/adapters/postgres/database.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import type { SentCall, TelegramEmulator } from '../../src/sandbox/telegram/index.js'
import type { BotApp } from './bot.js'
import { eventually } from './wait.js'

export const TOKEN = 'test-admin-token-broadcasts-0001'
const headers = { authorization: `Bearer ${TOKEN}` }
/** Limits raised so a broadcast test's own calls are never limited. */
export const LIMITS = JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'api.token': [{ limit: 100_000, windowS: 60 }] })

/** One admin API call with the test token; the body parsed, `undefined` when empty. */
export async function api (bot: BotApp, method: string, url: string, payload?: unknown): Promise<{ status: number, body: any }> {
  const res = await bot.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
}

/** `count` customers who started the bot (rows as the bot writes them, and emulator users who can be written to). */
export async function seedCustomers (database: Database, emulator: TelegramEmulator, first: number, count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, (_, i) => first + i)
  for (const id of ids) emulator.user({ id, firstName: `C${id}`, languageCode: id % 2 === 0 ? 'en' : 'ru', started: true })
  for (let i = 0; i < ids.length; i += 500) {
    await database.db.insert(customer).values(ids.slice(i, i + 500).map((id) => ({ telegramId: id, firstName: `C${id}`, language: id % 2 === 0 ? 'en' : 'ru' })))
  }
  return ids
}

/** The broadcast copies each chat received (successful sends of the broadcast's text). */
export function copiesByChat (emulator: TelegramEmulator, text: string): Map<number, SentCall[]> {
  const byChat = new Map<number, SentCall[]>()
  for (const call of emulator.sent({ method: 'sendMessage', ok: true })) {
    if (call.params.text !== text) continue
    const chat = Number(call.chatId)
    byChat.set(chat, [...(byChat.get(chat) ?? []), call])
  }
  return byChat
}

export async function waitDone (bot: BotApp, id: string, timeoutMs = 90_000): Promise<any> {
  return await eventually(`broadcast ${id} done`, async () => {
    const { body } = await api(bot, 'GET', `/api/v1/broadcasts/${id}`)
    return body.state === 'done' ? body : undefined
  }, { timeoutMs, intervalMs: 200 })
}

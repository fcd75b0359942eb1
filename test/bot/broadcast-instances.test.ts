// Issue 16 / decision 0060's open point: two instances sharing one broadcast at Telegram's own
// global limit (the emulator's 30 messages a second over all chats, as in production) keep the
// global rate together: no 429, no duplicates. Its own file so it runs alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { startBotApp } from '../helpers/bot.js'
import { createTestDb } from '../helpers/db.js'
import { createTestKv } from '../helpers/kv.js'
import { api, copiesByChat, LIMITS, seedCustomers, TOKEN, waitDone } from '../helpers/broadcasts.js'

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

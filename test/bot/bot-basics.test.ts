import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp } from '../helpers/bot.js'

test('/start gets the welcome reply through polling with no 4xx in the emulator log', async (t) => {
  const { emulator } = await startBotApp(t)
  const alice = emulator.user({ firstName: 'Alice', languageCode: 'en' })
  alice.sendText('/start')
  const reply = await alice.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(reply.text ?? '', /Welcome to the shop, Alice!/)
  const refused = emulator.sent().filter((c) => !c.ok)
  assert.deepEqual(refused.map((c) => `${c.method} ${String(c.error?.error_code)}`), [])
})

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

test('a quiet bot keeps its long poll open past the API client\'s 10 s timeout: no poll given up and polled again, and the next message is answered', async (t) => {
  const { emulator, logs } = await startBotApp(t)
  const alice = emulator.user({ firstName: 'Alice', languageCode: 'en' })
  alice.sendText('/start')
  await alice.nextBotMessage({ timeoutMs: 15_000 })
  // the poll after that reply starts waiting; from then on, nothing happens for 12 s
  await new Promise<void>((resolve) => { const off = emulator.on('poll', () => { off(); resolve() }) })
  let polls = 0
  const off = emulator.on('poll', () => { polls++ })
  await new Promise((resolve) => setTimeout(resolve, 12_000))
  off()
  // a poll given up after 10 s (the bot's own API client's timeout) was sent again: a second poll
  assert.equal(polls, 0, 'the one long poll was still waiting')
  alice.sendText('/start')
  assert.match((await alice.nextBotMessage({ timeoutMs: 5_000 })).text ?? '', /Welcome to the shop, Alice!/)
  assert.deepEqual(logs.filter((line) => line.includes('getUpdates failed')), [])
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { freePort, hasRedisServer, startPrivateRedis } from '../helpers/kv.js'
import { callbackAnswered } from '../helpers/wait.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'

test('with Redis stopped the bot still answers: commands work, a step needing the session asks to try again', { skip: hasRedisServer() ? false : 'redis-server is not installed' }, async (t) => {
  const redis = await startPrivateRedis(t, await freePort())
  const kv = createRedisKv({ url: redis.url, prefix: 'botdown', commandTimeoutMs: 300 })
  t.after(() => kv.close())
  const { emulator, database } = await startBotApp(t, { kv })
  const id = await seedProduct(database, { title: 'Kettle', kind: 'physical', amount: 9_000_000 })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 15_000 })
  const card = await user.nextBotMessage()
  user.pressButton(card, '🛒 Buy')
  assert.match((await user.nextBotMessage()).text ?? '', /How many/)
  await redis.kill()
  user.sendText('/help')
  assert.match((await user.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /How to buy/)
  user.sendText('2')
  assert.match((await user.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /temporarily unavailable\. Please try again in a moment/)
  user.sendText('/cancel')
  assert.match((await user.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /nothing to cancel|Cancelled/)
})

test('a customer over the bot.message limit is told to slow down once, then the bot stays quiet', async (t) => {
  const { emulator } = await startBotApp(t, { env: { RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 4, windowS: 60 }] }) } })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText('/language')
  const prompt = await user.nextBotMessage({ timeoutMs: 15_000 })
  for (let i = 0; i < 3; i++) {
    user.sendText('/help')
    assert.match((await user.nextBotMessage()).text ?? '', /How to buy/)
  }
  user.sendText('/help')
  assert.match((await user.nextBotMessage()).text ?? '', /Too many messages\. Please wait \d+ s/)
  user.sendText('/help')
  const sent = emulator.sent({ method: 'sendMessage', chatId: user.id }).length
  const queryId = user.pressButton(prompt, 'English')
  await callbackAnswered(emulator, queryId)
  assert.notEqual(emulator.callbackQuery(queryId)?.answer, undefined, 'the button was still answered')
  assert.equal(emulator.callbackQuery(queryId)?.answer?.text, undefined, 'quietly')
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: user.id }).length, sent, 'no more messages in the window')
})

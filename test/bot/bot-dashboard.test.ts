// Issue 17 point 1: `/dashboard` sends a Telegram user whose id is in ADMIN_IDS a one-time
// dashboard login link (write scope, 15 minutes), with no link preview; anyone else gets what any
// unknown command gets. The link logs in once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBotApp } from '../helpers/bot.js'
import { TEXTS } from '../../src/adapters/telegram/texts.js'
import { loadConfig } from '../../src/config.js'

test('/dashboard gives an admin a one-time write login link, and a customer nothing of the kind', async (t) => {
  const { emulator, url } = await startBotApp(t, { env: { ADMIN_IDS: '4242, 77' } })
  const admin = emulator.user({ id: 4242, firstName: 'Owner', languageCode: 'ru' })
  admin.sendText('/dashboard')
  const reply = await admin.nextBotMessage({ timeoutMs: 15_000 })
  const link = /(http:\/\/\S+\/login\?code=[A-Za-z0-9_-]{43})/.exec(reply.text ?? '')?.[1]
  assert.ok(link, reply.text)
  assert.ok((reply.text ?? '').startsWith(TEXTS.ru.dashboardLink.split('{')[0]!), 'in the admin\'s language')
  const code = new URL(link).searchParams.get('code')
  const first = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })
  assert.equal(first.status, 200)
  assert.deepEqual(await first.json(), { scope: 'write' })
  const again = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })
  assert.equal(again.status, 401)
  const stranger = emulator.user({ id: 5151, firstName: 'Customer', languageCode: 'en' })
  stranger.sendText('/dashboard')
  const answer = await stranger.nextBotMessage({ timeoutMs: 15_000 })
  assert.doesNotMatch(answer.text ?? '', /login\?code=/)
})

test('ADMIN_IDS must be a list of Telegram user ids', () => {
  assert.deepEqual(loadConfig({ ADMIN_IDS: '1, 22,333' }).bot.adminIds, [1, 22, 333])
  assert.deepEqual(loadConfig({}).bot.adminIds, [])
  for (const bad of ['abc', '1,,2', '-5', '1;2', '0']) {
    assert.throws(() => loadConfig({ ADMIN_IDS: bad }), /ADMIN_IDS: must be a comma-separated list of Telegram user ids/, bad)
  }
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { startBotApp, WEBHOOK_SECRET } from '../helpers/bot.js'
import { eventually } from '../helpers/wait.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import { signInitData } from '../../src/adapters/telegram/webapp-auth.js'
import { BotTokenRejectedError, createShopBot } from '../../src/adapters/telegram/bot.js'
import type { BotServices } from '../../src/adapters/telegram/context.js'
import { initialSession, type BotSession } from '../../src/adapters/telegram/session.js'
import { createSessionStore } from '../../src/adapters/redis/session-storage.js'
import { createMemoryKv } from '../../src/adapters/redis/memory-kv.js'
import { loadConfig } from '../../src/config.js'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'

const startUpdate = (updateId: number, userId: number): Record<string, unknown> => ({
  update_id: updateId,
  message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { id: userId, type: 'private', first_name: 'Dup' }, from: { id: userId, is_bot: false, first_name: 'Dup', language_code: 'en' }, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] }
})

test('webhook mode registers the webhook with the secret, and the emulator\'s pushes are answered', async (t) => {
  const { app, emulator, url } = await startBotApp(t, { mode: 'webhook' })
  // the emulator records a call once it has performed it; getWebhookInfo follows setWebhook at start
  await emulator.waitFor((c) => c.method === 'setWebhook', { includePast: true, timeoutMs: 15_000 })
  await emulator.waitFor((c) => c.method === 'getWebhookInfo', { includePast: true, timeoutMs: 15_000 })
  const hook = emulator.webhook()
  assert.equal(hook?.url, `${url}/telegram/webhook`)
  assert.equal(hook?.secretToken, WEBHOOK_SECRET)
  const params = emulator.sent({ method: 'setWebhook' })[0]?.params ?? {}
  const allowed = typeof params.allowed_updates === 'string' ? JSON.parse(params.allowed_updates) as string[] : params.allowed_updates as string[]
  assert.deepEqual(allowed, ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'])
  assert.equal(String(params.drop_pending_updates), 'false')
  const user = emulator.user({ languageCode: 'en' })
  user.sendText('/start')
  assert.match((await user.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /Welcome/)
  // the reply is sent while the update is handled; the update counts as handled, and leaves
  // Telegram's queue, once the webhook has answered the push
  await emulator.waitForDelivery((d) => d.ok, { includePast: true, timeoutMs: 15_000 })
  await app.telegram!.refreshWebhookInfo()
  const metrics = (await app.inject({ url: '/metrics' })).body
  assert.match(metrics, /^bozor_telegram_webhook_pending_updates 0$/m)
  assert.match(metrics, /^bozor_telegram_webhook_last_error\{message=""\} 0$/m)
  assert.match(metrics, /^bozor_telegram_updates_total\{outcome="handled"\} 1$/m)
})

test('the webhook refuses a missing or wrong secret with 401 and a non-update with 400, handling nothing', async (t) => {
  const { app, emulator } = await startBotApp(t, { mode: 'webhook' })
  const before = emulator.sent({ method: 'sendMessage' }).length
  const body = startUpdate(1, 4242)
  const missing = await app.inject({ method: 'POST', url: '/telegram/webhook', payload: body })
  assert.equal(missing.statusCode, 401)
  assert.equal(missing.json().code, 'ERR_AUTH')
  const wrong = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': 'nope' }, payload: body })
  assert.equal(wrong.statusCode, 401)
  const bad = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, payload: { hello: 1 } })
  assert.equal(bad.statusCode, 400)
  const broken = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET, 'content-type': 'application/json' }, payload: '{"update_id":' })
  assert.equal(broken.statusCode, 400)
  assert.equal(emulator.sent({ method: 'sendMessage' }).length, before)
})

test('the same update delivered twice, and to two instances, is handled once', async (t) => {
  const first = await startBotApp(t, { mode: 'webhook' })
  const second = await startBotApp(t, { mode: 'webhook', emulator: first.emulator, database: first.database, kv: first.kv })
  first.emulator.user({ id: 31337, started: true })
  const headers = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }
  const update = startUpdate(777001, 31337)
  const answers = await Promise.all([
    first.app.inject({ method: 'POST', url: '/telegram/webhook', headers, payload: update }),
    first.app.inject({ method: 'POST', url: '/telegram/webhook', headers, payload: update }),
    second.app.inject({ method: 'POST', url: '/telegram/webhook', headers, payload: update })
  ])
  assert.deepEqual(answers.map((a) => a.statusCode), [200, 200, 200])
  assert.equal(answers[0]!.body, '')
  // Telegram is no browser: the answer carries none of helmet's page headers (decision 0067)
  assert.equal(answers[0]!.headers['content-security-policy'], undefined)
  assert.equal(answers[0]!.headers['x-frame-options'], undefined)
  const helps = first.emulator.sent({ method: 'sendMessage', chatId: 31337 })
  console.log([...first.logs, ...second.logs].filter((l) => l.includes('handler failed')).join('\n').slice(0, 1500))
  assert.equal(helps.length, 1, JSON.stringify(helps.map((h) => h.params.text)))
  assert.match(String(helps[0]!.params.text), /How to buy/)
  assert.match((await first.app.inject({ url: '/metrics' })).body, /^bozor_telegram_updates_total\{outcome="duplicate"\} 1$/m)
  assert.match((await second.app.inject({ url: '/metrics' })).body, /^bozor_telegram_updates_total\{outcome="duplicate"\} 1$/m)
})

test('Bot API faults: 429 is waited out, 403 marks the customer blocked, chat not found is logged and not retried', async (t) => {
  const { emulator, database, logs } = await startBotApp(t)
  const user = emulator.user({ languageCode: 'en' })
  emulator.faults.inject({ kind: 'retry_after', method: 'sendMessage', chatId: user.id, retryAfter: 1 })
  user.sendText('/help')
  assert.match((await user.nextBotMessage({ timeoutMs: 20_000 })).text ?? '', /How to buy/)
  const calls = emulator.sent({ method: 'sendMessage', chatId: user.id })
  assert.deepEqual(calls.map((c) => c.ok), [false, true])
  assert.ok(calls[1]!.at - calls[0]!.at >= 1000, 'waited retry_after')

  const blocker = emulator.user({ languageCode: 'en' })
  blocker.sendText('/start')
  await blocker.nextBotMessage({ timeoutMs: 15_000 })
  emulator.faults.inject({ kind: 'blocked', method: 'sendMessage', chatId: blocker.id })
  blocker.sendText('/help')
  await eventually('the customer marked blocked', async () => {
    const [row] = await database.db.select().from(customer).where(eq(customer.telegramId, blocker.id))
    return row?.blockedAt != null ? true : undefined
  })
  const [row] = await database.db.select().from(customer).where(eq(customer.telegramId, blocker.id))
  assert.notEqual(row?.blockedAt, null)
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: blocker.id, ok: false }).length, 1, '403 is not retried')
  // writing again lifts the mark (the customer is reachable again)
  blocker.sendText('/help')
  assert.match((await blocker.nextBotMessage({ timeoutMs: 15_000 })).text ?? '', /How to buy/)
  const [again] = await database.db.select().from(customer).where(eq(customer.telegramId, blocker.id))
  assert.equal(again?.blockedAt, null)

  const lost = emulator.user({ languageCode: 'en' })
  emulator.faults.inject({ kind: 'chat_not_found', method: 'sendMessage', chatId: lost.id })
  lost.sendText('/help')
  // the handler failed: the customer still gets an apology, and the error is logged with the update id
  // (the refused call and the failure are logged before the apology is sent)
  const apology = await lost.nextBotMessage({ timeoutMs: 15_000 })
  assert.match(apology.text ?? '', /Sorry, something went wrong/)
  assert.ok(logs.some((l) => l.includes('update handler failed') && /"updateId":\d+/.test(l)))
  const line = logs.find((l) => l.includes('chat not found'))
  assert.ok(line !== undefined && line.includes(String(lost.id)) && line.includes('sendMessage'))
  assert.ok(!logs.some((l) => l.includes(emulator.token.split(':')[1]!)), 'the token never appears in logs')
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: lost.id }).filter((c) => String(c.params.text).includes('How to buy')).length, 1, 'not retried')
})

test('a dropped connection is retried; a rejected token at start stops the app with a clear error', async (t) => {
  const { emulator } = await startBotApp(t)
  const user = emulator.user({ languageCode: 'en' })
  emulator.faults.inject({ kind: 'drop', method: 'sendMessage', chatId: user.id })
  user.sendText('/help')
  assert.match((await user.nextBotMessage({ timeoutMs: 20_000 })).text ?? '', /How to buy/)
  // a slow Bot API answer is waited for, not duplicated
  emulator.faults.inject({ kind: 'slow', method: 'sendMessage', chatId: user.id, delayMs: 1500 })
  user.sendText('/paysupport')
  assert.match((await user.nextBotMessage({ timeoutMs: 20_000 })).text ?? '', /Telegram support cannot help/)
  assert.equal(emulator.sent({ method: 'sendMessage', chatId: user.id }).filter((c) => String(c.params.text).includes('Telegram support cannot help')).length, 1)
  emulator.faults.inject({ kind: 'unauthorized', method: 'getMe' })
  const sessions = createSessionStore<BotSession>({ kv: createMemoryKv({ prefix: 't' }), ttlMs: 60_000, initial: initialSession })
  const bot = createShopBot({ token: emulator.token, apiRoot: emulator.url!, services: { config: loadConfig({}), logger: { warn () {}, info () {}, debug () {} } } as unknown as BotServices, sessions })
  await assert.rejects(bot.init(), (err: unknown) => err instanceof BotTokenRejectedError && /BOT_TOKEN was rejected by Telegram/.test(err.message))
})

test('Mini App initData: a signed one is accepted; tampered, unsigned, duplicated and stale ones get 401', async (t) => {
  const { app, emulator } = await startBotApp(t, { mode: 'webhook' })
  const now = Math.floor(Date.now() / 1000)
  const fields = { query_id: 'AAH1', user: JSON.stringify({ id: 42, first_name: 'Dina' }), auth_date: String(now - 10), signature: 'abc' }
  const good = signInitData(fields, emulator.token)
  const ok = await app.inject({ method: 'POST', url: '/telegram/webapp/auth', payload: { initData: good } })
  assert.equal(ok.statusCode, 200)
  assert.deepEqual(ok.json(), { user: { id: 42, first_name: 'Dina' }, authDate: now - 10 })
  const refuse = async (initData: string): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webapp/auth', payload: { initData } })
    assert.equal(res.statusCode, 401, initData)
    assert.equal(res.json().code, 'ERR_AUTH')
  }
  await refuse(good.replace('Dina', 'Dino'))
  await refuse(good.replace(/&?hash=[0-9a-f]+/, ''))
  await refuse(`${good}&auth_date=${now}`)
  await refuse(signInitData({ ...fields, auth_date: String(now - 3601) }, emulator.token))
  await refuse(signInitData(fields, '7000000002:AAH-another-bot-token-for-the-tests'))
  assert.equal((await app.inject({ method: 'POST', url: '/telegram/webapp/auth', payload: {} })).statusCode, 400)
})

test('while Telegram is unreachable the server still serves; a rejected token at start is fatal', async (t) => {
  const emulator = createTelegramEmulator()
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  emulator.faults.inject({ kind: 'server_error', method: 'getMe', times: 2 })
  const { app } = await startBotApp(t, { emulator })
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  const user = emulator.user({ languageCode: 'en' })
  user.sendText('/help')
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /How to buy/)

  const other = createTelegramEmulator()
  await other.start({ host: '127.0.0.1', port: 0 })
  t.after(() => other.close())
  other.faults.inject({ kind: 'unauthorized', method: 'getMe' })
  let fatal: (error: Error) => void = () => {}
  const failed = new Promise<Error>((resolve) => { fatal = resolve })
  await startBotApp(t, { emulator: other, mode: 'webhook', onFatal: (error) => fatal(error) })
  assert.match((await failed).message, /BOT_TOKEN was rejected by Telegram/)
})

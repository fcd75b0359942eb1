// Telegram Bot API emulator: getUpdates offsets and long polling, webhooks with the secret
// header and redelivery, flood control (429 + retry_after), fault injection, blocking.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createTelegramEmulator, type TelegramEmulator, type TgUpdate } from '../../src/sandbox/telegram/index.js'

/** Resolves when the emulator holds a waiting long poll. */
async function pollWaiting (tg: TelegramEmulator): Promise<void> {
  await new Promise<void>((resolve) => {
    const off = tg.on('poll', () => {
      off()
      resolve()
    })
  })
}

interface Envelope { ok: boolean, result?: any, error_code?: number, description?: string, parameters?: { retry_after?: number } }

async function setup (t: { after: (fn: () => Promise<void>) => void }, opts: Parameters<typeof createTelegramEmulator>[0] = {}): Promise<{
  tg: TelegramEmulator
  call: (method: string, params?: Record<string, unknown>) => Promise<{ status: number, body: Envelope }>
}> {
  const tg = createTelegramEmulator(opts)
  const { url } = await tg.start()
  t.after(async () => { await tg.close() })
  const call = async (method: string, params: Record<string, unknown> = {}): Promise<{ status: number, body: Envelope }> => {
    const res = await fetch(`${url}/bot${tg.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) })
    return { status: res.status, body: await res.json() as Envelope }
  }
  return { tg, call }
}

/** A webhook receiver answering with the given statuses in turn (then 200). */
async function receiver (t: { after: (fn: () => Promise<void>) => void }, statuses: number[]): Promise<{ url: string, hits: Array<{ headers: IncomingHttpHeaders, update: TgUpdate }> }> {
  const hits: Array<{ headers: IncomingHttpHeaders, update: TgUpdate }> = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      hits.push({ headers: req.headers, update: JSON.parse(body) as TgUpdate })
      res.writeHead(statuses.shift() ?? 200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/webhook`, hits }
}

test('getUpdates confirms by offset and a negative offset keeps the last ones', async (t) => {
  const { tg, call } = await setup(t)
  const alice = tg.user({ firstName: 'Alice' })
  for (const text of ['one', 'two', 'three', 'four']) alice.sendText(text)
  const all = (await call('getUpdates')).body.result as TgUpdate[]
  assert.deepEqual(all.map((u) => u.message?.text), ['one', 'two', 'three', 'four'])
  const ids = all.map((u) => u.update_id)
  assert.deepEqual(ids, [ids[0], ids[0] + 1, ids[0] + 2, ids[0] + 3])
  const rest = (await call('getUpdates', { offset: ids[1] })).body.result as TgUpdate[]
  assert.deepEqual(rest.map((u) => u.message?.text), ['two', 'three', 'four'])
  const again = (await call('getUpdates')).body.result as TgUpdate[]
  assert.equal(again[0]?.message?.text, 'two', 'confirmed updates are gone')
  const limited = (await call('getUpdates', { limit: 1 })).body.result as TgUpdate[]
  assert.equal(limited.length, 1)
  const last = (await call('getUpdates', { offset: -1 })).body.result as TgUpdate[]
  assert.deepEqual(last.map((u) => u.message?.text), ['four'])
  assert.deepEqual(tg.pendingUpdates().map((u) => u.message?.text), ['four'])
  assert.deepEqual((await call('getUpdates', { offset: (ids[3] as number) + 1 })).body.result, [])
})

test('a long poll resolves as soon as an update arrives', async (t) => {
  const { tg, call } = await setup(t)
  const alice = tg.user()
  const waiting = pollWaiting(tg)
  const poll = call('getUpdates', { timeout: 50 })
  await waiting
  alice.sendText('wake up')
  const { body } = await poll
  assert.equal((body.result as TgUpdate[])[0]?.message?.text, 'wake up')
})

test('a second poller ends the first with 409 Conflict', async (t) => {
  const { tg, call } = await setup(t)
  const waiting = pollWaiting(tg)
  const first = call('getUpdates', { timeout: 50 })
  await waiting
  const second = call('getUpdates', { timeout: 0 })
  const [a, b] = await Promise.all([first, second])
  assert.equal(a.status, 409)
  assert.match(a.body.description ?? '', /^Conflict: terminated by other getUpdates request/)
  assert.deepEqual(b.body.result, [])
})

test('updates older than 24 hours are dropped', async (t) => {
  const clock = new FakeClock()
  const { tg, call } = await setup(t, { clock })
  tg.user().sendText('old news')
  clock.advance(25 * 3600_000)
  assert.deepEqual((await call('getUpdates')).body.result, [])
})

test('getUpdates answers 409 while a webhook is set', async (t) => {
  const { call } = await setup(t)
  const set = await call('setWebhook', { url: 'https://shop.example/telegram/webhook', secret_token: 's3cret' })
  assert.deepEqual(set.body, { ok: true, result: true, description: 'Webhook was set' })
  const poll = await call('getUpdates')
  assert.equal(poll.status, 409)
  assert.equal(poll.body.description, 'Conflict: can\'t use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first')
  await call('deleteWebhook')
  assert.equal((await call('getUpdates')).body.ok, true)
})

test('setWebhook validates the secret token', async (t) => {
  const { call } = await setup(t)
  for (const secret of ['has space', 'a'.repeat(257), 'ünïcode', '']) {
    const res = await call('setWebhook', { url: 'https://shop.example/hook', secret_token: secret })
    assert.equal(res.status, 400, secret)
  }
  assert.equal((await call('setWebhook', { url: 'https://shop.example/hook', secret_token: 'A-z_09'.repeat(42) })).body.ok, true)
})

test('webhook pushes carry the secret header and a 500 is redelivered', async (t) => {
  const hook = await receiver(t, [500])
  const { tg, call } = await setup(t, { limits: { webhookRetryBaseMs: 10 } })
  await call('setWebhook', { url: hook.url, secret_token: 'hook_secret-1' })
  const alice = tg.user()
  const sent = alice.sendText('hello hook')
  const second = await tg.waitForDelivery((d) => d.ok, { includePast: true })
  assert.equal(second.attempt, 2)
  assert.deepEqual(tg.deliveries.map((d) => [d.status, d.attempt]), [[500, 1], [200, 2]])
  assert.equal(hook.hits.length, 2)
  assert.equal(hook.hits[0]?.update.update_id, hook.hits[1]?.update.update_id)
  assert.equal(hook.hits[1]?.update.message?.message_id, sent.message_id)
  assert.equal(hook.hits[0]?.headers['x-telegram-bot-api-secret-token'], 'hook_secret-1')
  const info = (await call('getWebhookInfo')).body.result
  assert.equal(info.url, hook.url)
  assert.equal(info.pending_update_count, 0)
  assert.equal(info.last_error_message, 'Wrong response from the webhook: 500 Internal Server Error')
  assert.equal(typeof info.last_error_date, 'number')
})

test('an unreachable webhook records the error and drops the update after max attempts', async (t) => {
  const { tg, call } = await setup(t, { limits: { webhookRetryBaseMs: 10, webhookMaxAttempts: 2 } })
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  await call('setWebhook', { url: `http://127.0.0.1:${port}/unreachable` })
  tg.user().sendText('lost')
  const attempt = await tg.waitForDelivery((d) => d.attempt === 2, { includePast: true })
  assert.equal(attempt.status, null)
  assert.equal((await call('getWebhookInfo')).body.result.last_error_message, 'Connection refused')
  assert.equal((await call('getWebhookInfo')).body.result.pending_update_count, 0, 'dropped after max attempts')
})

test('deleteWebhook with drop_pending_updates discards the queue', async (t) => {
  const { tg, call } = await setup(t)
  tg.user().sendText('pending')
  assert.equal((await call('getWebhookInfo')).body.result.pending_update_count, 1)
  await call('deleteWebhook', { drop_pending_updates: true })
  assert.equal((await call('getWebhookInfo')).body.result.pending_update_count, 0)
})

test('per-chat flood control answers 429 with retry_after until time passes', async (t) => {
  const clock = new FakeClock()
  const { tg, call } = await setup(t, { clock })
  const alice = tg.user({ started: true })
  for (let i = 0; i < 5; i++) assert.equal((await call('sendMessage', { chat_id: alice.id, text: `m${i}` })).body.ok, true)
  const limited = await call('sendMessage', { chat_id: alice.id, text: 'too fast' })
  assert.equal(limited.status, 429)
  assert.deepEqual(limited.body, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } })
  clock.advance(1000)
  assert.equal((await call('sendMessage', { chat_id: alice.id, text: 'later' })).body.ok, true)
  assert.equal(tg.sent({ chatId: alice.id, ok: false }).length, 1)
})

test('a group gets at most 20 messages a minute', async (t) => {
  const clock = new FakeClock()
  const { tg, call } = await setup(t, { clock, limits: { globalPerSecond: 1000 } })
  const group = tg.group({ title: 'Admins' })
  for (let i = 0; i < 20; i++) {
    clock.advance(1000)
    assert.equal((await call('sendMessage', { chat_id: group.id, text: `order ${i}` })).body.ok, true)
  }
  const limited = await call('sendMessage', { chat_id: group.id, text: 'one more' })
  assert.equal(limited.status, 429)
  assert.equal(limited.body.parameters?.retry_after, 41)
})

test('the global limit stops bulk sends above 30 per second', async (t) => {
  const clock = new FakeClock()
  const { tg, call } = await setup(t, { clock })
  const users = Array.from({ length: 31 }, () => tg.user({ started: true }))
  const results = []
  for (const u of users) results.push((await call('sendMessage', { chat_id: u.id, text: 'sale!' })).status)
  assert.deepEqual(results.slice(0, 30), Array(30).fill(200))
  assert.equal(results[30], 429)
})

test('each injected fault kind is observed by the next matching call', async (t) => {
  const { tg, call } = await setup(t, { limits: { rateLimits: false } })
  const alice = tg.user({ started: true })
  const expect: Array<[Parameters<typeof tg.faults.inject>[0], number, string]> = [
    [{ kind: 'retry_after', retryAfter: 7, method: 'sendMessage' }, 429, 'Too Many Requests: retry after 7'],
    [{ kind: 'unauthorized' }, 401, 'Unauthorized'],
    [{ kind: 'blocked', chatId: alice.id }, 403, 'Forbidden: bot was blocked by the user'],
    [{ kind: 'chat_not_found', method: 'sendmessage' }, 400, 'Bad Request: chat not found'],
    [{ kind: 'server_error' }, 500, 'Internal Server Error']
  ]
  for (const [spec, status, description] of expect) {
    tg.faults.inject(spec)
    const res = await call('sendMessage', { chat_id: alice.id, text: 'hi' })
    assert.equal(res.status, status)
    assert.equal(res.body.description, description)
    if (spec.kind === 'retry_after') assert.equal(res.body.parameters?.retry_after, 7)
    assert.equal((await call('sendMessage', { chat_id: alice.id, text: 'after' })).body.ok, true, `${spec.kind} fires once`)
  }
  const slow = tg.faults.inject({ kind: 'slow', delayMs: 30, method: 'getMe' })
  assert.equal((await call('getMe')).body.ok, true)
  assert.equal(slow.fired, 1)
  tg.faults.inject({ kind: 'drop', method: 'sendMessage', times: 2 })
  await assert.rejects(call('sendMessage', { chat_id: alice.id, text: 'lost' }))
  await assert.rejects(call('sendMessage', { chat_id: alice.id, text: 'lost' }))
  assert.equal((await call('sendMessage', { chat_id: alice.id, text: 'back' })).body.ok, true)
  tg.faults.inject({ kind: 'chat_not_found', chatId: 1 })
  assert.equal((await call('sendMessage', { chat_id: alice.id, text: 'other chat' })).body.ok, true)
  tg.faults.clear()
})

test('blockBot makes sends fail with 403 and tells the bot through my_chat_member', async (t) => {
  const { tg, call } = await setup(t)
  const alice = tg.user({ started: true })
  tg.blockBot(alice.id)
  const res = await call('sendMessage', { chat_id: alice.id, text: 'promo' })
  assert.deepEqual(res.body, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' })
  const updates = (await call('getUpdates')).body.result as TgUpdate[]
  assert.equal(updates[0]?.my_chat_member?.new_chat_member.status, 'kicked')
  alice.sendText('/start')
  assert.equal((await call('sendMessage', { chat_id: alice.id, text: 'welcome back' })).body.ok, true)
})

test('a webhook reply body performs one API call', async (t) => {
  const { tg, call } = await setup(t)
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      const update = JSON.parse(body) as TgUpdate
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ method: 'sendMessage', chat_id: update.message?.chat.id, text: 'via webhook reply' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  await call('setWebhook', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, max_connections: 5 })
  assert.equal((await call('getWebhookInfo')).body.result.max_connections, 5)
  const alice = tg.user()
  alice.sendText('hi')
  assert.equal((await alice.nextBotMessage()).text, 'via webhook reply')
  assert.equal(tg.sent({ method: 'sendMessage', chatId: alice.id }).length, 1)
})

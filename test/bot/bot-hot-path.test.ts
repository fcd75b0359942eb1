// The bot's hot path keeps its cost (issue 18): a returning customer's update makes at most two
// key-value round trips and no SQL while it is handled; last-seen times are written in batches;
// two writers of one session never lose a write. Cost counters, never timings.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Update } from 'grammy/types'
import { eq } from 'drizzle-orm'
import { loadConfig } from '../../src/config.js'
import { composeServices } from '../../src/compose.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics.js'
import { systemClock } from '../../src/domain/shared/clock.js'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { createUpdateSteps } from '../../src/adapters/redis/update-steps.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import type { TelegramRuntime } from '../../src/adapters/telegram/runtime.js'
import type { BotContext } from '../../src/adapters/telegram/context.js'
import type { Middleware } from 'grammy'
import { captureStream } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { createTestKv } from '../helpers/kv.js'
import { TEST_PAY_LINK_KEY } from '../helpers/pay-links.js'

async function botOnly (t: TestContext, extraFeature?: Middleware<BotContext>, env: Record<string, string> = {}) {
  const emulator = createTelegramEmulator(extraFeature !== undefined ? { limits: { rateLimits: false } } : {})
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const config = loadConfig({ LOG_LEVEL: 'info', TELEGRAM_MODE: 'polling', ...env })
  const logs: string[] = []
  const logger = createLogger({ level: 'info', secrets: [emulator.token], destination: captureStream(logs) })
  const database = await createTestDb(t)
  const kv = await createTestKv(t)
  // composed without an HTTP server: no background job runs, so every counted statement is the bot's
  const services = composeServices({ config, logger, metrics: createMetrics(), database, kv, clock: systemClock, payLinkKey: TEST_PAY_LINK_KEY, lastSeenFlushMs: 3_600_000, analyticsFlushMs: 3_600_000, telegram: { token: emulator.token, apiRoot: emulator.url!, chatGapMs: 0, ...(extraFeature !== undefined ? { extraFeature } : {}) } })
  const runtime = services.telegram as TelegramRuntime
  await runtime.init()
  t.after(() => runtime.stop())
  return { emulator, database, kv, runtime, logs }
}

let nextUpdateId = 1000
function textUpdate (user: { id: number, first_name: string, language_code?: string }, text: string): Update {
  const id = nextUpdateId++
  const command = text.startsWith('/') ? [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]!.length }] : undefined
  return {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: 'private', first_name: user.first_name },
      from: { id: user.id, is_bot: false, first_name: user.first_name, ...(user.language_code !== undefined ? { language_code: user.language_code } : {}) },
      text,
      ...(command !== undefined ? { entities: command } : {})
    }
  } as Update
}

test('a returning customer\'s /start and text cost at most 2 key-value round trips and no SQL; last seen is written in one batch', async (t) => {
  const { emulator, database, kv, runtime } = await botOnly(t)
  const alice = emulator.user({ firstName: 'Alice', languageCode: 'en', started: true })
  const bob = emulator.user({ firstName: 'Bob', languageCode: 'en', started: true })
  const user = (u: typeof alice) => ({ id: u.id, first_name: u.user.first_name, language_code: 'en' })

  // first sight: the customer row is written (the upsert), and cached
  for (const u of [alice, bob]) {
    assert.equal(await runtime.processor.process(textUpdate(user(u), '/start')), 'handled')
  }
  await runtime.processor.idle()
  const before = await database.db.select({ lastSeen: customer.lastSeenAt }).from(customer).where(eq(customer.telegramId, alice.id))
  assert.equal(before.length, 1)

  for (const text of ['/start', 'hello there', '/help']) {
    for (const u of [alice, bob]) {
      const kv0 = { ...kv.stats }
      const db0 = { ...database.stats }
      assert.equal(await runtime.processor.process(textUpdate(user(u), text)), 'handled')
      await runtime.processor.idle()
      const trips = kv.stats.roundTrips - kv0.roundTrips
      assert.ok(trips <= 2, `${text}: ${trips} key-value round trips (budget 2)`)
      assert.equal(database.stats.statements - db0.statements, 0, `${text}: SQL statements while handling a returning customer`)
      assert.equal(database.stats.commits - db0.commits, 0)
    }
  }
  const replies = emulator.sent().filter((c) => c.method === 'sendMessage')
  assert.ok(replies.length >= 8, 'every update was answered')

  // the sightings of both customers: one statement
  const db1 = { ...database.stats }
  await runtime.stop()
  assert.equal(database.stats.statements - db1.statements, 1)
  const after = await database.db.select({ lastSeen: customer.lastSeenAt }).from(customer).where(eq(customer.telegramId, alice.id))
  assert.ok(after[0]!.lastSeen.getTime() >= before[0]!.lastSeen.getTime())
})

test('a changed name or a language chosen in the bot reaches the customer row; a duplicate update is claimed once', async (t) => {
  const { emulator, database, runtime } = await botOnly(t)
  const carol = emulator.user({ firstName: 'Carol', languageCode: 'en', started: true })
  await runtime.processor.process(textUpdate({ id: carol.id, first_name: 'Carol', language_code: 'en' }, '/start'))
  await runtime.processor.idle()
  const db0 = { ...database.stats }
  await runtime.processor.process(textUpdate({ id: carol.id, first_name: 'Caroline', language_code: 'en' }, 'hi'))
  await runtime.processor.idle()
  assert.equal(database.stats.statements - db0.statements, 1, 'a changed name is upserted at once')
  const [row] = await database.db.select({ firstName: customer.firstName }).from(customer).where(eq(customer.telegramId, carol.id))
  assert.equal(row!.firstName, 'Caroline')
  const again = textUpdate({ id: carol.id, first_name: 'Caroline', language_code: 'en' }, 'hi')
  assert.equal(await runtime.processor.process(again), 'handled')
  assert.equal(await runtime.processor.process(again), 'duplicate')
})

test('two writers of one session: the compare-and-set of the last step refuses the stale one (no lost write)', async (t) => {
  const kv = await createTestKv(t)
  const a = createUpdateSteps({ kv, policies: {}, sessionTtlMs: 60_000 })
  const b = createUpdateSteps({ kv, policies: {}, sessionTtlMs: 60_000 })
  const key = '777'
  const dedupe = (n: number) => kv.keys.taggedKey('tg', [key], 'upd', n)
  const readA = await a.begin({ dedupeKey: dedupe(1), dedupeTtlMs: 60_000, sessionKey: key })
  const readB = await b.begin({ dedupeKey: dedupe(2), dedupeTtlMs: 60_000, sessionKey: key })
  assert.equal(readA.session!.ver, readB.session!.ver)
  const [wa, wb] = await Promise.all([
    a.end({ activity: [], session: { key, baseVersion: readA.session!.ver, value: { from: 'a' } } }),
    b.end({ activity: [], session: { key, baseVersion: readB.session!.ver, value: { from: 'b' } } })
  ])
  assert.equal([wa.sessionWritten, wb.sessionWritten].filter(Boolean).length, 1, 'exactly one of two racing writes is taken; the other is told to merge')
  const kv0 = { ...kv.stats }
  const again = await a.begin({ dedupeKey: dedupe(1), dedupeTtlMs: 60_000, sessionKey: key })
  assert.equal(again.claimed, false)
  assert.equal(kv.stats.roundTrips - kv0.roundTrips, 1)
})

test('updates of one chat arriving at once each change the session: none of the changes is lost', async (t) => {
  // every update adds one to a counter in the chat's session (the benchmark's measure of lost
  // writes: a bare grammY bot with storage-redis reads, changes and SETs, so two updates of one
  // chat in flight at once overwrite each other's change)
  const counting: Middleware<BotContext> = async (ctx, next) => {
    const session = await ctx.session as { n?: number }
    session.n = (session.n ?? 0) + 1
    await next()
  }
  // the customer's limiter (5 messages in 3 s by default) would refuse most of them before the session
  const { emulator, kv, runtime } = await botOnly(t, counting, { RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 60 }] }) })
  const dana = emulator.user({ firstName: 'Dana', languageCode: 'en', started: true })
  const user = { id: dana.id, first_name: 'Dana', language_code: 'en' }
  const updates = Array.from({ length: 40 }, (_, i) => textUpdate(user, i % 2 === 0 ? '/start' : `hello ${i}`))
  const outcomes = await Promise.all(updates.map((u) => runtime.processor.process(u)))
  assert.deepEqual(new Set(outcomes), new Set(['handled']))
  await runtime.processor.idle()
  const stored = await kv.getVersioned<{ n?: number }>(kv.keys.taggedKey('sess', [String(dana.id)]))
  assert.equal(stored.data?.n, 40, 'every update\'s change to the session was kept')
  assert.ok(emulator.sent({ chatId: dana.id, method: 'sendMessage' }).length >= 40, 'every update was answered')
})

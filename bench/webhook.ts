// `npm run bench -- webhook`: Telegram webhook updates (/start and text from 10,000 users) through
// Bozor on PostgreSQL + Redis against grammY + @grammyjs/storage-redis behind the same Fastify,
// both answering through one fake Bot API on loopback. Rounds alternate between the two after a
// warm-up; the median round is reported with Bozor's cost per update (key-value round trips and
// commands, SQL statements and commits), read from the stores' own counters.
// Usage: npm run bench -- webhook [--seconds 10 --rounds 3 --connections 64 --users 10000 --only bozor]
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import pg from 'pg'
import { Bot, session, webhookCallback, type Context, type Middleware, type SessionFlavor } from 'grammy'
import { Redis } from 'ioredis'
import { RedisAdapter } from '@grammyjs/storage-redis'
import { buildApp } from '../src/app.js'
import { composeServices } from '../src/compose.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import { openDatabase } from '../src/adapters/postgres/database.js'
import { createRedisKv } from '../src/adapters/redis/redis-kv.js'
import { systemClock } from '../src/domain/shared/clock.js'
import type { BotContext } from '../src/adapters/telegram/context.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    users: { type: 'string', default: '10000' },
    // the lost-writes phase: this many chats, each sent this many updates at once
    'race-chats': { type: 'string', default: '100' },
    'race-updates': { type: 'string', default: '10' },
    // `--only bozor` skips the baseline's rounds (for `node --cpu-prof`: a profile of Bozor's side)
    only: { type: 'string' },
    pg: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const users = Number(values.users)
const raceChats = Number(values['race-chats'])
const raceUpdates = Number(values['race-updates'])
// chats of the lost-writes phase (apart from the measured users): both bots count their updates in the session
const RACE_BASE = 900_000_000
const SECRET = 'bench-secret-123'
const TOKEN = '123456:bench-token'

// the fake Bot API: every method succeeds at once
const fake = Fastify({ logger: false })
fake.post('/bot:token/:method', async (request) => {
  const method = (request.params as { method: string }).method
  if (method === 'getMe') return { ok: true, result: { id: 123456, is_bot: true, first_name: 'Bench', username: 'bench_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false } }
  if (method === 'getWebhookInfo') return { ok: true, result: { url: '', has_custom_certificate: false, pending_update_count: 0 } }
  if (method.startsWith('send')) return { ok: true, result: { message_id: 1, date: 0, chat: { id: 1, type: 'private' } } }
  return { ok: true, result: true }
})
await fake.listen({ port: 0, host: '127.0.0.1' })
const apiRoot = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`

// a fresh database for the run
const dbName = `bozor_bench_${process.pid}`
const admin = new pg.Client({ connectionString: values.pg })
await admin.connect()
await admin.query(`create database ${dbName}`)
const dbUrl = new URL(values.pg)
dbUrl.pathname = `/${dbName}`

let nextId = 1
function body (chat?: number): string {
  const id = nextId++
  const user = chat ?? 700_000_000 + (id % users)
  const text = id % 2 === 0 ? '/start' : 'hello'
  return JSON.stringify({
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user, type: 'private', first_name: 'U' },
      from: { id: user, is_bot: false, first_name: 'U', language_code: 'en' },
      text,
      ...(text === '/start' ? { entities: [{ type: 'bot_command', offset: 0, length: 6 }] } : {})
    }
  })
}

async function round (url: string): Promise<{ rps: number, p99: number, errors: number, count: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx, count: result.requests.total }
}

// baseline: grammY + storage-redis, the same two replies, sessions in Redis
const baselineRedis = new Redis(values.redis, { keyPrefix: `bench${process.pid}:` })
type BaseContext = Context & SessionFlavor<{ n: number }>
const baseBot = new Bot<BaseContext>(TOKEN, { client: { apiRoot }, botInfo: { id: 123456, is_bot: true, first_name: 'Bench', username: 'bench_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false } as never })
const baselineSessions = new RedisAdapter<{ n: number }>({ instance: baselineRedis })
baseBot.use(session({ initial: () => ({ n: 0 }), storage: baselineSessions }))
baseBot.command('start', async (ctx) => { ctx.session.n++; await ctx.reply('Welcome') })
baseBot.on('message', async (ctx) => { ctx.session.n++; await ctx.reply('I did not understand') })
const baseline = Fastify({ logger: false })
baseline.post('/telegram/webhook', webhookCallback(baseBot, 'fastify', { secretToken: SECRET }))
await baseline.listen({ port: 0, host: '127.0.0.1' })
const baselineUrl = `http://127.0.0.1:${(baseline.server.address() as { port: number }).port}/telegram/webhook`

// Bozor in webhook mode
const config = loadConfig({ LOG_LEVEL: 'warn', TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: SECRET, PUBLIC_URL: 'https://bench.example', DATABASE_URL: dbUrl.toString(), REDIS_URL: values.redis, RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 100000, windowS: 3 }] }) })
const logger = createLogger({ level: 'warn' })
const database = await openDatabase({ databaseUrl: dbUrl.toString(), dataDir: '/tmp', logger })
await database.migrate()
const kv = createRedisKv({ url: values.redis, prefix: `bench${process.pid}b`, commandTimeoutMs: 2000 })
// in the race chats only, Bozor counts its updates in the session as the baseline does (the measured path is unchanged)
const counting: Middleware<BotContext> = async (ctx, next) => {
  if ((ctx.chat?.id ?? 0) >= RACE_BASE) {
    const s = await ctx.session as { n?: number }
    s.n = (s.n ?? 0) + 1
  }
  await next()
}
const app = await buildApp(composeServices({ config, logger, metrics: createMetrics(), database, kv, clock: systemClock, telegram: { token: TOKEN, apiRoot, extraFeature: counting } }))
await app.listen({ port: 0, host: '127.0.0.1' })
const bozorUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/telegram/webhook`

const results: Record<'baseline' | 'bozor', Array<Awaited<ReturnType<typeof round>>>> = { baseline: [], bozor: [] }
const cost = { updates: 0, roundTrips: 0, commands: 0, statements: 0, commits: 0 }
// warm-up: every user seen once by both (the rounds then measure returning customers)
for (const url of [baselineUrl, bozorUrl]) {
  nextId = Math.ceil(nextId / users) * users
  await autocannon({ url, method: 'POST', connections, amount: users, headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }] })
}
for (let r = 0; r < rounds; r++) {
  if (values.only !== 'bozor') results.baseline.push(await round(baselineUrl))
  const kv0 = { ...kv.stats }
  const db0 = { ...database.stats }
  const measured = await round(bozorUrl)
  results.bozor.push(measured)
  cost.updates += measured.count
  cost.roundTrips += kv.stats.roundTrips - kv0.roundTrips
  cost.commands += kv.stats.commands - kv0.commands
  cost.statements += database.stats.statements - db0.statements
  cost.commits += database.stats.commits + database.stats.autocommits - db0.commits - db0.autocommits
}
// lost session writes: every race chat gets `raceUpdates` updates at once, each adding one to the
// chat's session counter; what the counters miss of raceChats × raceUpdates was overwritten
async function race (url: string, read: (chat: number) => Promise<number>): Promise<{ sent: number, counted: number, failed: number }> {
  let failed = 0
  const posts: Array<Promise<void>> = []
  for (let c = 0; c < raceChats; c++) {
    for (let u = 0; u < raceUpdates; u++) {
      posts.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: body(RACE_BASE + c) })
        .then(async (res) => { await res.arrayBuffer(); if (!res.ok) failed++ }, () => { failed++ }))
    }
  }
  await Promise.all(posts)
  let counted = 0
  for (let c = 0; c < raceChats; c++) counted += await read(RACE_BASE + c)
  return { sent: raceChats * raceUpdates, counted, failed }
}
const lost: Record<string, Awaited<ReturnType<typeof race>>> = {}
if (values.only !== 'bozor') lost['grammY + storage-redis'] = await race(baselineUrl, async (chat) => (await baselineSessions.read(String(chat)))?.n ?? 0)
lost.bozor = await race(bozorUrl, async (chat) => (await kv.getVersioned<{ n?: number }>(kv.keys.taggedKey('sess', [String(chat)]))).data?.n ?? 0)

const median = (list: Array<Awaited<ReturnType<typeof round>>>) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!
const z = median(results.bozor)
const b = results.baseline.length > 0 ? median(results.baseline) : { rps: Number.NaN, p99: Number.NaN, errors: 0, count: 0 }
for (const [name, r] of [['grammY + storage-redis', b], ['bozor', z]] as const) {
  console.log(`${name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} updates/s  p99 ${r.p99} ms  errors ${r.errors}`)
}
console.log(`ratio bozor/baseline: ${(z.rps / b.rps).toFixed(2)}  (${rounds} rounds of ${seconds} s, ${connections} connections, ${users} users; median round)`)
for (const [name, r] of Object.entries(lost)) {
  console.log(`lost session writes, ${name}: ${r.sent - r.counted} of ${r.sent} (${raceChats} chats × ${raceUpdates} updates at once; ${r.failed} requests failed)`)
}
const per = (n: number) => (n / Math.max(1, cost.updates)).toFixed(2)
console.log(`bozor cost per update: ${per(cost.roundTrips)} Redis round trips, ${per(cost.commands)} commands, ${per(cost.statements)} SQL statements, ${per(cost.commits)} commits (background writes included)`)

await app.close()
await baseline.close()
await fake.close()
await kv.close()
await database.close()
baselineRedis.disconnect()
await admin.query(`drop database ${dbName} with (force)`)
await admin.end()

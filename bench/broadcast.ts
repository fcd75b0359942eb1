// `npm run bench -- broadcast`: one broadcast to N customers (default 10,000) through the Telegram
// emulator with Telegram's own limits (30 messages a second over all chats, one a second per
// chat), at BROADCAST_RATE (default 30). Prints the achieved rate (first to last copy the
// emulator accepted) as a share of the configured one, and the 429s the emulator answered.
// The emulator runs in a child process (bench/telegram-process.ts): Telegram's clock is not the bot's.
// Usage: npm run bench -- broadcast [--recipients 10000 --rate 30]
// Storage: in-memory PGlite and the memory store; DATABASE_URL and REDIS_URL switch to the services.
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.js'
import { composeServices } from '../src/compose.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import { openDatabase, IN_MEMORY } from '../src/adapters/postgres/database.js'
import { customer } from '../src/adapters/postgres/schema.js'
import { createMemoryKv } from '../src/adapters/redis/memory-kv.js'
import { createRedisKv } from '../src/adapters/redis/redis-kv.js'
import { systemClock } from '../src/domain/shared/clock.js'
import { spawn } from 'node:child_process'
import { once } from 'node:events'

const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== 'broadcast'), options: { recipients: { type: 'string', default: '10000' }, rate: { type: 'string', default: '30' } } })
const recipients = Number(values.recipients)
const rate = Number(values.rate)
const TOKEN = 'bench-admin-token-broadcast-0001'

const FIRST_ID = 800_000_001
const child = spawn(process.execPath, ['--import', 'tsx', new URL('./telegram-process.ts', import.meta.url).pathname, String(FIRST_ID), String(recipients)], { stdio: ['ignore', 'pipe', 'inherit'] })
const [line] = await once(child.stdout, 'data') as [Buffer]
const telegram = JSON.parse(line.toString('utf8').trim()) as { url: string, token: string, stats: string }
const config = loadConfig({ LOG_LEVEL: 'warn', ADMIN_TOKEN: TOKEN, BROADCAST_RATE: String(rate), ...(process.env.DATABASE_URL !== undefined ? { DATABASE_URL: process.env.DATABASE_URL } : {}) })
const database = await openDatabase({ dataDir: IN_MEMORY, ...(process.env.DATABASE_URL !== undefined ? { databaseUrl: process.env.DATABASE_URL } : {}) })
await database.migrate()
const prefix = `bench-broadcast-${process.pid}`
const kv = process.env.REDIS_URL !== undefined ? createRedisKv({ cluster: false, url: process.env.REDIS_URL, prefix }) : createMemoryKv({ prefix })
const ids = Array.from({ length: recipients }, (_, i) => FIRST_ID + i)
for (let i = 0; i < ids.length; i += 1000) await database.db.insert(customer).values(ids.slice(i, i + 1000).map((id) => ({ telegramId: id })))

const app = await buildApp(composeServices({ config, logger: createLogger({ level: 'warn' }), metrics: createMetrics(), database, kv, clock: systemClock, telegram: { token: telegram.token, apiRoot: telegram.url } }))
await app.listen({ port: 0, host: '127.0.0.1' })
const text = 'Benchmark broadcast'
const created = await app.inject({ method: 'POST', url: '/api/v1/broadcasts', headers: { authorization: `Bearer ${TOKEN}` }, payload: { text, audience: {} } })
const id = (created.json() as { id: string }).id
for (;;) {
  const state = (await app.inject({ url: `/api/v1/broadcasts/${id}`, headers: { authorization: `Bearer ${TOKEN}` } })).json() as { state: string, counts: Record<string, number> }
  if (state.state === 'done') {
    console.log('counts', JSON.stringify(state.counts))
    break
  }
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
const { copies, tooMany } = await (await fetch(`${telegram.stats}?text=${encodeURIComponent(text)}`)).json() as { copies: number[], tooMany: number }
const seconds = (copies[copies.length - 1]! - copies[0]!) / 1000
const achieved = (copies.length - 1) / seconds
console.log(`broadcast: ${copies.length} copies in ${seconds.toFixed(1)} s = ${achieved.toFixed(2)} messages/s, ${(100 * achieved / rate).toFixed(1)} % of BROADCAST_RATE ${rate}; 429s: ${tooMany}`)
await app.close()
child.kill('SIGTERM')
if (process.env.REDIS_URL !== undefined) await (kv as ReturnType<typeof createRedisKv>).deleteByPattern(kv.keys.everything())
await kv.close()
await database.close()

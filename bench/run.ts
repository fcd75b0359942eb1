// `npm run bench`: HTTP overhead of Bozor's app (problem handler, metrics hook, logging at warn)
// against a bare Fastify baseline, side by side on the same machine, on GET /healthz.
// Prints requests/s for each and the ratio. Usage: npm run bench [-- --seconds 5 --connections 20]
// `npm run bench -- broadcast [--recipients 10000 --rate 30]` runs bench/broadcast.ts instead.
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { buildApp, type App } from '../src/app.js'
import { composeServices } from '../src/compose.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import { openDatabase, IN_MEMORY } from '../src/adapters/postgres/database.js'
import { createMemoryKv } from '../src/adapters/redis/memory-kv.js'
import { systemClock } from '../src/domain/shared/clock.js'

// `npm run bench -- <name>`: webhook, ratelimit, analytics, broadcast, payme, outbox, or (default) healthz
const named = process.argv[2] !== undefined && !process.argv[2].startsWith('-') ? process.argv.splice(2, 1)[0] : undefined
if (named === 'webhook' || named === 'ratelimit' || named === 'analytics' || named === 'broadcast' || named === 'payme' || named === 'outbox') {
  await import(`./${named}.js`)
  process.exit(0)
}
if (named !== undefined && named !== 'healthz') throw new Error(`unknown benchmark ${named}: webhook, ratelimit, analytics, broadcast, payme, outbox or healthz`)

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '20' } } })
const duration = Number(values.seconds)
const connections = Number(values.connections)

async function measure (name: string, app: App | ReturnType<typeof Fastify>, path: string): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: 1 }) // warm-up
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration })
  await app.close()
  console.log(`${name.padEnd(28)} ${result.requests.average.toFixed(0).padStart(8)} req/s  p99 ${result.latency.p99} ms  errors ${result.errors + result.non2xx}`)
  return result.requests.average
}

const baseline = Fastify({ logger: false })
baseline.get('/healthz', async () => ({ status: 'ok' }))
const baselineRps = await measure('baseline fastify /healthz', baseline, '/healthz')

const config = loadConfig({ LOG_LEVEL: 'warn' })
const database = await openDatabase({ dataDir: IN_MEMORY })
await database.migrate()
const kv = createMemoryKv({ prefix: 'bench' })
const app = await buildApp(composeServices({ config, logger: createLogger({ level: 'warn' }), metrics: createMetrics(), database, kv, clock: systemClock }))
const bozorRps = await measure('bozor /healthz', app, '/healthz')
await kv.close()
await database.close()

console.log(`\nratio bozor/baseline: ${(bozorRps / baselineRps).toFixed(2)} (${duration}s x ${connections} connections)`)

// `npm run bench -- payme`: Payme's Merchant API cycle (CheckPerformTransaction, CreateTransaction,
// PerformTransaction, CheckTransaction on a fresh order) through Bozor on PostgreSQL + Redis
// against a baseline "raw Fastify + pg, one transaction per call" that implements the same four
// calls minimally (auth check, the order and transaction rows, an audit row per call) in tables of
// its own in the same database. Rounds alternate between the two after a warm-up; the median round
// is reported, with Bozor's SQL statements and commits per call read from the database's own
// counters (the audit queue's batches included).
// Usage: npm run bench -- payme [--seconds 10 --rounds 3 --connections 32 --orders 40000 --only bozor]
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { composeServices } from '../src/compose.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import { openDatabase } from '../src/adapters/postgres/database.js'
import { createRedisKv } from '../src/adapters/redis/redis-kv.js'
import { paymeAuthHeader } from '../src/adapters/payme/payme-auth.js'
import { systemClock } from '../src/domain/shared/clock.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    orders: { type: 'string', default: '40000' },
    only: { type: 'string' },
    pg: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const orders = Number(values.orders)
const KEY = 'bench-payme-key-0123456789abcdef'
const AUTH = paymeAuthHeader(KEY)
const AMOUNT = 12_500_000

// a fresh database for the run
const dbName = `bozor_bench_payme_${process.pid}`
const admin = new pg.Client({ connectionString: values.pg })
await admin.connect()
await admin.query(`create database ${dbName}`)
const dbUrl = new URL(values.pg)
dbUrl.pathname = `/${dbName}`

// ---- the baseline: raw Fastify + pg, one transaction per call ----
const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 10 })
await pool.query(`
  create table raw_order (id bigserial primary key, amount bigint not null, state text not null);
  create table raw_tx (id text primary key, order_id bigint not null references raw_order(id), state int not null, create_time bigint not null, perform_time bigint);
  create table raw_audit (id bigserial primary key, method text, request jsonb, response jsonb, at timestamptz not null default now());
  insert into raw_order (amount, state) select ${AMOUNT}, 'pending' from generate_series(1, ${orders});
`)
type Rpc = { method?: unknown, params?: Record<string, unknown>, id?: unknown }
const baseline = Fastify({ logger: false })
baseline.removeAllContentTypeParsers()
baseline.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
baseline.post('/payme', async (request, reply) => {
  const answer = (body: object) => reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(body))
  if (request.headers.authorization !== AUTH) return await answer({ jsonrpc: '2.0', id: null, error: { code: -32504, message: 'auth' } })
  let rpc: Rpc
  try { rpc = JSON.parse(String(request.body)) as Rpc } catch { return await answer({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse' } }) }
  const p = rpc.params ?? {}
  const client = await pool.connect()
  try {
    await client.query('begin')
    let result: object | undefined
    let error: number | undefined
    if (rpc.method === 'CheckPerformTransaction') {
      const { rows } = await client.query('select amount, state from raw_order where id = $1', [(p.account as { order_id: string }).order_id])
      if (rows[0] === undefined || rows[0].state !== 'pending') error = -31050
      else result = { allow: true }
    } else if (rpc.method === 'CreateTransaction') {
      const { rows } = await client.query('select amount, state from raw_order where id = $1 for update', [(p.account as { order_id: string }).order_id])
      if (rows[0] === undefined || rows[0].state !== 'pending') error = -31050
      else {
        await client.query('insert into raw_tx (id, order_id, state, create_time) values ($1, $2, 1, $3)', [p.id, (p.account as { order_id: string }).order_id, Date.now()])
        await client.query("update raw_order set state = 'held' where id = $1", [(p.account as { order_id: string }).order_id])
        result = { create_time: Date.now(), transaction: String(p.id), state: 1 }
      }
    } else if (rpc.method === 'PerformTransaction') {
      const { rows } = await client.query('select order_id, state from raw_tx where id = $1 for update', [p.id])
      if (rows[0] === undefined) error = -31003
      else {
        const now = Date.now()
        await client.query('update raw_tx set state = 2, perform_time = $2 where id = $1', [p.id, now])
        await client.query("update raw_order set state = 'paid' where id = $1", [rows[0].order_id])
        result = { perform_time: now, transaction: String(p.id), state: 2 }
      }
    } else if (rpc.method === 'CheckTransaction') {
      const { rows } = await client.query('select state, create_time, perform_time from raw_tx where id = $1', [p.id])
      if (rows[0] === undefined) error = -31003
      else result = { create_time: Number(rows[0].create_time), perform_time: Number(rows[0].perform_time ?? 0), cancel_time: 0, transaction: String(p.id), state: rows[0].state, reason: null }
    } else {
      error = -32601
    }
    const response = error === undefined ? { jsonrpc: '2.0', id: rpc.id, result } : { jsonrpc: '2.0', id: rpc.id, error: { code: error } }
    await client.query('insert into raw_audit (method, request, response) values ($1, $2, $3)', [rpc.method, JSON.stringify(rpc), JSON.stringify(response)])
    await client.query('commit')
    return await answer(response)
  } catch (err) {
    await client.query('rollback').catch(() => {})
    throw err
  } finally {
    client.release()
  }
})
await baseline.listen({ port: 0, host: '127.0.0.1' })
const baselineUrl = `http://127.0.0.1:${(baseline.server.address() as { port: number }).port}/payme`
const rawOrders = { next: 1, last: orders }

// ---- Bozor on PostgreSQL + Redis ----
const config = loadConfig({ LOG_LEVEL: 'warn', DATABASE_URL: dbUrl.toString(), REDIS_URL: values.redis, PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: KEY })
const logger = createLogger({ level: 'warn' })
const database = await openDatabase({ databaseUrl: dbUrl.toString(), dataDir: '/tmp', logger })
await database.migrate()
const kv = createRedisKv({ url: values.redis, prefix: `bench${process.pid}p`, commandTimeoutMs: 2000 })
await pool.query(`
  insert into product (id, title, price_amount, currency, kind, payload, stock, reserved, created_at, updated_at)
    values ('prd_bench', '{"en":"Tea"}', ${AMOUNT}, 'UZS', 'digital', 'code', null, 0, now(), now());
  insert into shop_order (customer_telegram_id, state, currency, total_amount, expires_at, created_at, updated_at)
    select 5001, 'pending', 'UZS', ${AMOUNT}, now() + interval '1 day', now(), now() from generate_series(1, ${orders});
  insert into order_item (order_id, product_id, quantity, unit_amount, currency, title)
    select id, 'prd_bench', 1, ${AMOUNT}, 'UZS', '{"en":"Tea"}' from shop_order;
`)
const { rows: [range] } = await pool.query('select min(id)::text as lo, max(id)::text as hi from shop_order')
const bozorOrders = { next: Number(range.lo), last: Number(range.hi) }
const app = await buildApp(composeServices({ config, logger, metrics: createMetrics(), database, kv, clock: systemClock }))
await app.listen({ port: 0, host: '127.0.0.1' })
const bozorUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/payments/payme`

interface Round { rps: number, p99: number, errors: number, count: number }
let rpcId = 1
/** One round of cycles: each connection runs Check, Create, Perform, CheckTransaction on its next order. */
async function round (url: string, pool: { next: number, last: number }, duration: number): Promise<Round> {
  let refused = 0
  const call = (method: string, params: (c: Record<string, string>) => object) => ({
    method: 'POST' as const,
    headers: { 'content-type': 'text/json; charset=UTF-8', authorization: AUTH },
    setupRequest: (req: object, context: Record<string, string>) => {
      if (method === 'CheckPerformTransaction') {
        if (pool.next > pool.last) throw new Error('out of orders: raise --orders')
        context.order = String(pool.next++)
        context.tx = randomBytes(12).toString('hex')
      }
      return { ...req, body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method, params: params(context) }) }
    },
    onResponse: (_status: number, body: string) => { if (body.includes('"error"')) refused++ }
  })
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      call('CheckPerformTransaction', (c) => ({ amount: AMOUNT, account: { order_id: c.order } })),
      call('CreateTransaction', (c) => ({ id: c.tx, time: Date.now(), amount: AMOUNT, account: { order_id: c.order } })),
      call('PerformTransaction', (c) => ({ id: c.tx })),
      call('CheckTransaction', (c) => ({ id: c.tx }))
    ] as never
  })
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx + refused, count: result.requests.total }
}

const sides = values.only === 'bozor' ? ['bozor'] as const : values.only === 'baseline' ? ['baseline'] as const : ['baseline', 'bozor'] as const
const results: Record<'baseline' | 'bozor', Round[]> = { baseline: [], bozor: [] }
const cost = { calls: 0, statements: 0, commits: 0, autocommits: 0 }
for (const side of sides) await round(side === 'bozor' ? bozorUrl : baselineUrl, side === 'bozor' ? bozorOrders : rawOrders, 2) // warm-up
for (let r = 0; r < rounds; r++) {
  for (const side of sides) {
    if (side === 'baseline') { results.baseline.push(await round(baselineUrl, rawOrders, seconds)); continue }
    const db0 = { ...database.stats }
    const measured = await round(bozorUrl, bozorOrders, seconds)
    results.bozor.push(measured)
    cost.calls += measured.count
    cost.statements += database.stats.statements - db0.statements
    cost.commits += database.stats.commits - db0.commits
    cost.autocommits += database.stats.autocommits - db0.autocommits
  }
}
const median = (list: Round[]) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]
const b = median(results.baseline)
const z = median(results.bozor)
for (const [name, r] of [['raw Fastify + pg', b], ['bozor', z]] as const) {
  if (r !== undefined) console.log(`${name.padEnd(18)} ${r.rps.toFixed(0).padStart(7)} calls/s  p99 ${r.p99} ms  errors ${r.errors}  (rounds: ${results[name === 'bozor' ? 'bozor' : 'baseline'].map((x) => x.rps.toFixed(0)).join(', ')} calls/s)`)
}
if (b !== undefined && z !== undefined) console.log(`ratio bozor/raw: ${(z.rps / b.rps).toFixed(2)}  (${rounds} rounds of ${seconds} s, ${connections} connections; median round; cycle = Check, Create, Perform, CheckTransaction)`)
const per = (n: number) => (n / Math.max(1, cost.calls)).toFixed(2)
if (cost.calls > 0) console.log(`bozor cost per call: ${per(cost.statements)} SQL statements, ${per(cost.commits)} commits, ${per(cost.autocommits)} lone statements (reads, audit batches, outbox and jobs included)`)

await app.close()
await baseline.close()
await pool.end()
await kv.close()
await database.close()
await admin.query(`drop database ${dbName} with (force)`)
await admin.end()

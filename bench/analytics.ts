// `npm run bench -- analytics`: the analytics routes over one year of synthetic data on
// PostgreSQL — 100,000 customers, about 10 million raw events in sessions of five (one customer, one
// day: ~2 million active customer-days), ~300,000 paid orders — made with
// generate_series in a throwaway database (dropped at the end unless --keep). Each route is asked
// `--requests` times (sequentially, through the app with app.inject) for the last 30 days and for
// the whole year; p50 and p95 are printed. Goal: p95 under 300 ms on a 2-core machine.
// Usage: npm run bench -- analytics [--url postgres://root@127.0.0.1:5432/postgres] [--events 10000000] [--requests 20] [--keep | --reuse <db>]
import { parseArgs } from 'node:util'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { composeServices } from '../src/compose.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { createMetrics } from '../src/metrics.js'
import { openDatabase } from '../src/adapters/postgres/database.js'
import { createAnalyticsStore } from '../src/adapters/postgres/analytics-store.js'
import { createMemoryKv } from '../src/adapters/redis/memory-kv.js'
import { systemClock } from '../src/domain/shared/clock.js'
import { addDays, dayIn } from '../src/domain/analytics/events.js'

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'analytics'),
  options: {
    url: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres' },
    events: { type: 'string', default: '10000000' },
    customers: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '300000' },
    requests: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    /** A database an earlier `--keep` run left: only the queries are measured again. */
    reuse: { type: 'string' }
  }
})
const EVENTS = Number(values.events)
const CUSTOMERS = Number(values.customers)
const ORDERS = Number(values.orders)
const REQUESTS = Number(values.requests)
const TZ = 'Asia/Tashkent'
const name = values.reuse ?? `bozor_bench_analytics_${process.pid}`
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`--reuse takes a database name: ${name}`)
const admin = new pg.Client({ connectionString: values.url })
await admin.connect()
if (values.reuse === undefined) await admin.query(`create database ${name}`)
const url = new URL(values.url)
url.pathname = `/${name}`
const started = Date.now()
const step = (what: string): void => { console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  ${what}`) }

async function generate (): Promise<void> {
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' })
  await database.migrate()
  await database.close()
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  step('migrated')
  // one year up to now; every row is live (sandbox = false)
  await client.query(`
    insert into product (id, title, price_amount, currency, kind)
    select 'prd_bench' || lpad(g::text, 20, '0'), jsonb_build_object('en', 'Product ' || g),
           case when g % 3 = 0 then 500 + g * 100 else 1000000 + g * 100000 end, case when g % 3 = 0 then 'USD' else 'UZS' end, 'digital'
    from generate_series(1, 30) g`)
  await client.query(`
    insert into customer (telegram_id, first_name, first_seen_at, last_seen_at, referral_source)
    select g, 'C' || g, now() - (random() * interval '365 days'), now(),
           case when g % 10 < 3 then 'code' || (g % 7) else null end
    from generate_series(1, $1::int) g`, [CUSTOMERS])
  step(`${CUSTOMERS} customers`)
  await client.query(`
    with o as (
      select g, 1 + (g::bigint * 7919) % $2::int as c, 1 + g % 30 as p, now() - (random() * interval '365 days') as paid, random() as r
      from generate_series(1, $1::int) g
    ), ins as (
      insert into shop_order (customer_telegram_id, state, currency, total_amount, refunded_amount, provider, expires_at, paid_at, created_at)
      select o.c, case when o.r < 0.05 then 'refunded' else 'fulfilled' end, pr.currency, pr.price_amount,
             case when o.r < 0.05 then pr.price_amount when o.r < 0.07 then pr.price_amount / 2 else 0 end,
             (array['payme', 'click', 'stripe', 'stars'])[1 + o.g % 4], o.paid + interval '30 minutes', o.paid, o.paid
      from o join product pr on pr.id = 'prd_bench' || lpad(o.p::text, 20, '0')
      returning id, currency, total_amount
    )
    insert into order_item (order_id, product_id, quantity, unit_amount, currency, title)
    select ins.id, 'prd_bench' || lpad((1 + ins.id % 30)::text, 20, '0'), 1, ins.total_amount, ins.currency, '{"en": "x"}'::jsonb from ins`, [ORDERS, CUSTOMERS])
  step(`${ORDERS} paid orders`)
  // raw events without their indexes, then the indexes (as a bulk load would)
  await client.query('drop index analytics_event_name_at_idx, analytics_event_customer_at_idx, analytics_event_at_idx')
  const chunk = 1_000_000
  for (let done = 0; done < EVENTS; done += chunk) {
    await client.query(`
      insert into analytics_event (name, customer_telegram_id, properties, at)
      select n.name, 1 + (s.id * 7919) % $2::int,
             case when n.name = 'payment.failed' then jsonb_build_object('provider', (array['payme', 'click', 'stripe'])[1 + g % 3], 'reason', (array['declined', 'insufficient_funds', 'debit_failed', 'not_completed'])[1 + g % 4])
                  when n.name = 'bot.started' and g % 3 = 0 then jsonb_build_object('source', 'code' || (g % 7)) else '{}'::jsonb end,
             now() - ((s.id * 104729) % 365) * interval '1 day' - (s.id % 1440) * interval '1 minute' - (g % 5) * interval '2 minutes'
      from generate_series($3::int + 1, $3::int + $1::int) g,
           lateral (select (g / 5)::bigint as id) s,
           lateral (select (array['bot.started', 'catalog.opened', 'catalog.opened', 'product.viewed', 'product.viewed', 'product.viewed', 'checkout.started', 'order.placed', 'payment.failed', 'order.paid'])[1 + (g * 31) % 10] as name) n`,
    [Math.min(chunk, EVENTS - done), CUSTOMERS, done])
    step(`${Math.min(done + chunk, EVENTS)} events`)
  }
  await client.query('create index analytics_event_name_at_idx on analytics_event (name, at)')
  await client.query('create index analytics_event_customer_at_idx on analytics_event (customer_telegram_id, at)')
  await client.query('create index analytics_event_at_idx on analytics_event (at)')
  step('event indexes')
  // the per-customer-day rows the bot's batches write, from the same events
  await client.query(`
    insert into analytics_customer_day (day, customer_telegram_id, steps)
    select (at at time zone $1)::date, customer_telegram_id,
           bit_or(case name when 'bot.started' then 1 when 'catalog.opened' then 2 when 'product.viewed' then 4 when 'checkout.started' then 8 else 0 end)
    from analytics_event where name <> 'broadcast.sent' group by 1, 2`, [TZ])
  step('customer days')
  // rows a shop appends over a year lie in time order on disk: so do these (random draws above scatter them)
  await client.query('cluster shop_order using shop_order_paid_idx')
  await client.query('cluster customer using customer_first_seen_idx')
  await client.query('cluster analytics_customer_day using analytics_customer_day_pkey')
  await client.query('cluster analytics_event using analytics_event_at_idx')
  step('clustered in time order')
  await client.query('vacuum analyze')
  step('vacuum analyze')
  const counts = await client.query('select (select count(*) from analytics_event)::int as events, (select count(*) from analytics_customer_day)::int as days, (select count(*) from shop_order)::int as orders')
  console.log(`        rows: ${JSON.stringify(counts.rows[0])}`)
  await client.end()
}

try {
  if (values.reuse === undefined) await generate()

  const config = loadConfig({ LOG_LEVEL: 'warn', DATABASE_URL: url.toString(), TIMEZONE: TZ, ADMIN_TOKEN: 'bench-admin-token-0123456789', RATE_LIMITS: JSON.stringify({ 'api.token': [{ limit: 1_000_000, windowS: 60 }] }) })
  const appDb = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' })
  // a kept database gets this code's migrations (their backfills) before it is measured again
  if (values.reuse !== undefined) { await appDb.migrate(); step('migrated') }
  // the daily rollups of every finished day (the analytics job's work)
  const store = createAnalyticsStore(appDb.db, { timezone: TZ, sandbox: false, includeSandbox: false })
  for (;;) { const done = await store.maintain(Date.now()); if (done.rolled === 0 && done.ledgerRolled === 0) break }
  step('rollups')
  const kv = createMemoryKv({ prefix: 'bench' })
  const services = composeServices({ config, logger: createLogger({ level: 'warn' }), metrics: createMetrics(), database: appDb, kv, clock: systemClock })
  const app = await buildApp(services)
  const today = dayIn(Date.now(), TZ)
  // the dashboard's ranges end today; one ending yesterday shows the other path of decision 0072
  const ranges = { '30 days': `from=${addDays(today, -29)}&to=${today}`, '365 days': `from=${addDays(today, -364)}&to=${today}`, '365 days to yesterday': `from=${addDays(today, -365)}&to=${addDays(today, -1)}` }
  const routes = ['overview', 'timeseries?metric=revenue', 'timeseries?metric=active_customers', 'funnel', 'products', 'sources', 'payment-failures']
  console.log('\n| route | range | p50 ms | p95 ms |\n| --- | --- | --- | --- |')
  const ask = async (path: string): Promise<number> => {
    const t0 = process.hrtime.bigint()
    const res = await app.inject({ method: 'GET', url: `/api/v1/analytics/${path}`, headers: { authorization: 'Bearer bench-admin-token-0123456789' } })
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`)
    return Number(process.hrtime.bigint() - t0) / 1e6
  }
  const report = async (label: string, range: string, path: string): Promise<void> => {
    await ask(path) // warm-up
    const times: number[] = []
    for (let i = 0; i < REQUESTS; i++) times.push(await ask(path))
    times.sort((a, b) => a - b)
    const at = (q: number): string => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!.toFixed(0)
    console.log(`| ${label} | ${range} | ${at(0.5)} | ${at(0.95)} |`)
  }
  for (const [range, query] of Object.entries(ranges)) {
    for (const route of routes) await report(route.replace(/\?.*/, '') + (route.includes('metric=') ? ` (${route.split('=')[1]!})` : ''), range, `${route}${route.includes('?') ? '&' : '?'}${query}`)
  }
  await report('active', 'dau/wau/mau', 'active')
  await app.close()
  await kv.close()
  await appDb.close()
} finally {
  if (!values.keep && values.reuse === undefined) await admin.query(`drop database if exists ${name} with (force)`)
  else console.log(`kept database ${name}`)
  await admin.end()
}

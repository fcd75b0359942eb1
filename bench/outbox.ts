// `npm run bench -- outbox`: outbox delivery on PostgreSQL. A writer (its own pool, as another
// instance) commits `--rate` payment notices a second (one `customer.notify` row per commit, one
// customer each, as a paid order writes it) for `--seconds`; the background jobs deliver them to the
// Telegram emulator over loopback HTTP. Two modes, rounds interleaved after a warm-up:
//   batched: decision 0046 (50 rows a claim, 8 ordering keys at once, NOTIFY wake-ups, 1 s poll)
//   old:     one row a claim, one at a time, at most 50 a run, 1 s tick, no NOTIFY
// Printed per mode (median round by lag p99): deliveries/s, lag p50/p99 (commit to the emulator
// receiving the message), and the worker's SQL statements and commits per delivered row.
// Usage: npm run bench -- outbox [--rate 100 --seconds 10 --rounds 3 --users 1000 --drain 60 --concurrency 8]
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { Api } from 'grammy'
import { openDatabase, type Database } from '../src/adapters/postgres/database.js'
import { createPostgresBotStore } from '../src/adapters/postgres/bot-store.js'
import { createFulfilmentStore } from '../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue, enqueueOutbox, OUTBOX_CHANNEL } from '../src/adapters/postgres/outbox.js'
import { createBotNotifier } from '../src/adapters/telegram/bot-notifier.js'
import { systemClock } from '../src/domain/shared/clock.js'
import { createBackgroundJobs } from '../src/jobs/background-jobs.js'
import { createOutboxHandlers } from '../src/jobs/outbox-handlers.js'
import { createTelegramEmulator } from '../src/sandbox/telegram/index.js'

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    users: { type: 'string', default: '1000' },
    drain: { type: 'string', default: '60' },
    /** lanes of the batched mode (ordering keys delivered at once) */
    concurrency: { type: 'string', default: '8' },
    pg: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres' }
  }
})
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const drainMs = Number(values.drain) * 1000
const quiet = { info () {}, warn () {}, error () {} }

const emulator = createTelegramEmulator({ limits: { rateLimits: false } })
await emulator.start({ host: '127.0.0.1', port: 0 })
const users = Array.from({ length: Number(values.users) }, (_, n) => emulator.user({ firstName: `U${n}`, languageCode: 'en', started: true }))

const dbName = `bozor_bench_outbox_${process.pid}`
const admin = new pg.Client({ connectionString: values.pg })
await admin.connect()
await admin.query(`create database ${dbName}`)
const url = new URL(values.pg)
url.pathname = `/${dbName}`
const worker = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' })
await worker.migrate()
const writer = await openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp', poolMax: 10 })

const committedAt = new Map<string, number>()
const deliveredAt = new Map<string, number>()
emulator.on('call', (call) => {
  const text = call.method === 'sendMessage' ? String(call.params.text ?? '') : ''
  if (text.startsWith('bench ')) deliveredAt.set(text, Date.now())
})

type Mode = 'batched' | 'old'
interface Round { mode: Mode, rate: number, delivered: number, written: number, p50: number, p99: number, statements: number, commits: number }

function jobsFor (mode: Mode, database: Database) {
  return createBackgroundJobs({
    queue: createOutboxQueue(database.db),
    handlers: createOutboxHandlers(createFulfilmentStore(database.db)),
    shop: { expireDue: async () => [] } as never,
    audit: { prune: async () => 0 },
    clock: systemClock,
    logger: quiet,
    notifier: createBotNotifier({ api: new Api(emulator.token, { apiRoot: emulator.url! }), store: createPostgresBotStore(database.db), defaultLanguage: 'en', logger: quiet }),
    outboxIntervalMs: 1000,
    expiryIntervalMs: 3_600_000,
    ...(mode === 'batched'
      ? { outboxWakeups: (onWake: () => void) => database.listen(OUTBOX_CHANNEL, onWake), outboxWorker: { concurrency: Number(values.concurrency) } }
      : { outboxWorker: { batch: 1, concurrency: 1, maxPerRun: 50 } })
  })
}

let seq = 0
async function round (mode: Mode, measuredSeconds: number): Promise<Round> {
  const jobs = jobsFor(mode, worker)
  jobs.start()
  const db0 = { ...worker.stats }
  const texts: string[] = []
  const started = Date.now()
  const writes = new Set<Promise<void>>()
  // paced writer: as many commits as the elapsed time asks for, each its own transaction
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(Math.floor(((Date.now() - started) / 1000) * rate), measuredSeconds * rate)
      // at most 8 commits in flight (the writer's pool); a slow database makes the writer fall behind, not fail
      while (texts.length < due && writes.size < 8) {
        const n = ++seq
        const text = `bench ${n}`
        texts.push(text)
        const user = users[n % users.length]!
        const write = writer.db.transaction(async (tx) => { await enqueueOutbox(tx as never, 'customer.notify', { kind: 'text', telegramId: user.id, text }, Date.now()) })
          .then(() => { committedAt.set(text, Date.now()) })
          .finally(() => writes.delete(write))
        writes.add(write)
      }
      if (texts.length >= measuredSeconds * rate) { clearInterval(timer); resolve() }
    }, 10)
  })
  await Promise.all([...writes])
  const writeEnd = Date.now()
  // drain: until every row is delivered or the bound passes
  while (texts.some((t) => !deliveredAt.has(t)) && Date.now() - writeEnd < drainMs) await new Promise((resolve) => setTimeout(resolve, 50))
  await jobs.stop()
  const lags = texts.filter((t) => deliveredAt.has(t)).map((t) => deliveredAt.get(t)! - committedAt.get(t)!).sort((a, b) => a - b)
  const last = Math.max(...texts.map((t) => deliveredAt.get(t) ?? 0))
  const delivered = lags.length
  // rows never delivered count as lagging the whole drain
  const all = [...lags, ...Array(texts.length - delivered).fill(Infinity) as number[]]
  const q = (p: number) => all[Math.min(all.length - 1, Math.floor(p * all.length))]!
  // what is left goes out before the next round (not measured)
  await worker.db.execute(sql`update outbox set done_at = now() where done_at is null`)
  return {
    mode,
    rate: delivered / Math.max(0.001, (last - started) / 1000),
    delivered,
    written: texts.length,
    p50: q(0.5),
    p99: q(0.99),
    statements: (worker.stats.statements - db0.statements) / Math.max(1, delivered),
    commits: (worker.stats.commits + worker.stats.autocommits - db0.commits - db0.autocommits) / Math.max(1, delivered)
  }
}

console.log(`outbox: ${rate} payments/s for ${seconds} s per round, ${rounds} rounds per mode, ${users.length} customers; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
await round('batched', 2)
await round('old', 2)
const results: Record<Mode, Round[]> = { batched: [], old: [] }
for (let r = 0; r < rounds; r++) {
  for (const mode of (r % 2 === 0 ? ['old', 'batched'] : ['batched', 'old']) as Mode[]) {
    const result = await round(mode, seconds)
    results[mode].push(result)
    console.log(`  round ${r + 1} ${mode.padEnd(8)} ${result.rate.toFixed(1)} deliveries/s, ${result.delivered}/${result.written} delivered, lag p50 ${result.p50} ms p99 ${result.p99} ms`)
  }
}
const median = (list: Round[]) => [...list].sort((a, b) => a.p99 - b.p99)[Math.floor(list.length / 2)]!
for (const mode of ['old', 'batched'] as Mode[]) {
  const m = median(results[mode])
  console.log(`${mode.padEnd(8)} ${m.rate.toFixed(1).padStart(7)} deliveries/s  lag p50 ${m.p50} ms  p99 ${m.p99} ms  ${m.delivered}/${m.written} delivered  ${m.statements.toFixed(2)} SQL statements and ${m.commits.toFixed(2)} commits per delivered row`)
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)

await worker.close()
await writer.close()
await emulator.close()
await admin.query(`drop database ${dbName} with (force)`)
await admin.end()

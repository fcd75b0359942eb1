// Reliability: PostgreSQL restarts (fast stop, start) under load while Bozor keeps running.
//
// Bozor runs as a child process (services mode) on a private PostgreSQL cluster and a private
// Redis of this test (test/helpers/private-services.ts), never the shared servers; Telegram and
// Stripe are emulators in this process, Payme and Click are played by the test. Customers write
// to the bot and the providers call back while the database is gone. What must hold:
// - during the outage every callback gets a protocol answer that makes the provider retry:
//   Payme HTTP 200 with JSON-RPC error −32400 (system error), Click HTTP 200 with error −7
//   (failed to update), Stripe a non-2xx; the process never dies, /readyz says 503 not ready;
// - after the restart, without restarting Bozor (the pool reconnects), the same calls succeed,
//   the bot answers again, and the ledger is consistent: every order paid exactly once, its
//   goods delivered once, the repeated Payme calls answered as the first time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hasPostgresServer, hasRedisServer, startPrivatePostgres, startRestartableRedis } from '../helpers/private-services.js'
import { assertPaidAndDeliveredOnce, attemptPayment, chatLoad, newPayments, readyz, startShop, WAIT_MS, type Attempt, type Payment } from '../helpers/reliability-shop.js'
import { eventually } from '../helpers/wait.js'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { IN_MEMORY, openDatabase } from '../../src/adapters/postgres/database.js'

const silentLogger = { info () {}, warn () {}, error () {} }

const skip = !hasPostgresServer() ? 'the PostgreSQL server binaries are not installed' : !hasRedisServer() ? 'redis-server is not installed' : false

/** Bozor's LISTEN connections (outbox wake-ups) to the shop database, as the server sees them. */
async function listeners (adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rows } = await client.query("select count(*)::int as n from pg_stat_activity where datname = 'shop' and application_name = 'bozor-listen' and query like 'LISTEN%'")
    return (rows[0] as { n: number }).n
  } finally {
    await client.end()
  }
}

/** Every answer of an attempt made while the database was down is the protocol's "try again". */
function assertRetryable (payment: Payment, attempt: Attempt): void {
  assert.equal(attempt.done, false, `${payment.provider} ${payment.orderId} cannot finish without a database`)
  for (const answer of attempt.answers) {
    const where = `${payment.provider} ${answer.step} in the outage: ${answer.status} ${JSON.stringify(answer.body)}`
    assert.notEqual(answer.status, 0, where)
    if (payment.provider === 'payme') {
      assert.equal(answer.status, 200, where)
      assert.equal(answer.body.error?.code, -32400, where)
    } else if (payment.provider === 'click') {
      assert.equal(answer.status, 200, where)
      assert.equal(answer.body.error, -7, where)
    } else {
      assert.ok(answer.status >= 500, where)
      assert.equal(answer.body.status, answer.status, `a problem body, not a bare crash: ${where}`)
    }
  }
}

test('PostgreSQL restarted under load: providers get retryable protocol answers, then the same calls succeed and the ledger is consistent without restarting Bozor', { skip }, async (t) => {
  const postgres = await startPrivatePostgres(t)
  const redis = await startRestartableRedis(t)
  const databaseUrl = await postgres.createDatabase('shop')
  const shop = await startShop(t, { databaseUrl, redisUrl: redis.url })
  const bozor = await shop.spawn()
  const telegram = shop.telegram
  const payer = telegram.user({ firstName: 'Aziza', languageCode: 'en', started: true })
  const chatters = ['Bobur', 'Dilnoza'].map((firstName) => telegram.user({ firstName, languageCode: 'en', started: true }))

  // before: a round of payments done, a second round half-way (Payme created, Click prepared)
  const done = await newPayments(shop, bozor, payer, 0)
  for (const attempt of await Promise.all(done.map((p) => attemptPayment(shop, bozor, p)))) assert.equal(attempt.done, true, JSON.stringify(attempt))
  const pending = await newPayments(shop, bozor, payer, 10)
  const load = chatLoad(chatters, { allowSilence: true })
  t.after(() => load.stop().catch(() => {}))
  assert.equal(await listeners(postgres.adminUrl), 1, 'Bozor listens for outbox wake-ups')

  // the outage
  await postgres.stop('fast')
  const down = await eventually('/readyz to report the database down', async () => {
    const r = await readyz(bozor)
    return r.body.checks?.database === 'down' ? r : undefined
  }, { timeoutMs: WAIT_MS })
  assert.equal(down.status, 503)
  assert.equal(down.body.status, 'not ready')
  const inOutage = await Promise.all(pending.map((p) => attemptPayment(shop, bozor, p)))
  for (const [i, attempt] of inOutage.entries()) assertRetryable(pending[i]!, attempt)
  // a provider that already created its transaction retries the next step
  const repeat = await Promise.all(done.map((p) => attemptPayment(shop, bozor, { ...p, done: undefined })))
  for (const [i, attempt] of repeat.entries()) assertRetryable(done[i]!, attempt)
  assert.equal(bozor.child.exitCode, null, 'Bozor is still running')

  // back: the same cluster on the same port; Bozor is not restarted
  await postgres.start()
  await eventually('/readyz to report ready again', async () => {
    const r = await readyz(bozor)
    return r.status === 200 && r.body.checks?.database === 'up' ? r : undefined
  }, { timeoutMs: WAIT_MS })
  // the outbox wake-ups come back too (a LISTEN connection retried until the server is there)
  await eventually('the LISTEN connection back', async () => await listeners(postgres.adminUrl) === 1 ? true : undefined, { timeoutMs: 30_000, intervalMs: 250 })
  // the providers retry until done
  for (const p of pending) {
    let last: Attempt | undefined
    await eventually(`${p.provider} payment of order ${p.orderId} after the restart`, async () => {
      last = await attemptPayment(shop, bozor, p)
      return last.done ? true : undefined
    }, { timeoutMs: 30_000, intervalMs: 250 }).catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(last)}`) })
  }
  // repeats of finished payments answer as before and change nothing
  for (const p of done) {
    const again = await attemptPayment(shop, bozor, { ...p })
    if (p.provider !== 'click') assert.equal(again.done, true, `${p.provider} repeat: ${JSON.stringify(again)}`)
    else assert.equal(again.answers.at(-1)?.body.error, -4, `Click complete repeat: already paid; ${JSON.stringify(again)}`)
  }
  const after = await newPayments(shop, bozor, payer, 20)
  for (const attempt of await Promise.all(after.map((p) => attemptPayment(shop, bozor, p)))) assert.equal(attempt.done, true, JSON.stringify(attempt))

  // the bot answers again (a new customer after the restart)
  const counts = await load.stop()
  const late = telegram.user({ firstName: 'Hamid', languageCode: 'en', started: true })
  late.sendText('/help')
  assert.match((await late.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /How to buy/)
  t.diagnostic(`chat during the run: ${counts.answered} answered, ${counts.unanswered} unanswered within 20 s`)

  await assertPaidAndDeliveredOnce(shop, bozor, payer, [...done, ...pending, ...after])
  bozor.child.kill('SIGTERM')
  assert.equal(await bozor.exited, 0, 'a clean stop after the outage')
})

test('PostgreSQL stopped while a transaction holds a connection: the transaction fails, the process lives, the pool serves again after the restart', { skip }, async (t) => {
  const postgres = await startPrivatePostgres(t)
  const url = await postgres.createDatabase('shop')
  const database = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, poolMax: 2, logger: silentLogger })
  t.after(() => database.close())
  const crashes: unknown[] = []
  const onCrash = (err: unknown): void => { crashes.push(err) }
  process.on('uncaughtException', onCrash)
  t.after(() => { process.off('uncaughtException', onCrash) })

  let release!: () => void
  const held = new Promise<void>((resolve) => { release = resolve })
  let inside!: () => void
  const entered = new Promise<void>((resolve) => { inside = resolve })
  const transaction = database.db.transaction(async (tx) => {
    await tx.execute(sql`select 1`)
    inside()
    await held // the connection is checked out, no statement in flight: what the fast stop hits
    await tx.execute(sql`select 2`)
  })
  const outcome = transaction.then(() => 'committed', () => 'failed')
  await entered
  await postgres.stop('fast')
  release()
  assert.equal(await outcome, 'failed')
  assert.deepEqual(crashes, [], 'no uncaught error from the dropped connection')
  await postgres.start()
  const rows = await eventually('a query after the restart', async () => {
    try { return (await database.db.execute(sql`select 42 as n`)).rows } catch { return undefined }
  }, { timeoutMs: 30_000, intervalMs: 100 })
  assert.deepEqual(rows, [{ n: 42 }])
})

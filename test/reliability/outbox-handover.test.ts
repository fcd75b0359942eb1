// Decision 0046: a server stopped with SIGTERM in the middle of a drain lets its rows in flight
// finish, frees the leases of the rows it claimed but did not start, and closes its pool only
// after the worker is done. Another worker then delivers those rows at once (the lease here is a
// minute long, so waiting for expiry would not do), and no message goes out twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isNull } from 'drizzle-orm'
import { Api } from 'grammy'
import { IN_MEMORY, openDatabase } from '../../src/adapters/postgres/database.js'
import { createPostgresBotStore } from '../../src/adapters/postgres/bot-store.js'
import { createFulfilmentStore } from '../../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue, enqueueOutbox } from '../../src/adapters/postgres/outbox.js'
import { outbox } from '../../src/adapters/postgres/schema.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import { createBotNotifier } from '../../src/adapters/telegram/bot-notifier.js'
import { systemClock } from '../../src/domain/shared/clock.js'
import { createOutboxHandlers } from '../../src/jobs/outbox-handlers.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { createTelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { createEmptyPostgresDb } from '../helpers/db.js'
import { testRedisUrl, uniqueKvPrefix } from '../helpers/kv.js'
import { startServer } from '../helpers/process.js'
import { eventually } from '../helpers/wait.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }
const ROWS = 40
/** Generous: the child compiles through tsx and migrates on a shared two-core machine. */
const WAIT_MS = 120_000

test('a server stopped mid-drain hands its claimed rows to another worker at once, none sent twice', async (t) => {
  const emulator = createTelegramEmulator({ limits: { rateLimits: false } })
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const users = Array.from({ length: ROWS }, (_, n) => emulator.user({ firstName: `U${n}`, languageCode: 'en', started: true }))
  // every send takes two seconds: the child is caught with rows in flight and rows waiting
  const slow = emulator.faults.inject({ kind: 'slow', method: 'sendMessage', delayMs: 2000, times: Infinity })

  const databaseUrl = await createEmptyPostgresDb(t)
  const redisUrl = testRedisUrl() ?? 'redis://127.0.0.1:6379'
  const prefix = uniqueKvPrefix()
  t.after(async () => {
    const kv = createRedisKv({ url: redisUrl, cluster: false, prefix })
    try { await kv.deleteByPattern(kv.keys.everything()) } finally { await kv.close() }
  })
  const child = await startServer(t, {
    telegram: emulator,
    waitMs: WAIT_MS,
    env: {
      ADMIN_TOKEN: 'outbox-handover-admin-token-0123456789',
      // a minute: rows left to lease expiry would not be delivered within this test's bound
      OUTBOX_LEASE_S: '60',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      KV_PREFIX: prefix
    }
  })

  const database = await openDatabase({ databaseUrl, dataDir: IN_MEMORY, poolMax: 2 })
  t.after(() => database.close())
  // one commit: the child's wake-up claims them as one batch (up to 50) and starts 8 at a time
  await database.db.transaction(async (tx) => {
    for (const [n, user] of users.entries()) await enqueueOutbox(tx as never, 'customer.notify', { kind: 'text', telegramId: user.id, text: `handover message ${n}` }, Date.now())
  })
  await eventually('the child sending', () => slow.fired > 0 ? true : undefined, { timeoutMs: WAIT_MS })
  child.child.kill('SIGTERM')
  assert.equal(await child.exited, 0, `the child stops cleanly: ${child.stderr.join('')}`)
  const logs = [...child.stdout, ...child.stderr].join('\n')
  assert.doesNotMatch(logs, /Cannot use a pool after calling end on the pool/)
  assert.doesNotMatch(logs, /background job failed/)

  const byChild = emulator.sent({ method: 'sendMessage', ok: true }).length
  assert.ok(byChild < ROWS, `the child was stopped mid-drain (${byChild} of ${ROWS} sent)`)
  const left = await database.db.select({ id: outbox.id, leaseOwner: outbox.leaseOwner }).from(outbox).where(isNull(outbox.doneAt))
  assert.equal(left.length, ROWS - byChild, 'every row the child sent is marked done')
  assert.deepEqual(left.filter((r) => r.leaseOwner !== null), [], 'the child freed the leases of the rows it did not start')

  // another instance's worker takes them over at once
  slow.clear()
  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock: systemClock,
    logger: quiet,
    leaseMs: 60_000,
    notifier: createBotNotifier({ api: new Api(emulator.token, { apiRoot: emulator.url! }), store: createPostgresBotStore(database.db), defaultLanguage: 'en', logger: quiet }),
    handlers: createOutboxHandlers(createFulfilmentStore(database.db))
  })
  assert.equal(await worker.runOnce(), ROWS - byChild)
  for (const [n, user] of users.entries()) {
    const texts = emulator.sent({ chatId: user.chatId, method: 'sendMessage', ok: true }).map((c) => String(c.params.text))
    assert.deepEqual(texts, [`handover message ${n}`], `user ${n} got the message once`)
  }
})

// Decision 0046: a committed outbox row wakes the worker at once (NOTIFY on PostgreSQL, PGlite's
// own listener embedded). The poll here runs once an hour, far beyond the test's bound, so only the
// wake-up can deliver the row; on PostgreSQL the row is written by another instance (a pool of
// its own), on PGlite in process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq, sql } from 'drizzle-orm'
import { createTestDb, databaseUrlFor, testLeg } from '../helpers/db.js'
import { IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { createOutboxQueue, enqueueOutbox, OUTBOX_CHANNEL, type OutboxTopic } from '../../src/adapters/postgres/outbox.js'
import { outbox } from '../../src/adapters/postgres/schema.js'
import { createBackgroundJobs } from '../../src/jobs/background-jobs.js'
import type { WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { systemClock } from '../../src/domain/shared/clock.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }
const HOUR_MS = 3_600_000

test('a row committed by another instance is delivered at once through the wake-up, long before the next poll', async (t) => {
  const database = await createTestDb(t)
  // the writer: another instance on PostgreSQL, this process on PGlite (one connection)
  let writer: Database = database
  if (testLeg() === 'services') {
    const name = await database.db.execute<{ name: string }>(sql`select current_database() as name`)
    writer = await openDatabase({ databaseUrl: databaseUrlFor(String(name.rows[0]!.name)), dataDir: IN_MEMORY, poolMax: 1 })
    t.after(() => writer.close())
  }
  let deliver!: (id: number) => void
  const delivered = new Promise<number>((resolve, reject) => {
    deliver = resolve
    setTimeout(() => reject(new Error('the row was not delivered within 20 s: no wake-up')), 20_000).unref()
  })
  let listening!: () => void
  const listens = new Promise<void>((resolve) => { listening = resolve })
  const jobs = createBackgroundJobs({
    queue: createOutboxQueue(database.db),
    handlers: { 'test.wake': async ({ payload }) => { deliver(payload.n as number) } },
    shop: { expireDue: async () => [] } as never,
    audit: { prune: async () => 0 },
    clock: systemClock,
    logger: quiet,
    outboxIntervalMs: HOUR_MS,
    expiryIntervalMs: HOUR_MS,
    outboxWakeups: async (onWake) => {
      const unlisten = await database.listen(OUTBOX_CHANNEL, onWake)
      listening()
      return unlisten
    }
  })
  jobs.start()
  t.after(() => jobs.stop())
  // start() subscribes in the background; a row committed before LISTEN would wait for the poll
  await listens
  const id = await writer.db.transaction(async (tx) => await enqueueOutbox(tx as never, 'test.wake' as OutboxTopic, { n: 1 }, Date.now()))
  assert.equal(await delivered, 1)
  await jobs.stop()
  const [row] = await database.db.select({ doneAt: outbox.doneAt }).from(outbox).where(eq(outbox.id, id))
  assert.ok(row!.doneAt !== null, 'marked done, an hour before the next poll')
})

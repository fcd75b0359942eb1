// A handler whose own SQL fails still gets its attempt and backoff recorded, and only its
// unfinished work is rolled back. Handlers run outside any transaction (decision 0010): their
// writes go in a transaction of their own, or in a step's `commit`, which is committed with the
// step's progress. (The file's name is from when the worker wrapped handlers in a savepoint.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { createOutboxQueue } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import type { OutboxHandler } from '../../src/jobs/outbox-handlers.js'
import { createLoggingNotifier } from '../../src/jobs/notifier.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { outbox } from '../../src/adapters/postgres/schema.js'
import { FakeClock } from '../../src/domain/shared/clock.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }
const START = Date.UTC(2026, 10, 25)

async function insertRow (db: Db, topic: string, now: number, payload: Record<string, unknown> = {}): Promise<number> {
  const [row] = await db.insert(outbox).values({ topic, payload, availableAt: new Date(now) }).returning({ id: outbox.id })
  return row!.id
}

async function rowById (db: Db, id: number) {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id))
  return row!
}

async function topics (db: Db): Promise<string[]> {
  return (await db.select({ topic: outbox.topic }).from(outbox).orderBy(outbox.id)).map((r) => r.topic)
}

function makeWorker (db: Db, clock: FakeClock, handlers: Record<string, OutboxHandler<Db>>) {
  return createOutboxWorker({ queue: createOutboxQueue(db), clock, notifier: createLoggingNotifier(quiet), logger: quiet, baseBackoffMs: 1000, handlers })
}

test('a handler whose SQL violates a constraint gets its attempt recorded and is retried after the backoff', async (t) => {
  const { db } = await createTestDb(t)
  const clock = new FakeClock(START)
  const id = await insertRow(db, 'test.sql-fails', clock.now())
  let calls = 0
  const worker = makeWorker(db, clock, {
    'test.sql-fails': async (ctx) => {
      calls++
      await ctx.db.transaction(async (tx) => {
        await tx.insert(outbox).values({ topic: 'test.side-effect', payload: {}, availableAt: new Date(ctx.now + 3_600_000) })
        // the first time: a primary-key violation, which aborts the transaction in PostgreSQL
        if (calls === 1) await tx.insert(outbox).values({ id, topic: 'test.duplicate', payload: {}, availableAt: new Date(ctx.now) })
      })
    }
  })

  assert.equal(await worker.runOnce(), 1)
  let stored = await rowById(db, id)
  assert.equal(stored.attempts, 1)
  assert.equal(stored.doneAt, null)
  assert.ok(stored.lastError !== null && stored.lastError.length > 0, 'last_error is recorded')
  assert.equal(stored.availableAt.getTime(), START + 1000)
  assert.deepEqual(await topics(db), ['test.sql-fails'], "the failed handler's own insert is rolled back")

  assert.equal(await worker.runOnce(), 0, 'not due before its backoff passes')
  clock.advance(1000)
  assert.equal(await worker.runOnce(), 1)
  stored = await rowById(db, id)
  assert.equal(stored.attempts, 2)
  assert.ok(stored.doneAt !== null)
  assert.equal(stored.lastError, null)
  assert.deepEqual(await topics(db), ['test.sql-fails', 'test.side-effect'])
  assert.equal(calls, 2)
})

test('completed steps keep their work and progress when a later statement of the handler fails', async (t) => {
  const { db } = await createTestDb(t)
  const clock = new FakeClock(START)
  const id = await insertRow(db, 'test.steps', clock.now())
  const ran: string[] = []
  let failNext = true
  const worker = makeWorker(db, clock, {
    'test.steps': async (ctx) => {
      await ctx.step('first', async () => { ran.push('first') }, async (tx) => {
        await tx.insert(outbox).values({ topic: 'test.first-done', payload: {}, availableAt: new Date(ctx.now + 3_600_000) })
      })
      await ctx.step('second', async () => { ran.push('second') }, async (tx) => {
        await tx.insert(outbox).values({ topic: 'test.second-done', payload: {}, availableAt: new Date(ctx.now + 3_600_000) })
        if (failNext) {
          failNext = false
          await tx.insert(outbox).values({ id, topic: 'test.duplicate', payload: {}, availableAt: new Date(ctx.now) })
        }
      })
    }
  })

  assert.equal(await worker.runOnce(), 1)
  let stored = await rowById(db, id)
  assert.equal(stored.attempts, 1)
  assert.ok(stored.lastError !== null)
  assert.deepEqual(stored.payload.steps, ['first'])
  assert.deepEqual(await topics(db), ['test.steps', 'test.first-done'])

  clock.advance(1000)
  assert.equal(await worker.runOnce(), 1)
  stored = await rowById(db, id)
  assert.ok(stored.doneAt !== null)
  assert.deepEqual(stored.payload.steps, ['first', 'second'])
  assert.deepEqual(ran, ['first', 'second', 'second'], 'a retry repeats only the step that failed')
  assert.deepEqual(await topics(db), ['test.steps', 'test.first-done', 'test.second-done'])
})

test('a handler failing with SQL does not stop the worker from handling the next row in the same run', async (t) => {
  const { db } = await createTestDb(t)
  const clock = new FakeClock(START)
  const bad = await insertRow(db, 'test.bad', clock.now())
  const good = await insertRow(db, 'test.good', clock.now())
  const worker = makeWorker(db, clock, {
    'test.bad': async (ctx) => { await ctx.db.insert(outbox).values({ id: bad, topic: 'test.duplicate', payload: {}, availableAt: new Date(ctx.now) }) },
    'test.good': async () => {}
  })
  assert.equal(await worker.runOnce(), 2)
  assert.equal((await rowById(db, bad)).attempts, 1)
  assert.equal((await rowById(db, bad)).doneAt, null)
  assert.ok((await rowById(db, good)).doneAt !== null)
})

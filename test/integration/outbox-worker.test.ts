import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { createLoggingNotifier } from '../../src/jobs/notifier.js'
import { outbox } from '../../src/adapters/postgres/schema.js'
import { FakeClock } from '../../src/domain/shared/clock.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }

test('a failing outbox handler is retried after its backoff and then done once', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 10, 25))
  const [row] = await database.db.insert(outbox).values({ topic: 'test.flaky', payload: { n: 1 }, availableAt: new Date(clock.now()) }).returning({ id: outbox.id })
  let calls = 0
  const handled: number[] = []
  const worker = createOutboxWorker({
    db: database.db,
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    baseBackoffMs: 1000,
    handlers: {
      'test.flaky': async ({ payload }) => {
        calls++
        if (calls === 1) throw new Error('Telegram answered 502')
        handled.push(payload.n as number)
      }
    }
  })

  assert.equal(await worker.runOnce(), 1)
  let [stored] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
  assert.equal(stored!.attempts, 1)
  assert.equal(stored!.doneAt, null)
  assert.equal(stored!.lastError, 'Telegram answered 502')
  assert.equal(stored!.availableAt.getTime(), clock.now() + 1000)

  assert.equal(await worker.runOnce(), 0, 'not due before its backoff passes')
  clock.advance(1000)
  assert.equal(await worker.runOnce(), 1)
  ;[stored] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
  assert.ok(stored!.doneAt !== null)
  assert.deepEqual(handled, [1])
  clock.advance(60_000)
  assert.equal(await worker.runOnce(), 0, 'a done row is never handled again')
})

test('two workers sharing the outbox handle every row exactly once', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 10, 25))
  const rows = Array.from({ length: 30 }, (_, n) => ({ topic: 'test.count', payload: { n }, availableAt: new Date(clock.now()) }))
  await database.db.insert(outbox).values(rows)
  const seen: number[] = []
  const make = () => createOutboxWorker({
    db: database.db,
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    handlers: { 'test.count': async ({ payload }) => { seen.push(payload.n as number) } }
  })
  const [a, b] = await Promise.all([make().runOnce(), make().runOnce()])
  assert.equal(a + b, 30)
  assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 30 }, (_, n) => n))
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { createOutboxQueue } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, OUTBOX_LEASE_MS, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
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
    queue: createOutboxQueue(database.db),
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
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    handlers: { 'test.count': async ({ payload }) => { seen.push(payload.n as number) } }
  })
  const [a, b] = await Promise.all([make().runOnce(), make().runOnce()])
  assert.equal(a + b, 30)
  assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 30 }, (_, n) => n))
})

// Guards the crash-recovery contract of DESIGN.md: a crash may repeat only the message in flight.
// A step that is done (Telegram accepted its message) is committed before the next step's work
// starts, so a process killed during the next step does not send the finished one again
// (test/integration/crash-recovery.test.ts kills a real process there). No transaction is open
// while a step runs (decision 0010), so on PGlite too the database answers during the step.
test('each completed step of a row is committed before its next step starts', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 10, 25))
  const [row] = await database.db.insert(outbox).values({ topic: 'test.steps', payload: { steps: [] }, availableAt: new Date(clock.now()) }).returning({ id: outbox.id })
  const seenAtStart: unknown[] = []
  const committedBeforeSecond: unknown[] = []
  const ran: string[] = []
  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    handlers: {
      'test.steps': async (ctx) => {
        seenAtStart.push(ctx.payload.steps)
        await ctx.step('confirm', async () => { ran.push('confirm') })
        await ctx.step('goods', async () => {
          ran.push('goods')
          const [outside] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
          committedBeforeSecond.push(outside!.payload.steps)
        })
      }
    }
  })

  assert.equal(await worker.runOnce(), 1, 'one row handled')
  assert.deepEqual(ran, ['confirm', 'goods'])
  assert.deepEqual(seenAtStart, [[]], 'both steps ran in one claim of the row')
  assert.deepEqual(committedBeforeSecond, [['confirm']], 'the first step was recorded before the second began')
  const [stored] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
  assert.ok(stored!.doneAt !== null)
  assert.equal(stored!.attempts, 1)
  assert.deepEqual(stored!.payload.steps, ['confirm', 'goods'])
  assert.equal(await worker.runOnce(), 0)
})

// Decision 0010: a worker that stopped renewing its lease (a stalled process) and was taken over
// must not overwrite the new holder's progress, nor go on with the row's next step.
test('a worker whose lease was taken over records nothing and stops before its next step', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 10, 25))
  const [row] = await database.db.insert(outbox).values({ topic: 'test.steps', payload: {}, availableAt: new Date(clock.now()) }).returning({ id: outbox.id })
  const ran: string[] = []
  let entered!: () => void
  const inFirstStep = new Promise<void>((resolve) => { entered = resolve })
  let release!: () => void
  const stuck = new Promise<void>((resolve) => { release = resolve })
  const make = (who: string, options: { leaseRenewMs?: number } = {}) => createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    ...options,
    handlers: {
      'test.steps': async (ctx) => {
        await ctx.step('first', async () => {
          ran.push(`${who}:first`)
          if (who === 'stalled') { entered(); await stuck }
        }, async (tx) => { await tx.insert(outbox).values({ topic: `test.first-by-${who}`, payload: {}, availableAt: new Date(ctx.now + 3_600_000) }) })
        await ctx.step('second', async () => { ran.push(`${who}:second`) })
      }
    }
  })
  // renewing once an hour: its lease lapses while its first step hangs
  const stalled = make('stalled', { leaseRenewMs: 3_600_000 })
  const healthy = make('healthy')

  const stalledRun = stalled.runOnce()
  await inFirstStep
  assert.equal(await healthy.runOnce(), 0, 'a row under a live lease is not claimed')
  clock.advance(OUTBOX_LEASE_MS)
  assert.equal(await healthy.runOnce(), 1, 'the expired lease is taken over')
  const [done] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
  assert.ok(done!.doneAt !== null)
  assert.deepEqual(done!.payload.steps, ['first', 'second'])

  release()
  assert.equal(await stalledRun, 0, 'the stalled worker counts nothing')
  assert.deepEqual(ran, ['stalled:first', 'healthy:first', 'healthy:second'], 'the stalled worker did not start its next step')
  const [after] = await database.db.select().from(outbox).where(eq(outbox.id, row!.id))
  assert.deepEqual(after, done, 'the row is as the new holder left it')
  const topics = (await database.db.select({ topic: outbox.topic }).from(outbox)).map((r) => r.topic).sort()
  assert.deepEqual(topics, ['test.first-by-healthy', 'test.steps'], "the stalled worker's step commit did not happen")
})

// Decision 0062: the writer of an outbox row stores its ordering key (the customer's chat); the
// worker delivers one key's rows in the order they were written and different keys side by side.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq, isNull } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { claimOutboxBatch, createOutboxQueue, enqueueOutbox, type OutboxTopic } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { createLoggingNotifier } from '../../src/jobs/notifier.js'
import { outbox, shopOrder } from '../../src/adapters/postgres/schema.js'
import { FakeClock } from '../../src/domain/shared/clock.js'

const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }
const topic = 'test.message' as OutboxTopic

/** A promise with its resolver, and a bound on how long a broken worker may hang the test. */
function gate (what: string): { open(): void, opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve
    setTimeout(() => reject(new Error(`never happened: ${what}`)), 20_000).unref()
  })
  return { open, opened }
}

test('rows of one chat are delivered in the order written while other chats are delivered beside them', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 11, 7))
  const now = clock.now()
  // an order of customer 7: its row names only the order; the writer keys it by the customer's chat
  const [order] = await database.db.insert(shopOrder).values({ customerTelegramId: 7, currency: 'UZS', totalAmount: 100_000, expiresAt: new Date(now + 3_600_000) }).returning({ id: shopOrder.id })
  await enqueueOutbox(database.db, topic, { name: 'paid', orderId: order!.id }, now)
  await enqueueOutbox(database.db, topic, { name: 'other-1', telegramId: 8 }, now)
  await enqueueOutbox(database.db, topic, { name: 'notice', telegramId: 7 }, now)
  await enqueueOutbox(database.db, topic, { name: 'other-2', telegramId: 9 }, now)
  const keys = await database.db.select({ key: outbox.orderingKey }).from(outbox).orderBy(outbox.id)
  assert.deepEqual(keys.map((k) => k.key), ['chat:7', 'chat:8', 'chat:7', 'chat:9'])

  const events: string[] = []
  const othersDone = { n: 0, gate: gate('the other chats delivered while the first row of chat 7 is in flight') }
  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    concurrency: 4,
    handlers: {
      [topic]: async ({ payload }) => {
        const name = String(payload.name)
        events.push(`start ${name}`)
        // the first row of chat 7 finishes only once both other chats are delivered: they ran beside it
        if (name === 'paid') await othersDone.gate.opened
        events.push(`end ${name}`)
        if (name.startsWith('other') && ++othersDone.n === 2) othersDone.gate.open()
      }
    }
  })
  assert.equal(await worker.runOnce(), 4)
  const paidEnd = events.indexOf('end paid')
  assert.ok(events.indexOf('end other-1') < paidEnd && events.indexOf('end other-2') < paidEnd, `other chats during the first row: ${events.join(', ')}`)
  assert.ok(events.indexOf('start notice') > paidEnd, `chat 7's second row starts after its first ends: ${events.join(', ')}`)
  const left = await database.db.select().from(outbox).where(isNull(outbox.doneAt))
  assert.equal(left.length, 0)
})

test('a row is not claimed while an earlier row of its key is leased to another worker, and follows it once that is done', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 11, 7))
  const now = clock.now()
  const first = await enqueueOutbox(database.db, topic, { name: 'first' }, now, { orderingKey: 'chat:7' })
  const second = await enqueueOutbox(database.db, topic, { name: 'second' }, now, { orderingKey: 'chat:7' })
  const unrelated = await enqueueOutbox(database.db, topic, { name: 'unrelated' }, now, { orderingKey: 'chat:8' })

  // another instance holds the first row (claimed one at a time)
  const [held] = await claimOutboxBatch(database.db, now, 'peer:1:x#1', 10_000, 1)
  assert.equal(held!.id, first)

  const delivered: string[] = []
  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    handlers: { [topic]: async ({ payload }) => { delivered.push(String(payload.name)) } }
  })
  assert.equal(await worker.runOnce(), 1)
  assert.deepEqual(delivered, ['unrelated'], 'the second row of chat 7 waits for the first')
  const [waiting] = await database.db.select().from(outbox).where(eq(outbox.id, second))
  assert.equal(waiting!.leaseOwner, null)
  assert.equal(waiting!.doneAt, null)

  // the peer delivers the first row; the second is then this worker's
  await database.db.update(outbox).set({ doneAt: new Date(now), leaseOwner: null, leaseExpiresAt: null }).where(eq(outbox.id, first))
  assert.equal(await worker.runOnce(), 1)
  assert.deepEqual(delivered, ['unrelated', 'second'])
  assert.ok(unrelated > second)
})

test('a peer that stopped renewing holds the key only until its lease expires', async (t) => {
  const database = await createTestDb(t)
  const clock = new FakeClock(Date.UTC(2026, 11, 7))
  await enqueueOutbox(database.db, topic, { name: 'first' }, clock.now(), { orderingKey: 'admin' })
  await enqueueOutbox(database.db, topic, { name: 'second' }, clock.now(), { orderingKey: 'admin' })
  await claimOutboxBatch(database.db, clock.now(), 'dead:1:x#1', 10_000, 1)
  const delivered: string[] = []
  const worker = createOutboxWorker({
    queue: createOutboxQueue(database.db),
    clock,
    notifier: createLoggingNotifier(quiet),
    logger: quiet,
    handlers: { [topic]: async ({ payload }) => { delivered.push(String(payload.name)) } }
  })
  assert.equal(await worker.runOnce(), 0)
  clock.advance(10_000)
  assert.equal(await worker.runOnce(), 2)
  assert.deepEqual(delivered, ['first', 'second'], 'taken over in the order written')
})

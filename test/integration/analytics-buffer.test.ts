// Issue 16: the bot's analytics events are buffered and written in batches. A full buffer drops
// and counts (bozor_analytics_events_dropped_total) instead of growing; close() writes what is
// left; one row per customer and day whatever the number of events, its steps OR-ed together;
// broadcast.sent marks nobody active.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asc } from 'drizzle-orm'
import { createTestDb } from '../helpers/db.js'
import { createEventBuffer } from '../../src/jobs/analytics-buffer.js'
import { createAnalyticsStore } from '../../src/adapters/postgres/analytics-store.js'
import { createMetrics } from '../../src/metrics.js'
import { analyticsCustomerDay, analyticsEvent } from '../../src/adapters/postgres/schema.js'

test('the event buffer writes batches, drops and counts beyond its bound, and writes the rest on close', async (t) => {
  const database = await createTestDb(t)
  const metrics = createMetrics()
  const store = createAnalyticsStore(database.db, { timezone: 'UTC', sandbox: false, includeSandbox: false })
  const warnings: unknown[] = []
  const now = Date.parse('2026-04-01T10:00:00Z')
  const buffer = createEventBuffer({
    sink: store,
    onDrop: (n, reason) => { metrics.analyticsDropped.inc({ reason }, n) },
    logger: { warn: (obj) => { warnings.push(obj) } },
    now: () => now,
    maxEntries: 5,
    flushAt: 100,
    intervalMs: 60_000
  })
  buffer.record({ name: 'bot.started', customerTelegramId: 7, at: now, properties: { source: 'insta' } })
  buffer.record({ name: 'catalog.opened', customerTelegramId: 7, at: now + 1 })
  buffer.active(7)
  buffer.record({ name: 'checkout.started', customerTelegramId: 8, at: now + 2, properties: { productId: 'prd_x' } })
  buffer.record({ name: 'broadcast.sent', customerTelegramId: 9, at: now + 3, properties: { broadcastId: 'brd_1' } })
  // the sixth and seventh find the buffer full
  buffer.record({ name: 'product.viewed', customerTelegramId: 8, at: now + 4 })
  buffer.active(10)
  assert.equal(buffer.size, 5)
  const dropped = await metrics.analyticsDropped.get()
  assert.deepEqual(dropped.values.map((v) => [v.labels.reason, v.value]), [['buffer_full', 2]])

  await buffer.close()
  assert.equal(buffer.size, 0)
  const events = await database.db.select().from(analyticsEvent).orderBy(asc(analyticsEvent.id))
  assert.deepEqual(events.map((e) => [e.name, e.customerTelegramId, e.properties]), [
    ['bot.started', 7, { source: 'insta' }], ['catalog.opened', 7, {}], ['checkout.started', 8, { productId: 'prd_x' }], ['broadcast.sent', 9, { broadcastId: 'brd_1' }]
  ])
  const days = await database.db.select().from(analyticsCustomerDay).orderBy(asc(analyticsCustomerDay.customerTelegramId))
  assert.deepEqual(days.map((d) => [d.day, d.customerTelegramId, d.steps]), [['2026-04-01', 7, 3], ['2026-04-01', 8, 8]])

  // a later batch the same day adds its steps to the same row
  buffer.record({ name: 'product.viewed', customerTelegramId: 7, at: now + 10 })
  await buffer.flush()
  const again = await database.db.select().from(analyticsCustomerDay).orderBy(asc(analyticsCustomerDay.customerTelegramId))
  assert.deepEqual(again.map((d) => [d.customerTelegramId, d.steps]), [[7, 7], [8, 8]])
  // an order id past 2^53, quotes and nesting in the properties, the event's own time: written as recorded
  buffer.record({ name: 'checkout.started', customerTelegramId: 7, at: now + 20, orderId: '9007199254740993', properties: { productId: 'it\'s "x"', nested: { a: [1, 2] } } })
  await buffer.flush()
  const last = (await database.db.select().from(analyticsEvent).orderBy(asc(analyticsEvent.id))).at(-1)!
  assert.deepEqual([last.name, last.orderId, last.at.getTime(), last.properties], ['checkout.started', '9007199254740993', now + 20, { productId: 'it\'s "x"', nested: { a: [1, 2] } }])
  assert.deepEqual(warnings, [])
})

test('a batch the database refuses is dropped and counted, and the buffer goes on', async (t) => {
  const database = await createTestDb(t)
  const metrics = createMetrics()
  const store = createAnalyticsStore(database.db, { timezone: 'UTC', sandbox: false, includeSandbox: false })
  const warnings: unknown[] = []
  const buffer = createEventBuffer({ sink: store, onDrop: (n, reason) => { metrics.analyticsDropped.inc({ reason }, n) }, logger: { warn: (obj) => { warnings.push(obj) } }, intervalMs: 60_000 })
  // a customer id beyond bigint: PostgreSQL refuses the batch
  buffer.record({ name: 'catalog.opened', customerTelegramId: 2 ** 70, at: Date.now() })
  buffer.record({ name: 'catalog.opened', customerTelegramId: 5, at: Date.now() })
  await buffer.flush()
  assert.deepEqual((await metrics.analyticsDropped.get()).values.map((v) => [v.labels.reason, v.value]), [['write_failed', 2]])
  assert.equal(warnings.length, 1)
  buffer.record({ name: 'catalog.opened', customerTelegramId: 6, at: Date.now() })
  await buffer.close()
  assert.deepEqual((await database.db.select().from(analyticsEvent)).map((e) => e.customerTelegramId), [6])
})

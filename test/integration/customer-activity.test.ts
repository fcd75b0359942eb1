// listCustomerActivity over the leg's store and database: pages of a log whose entries share one
// timestamp, and entries recorded between two pages, neither skip nor repeat anything.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createActivityLog } from '../../src/adapters/redis/activity.js'
import { createPostgresCustomerDirectory } from '../../src/adapters/postgres/customer-directory.js'
import { customer } from '../../src/adapters/postgres/schema.js'
import { listCustomerActivity } from '../../src/usecases/customer-activity.js'
import { createTestDb } from '../helpers/db.js'
import { createTestKv } from '../helpers/kv.js'

test('pages walk a log of equal timestamps and later entries without gaps or repeats', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 2, 10, 12))
  const activity = createActivityLog({ kv: createTestKv(t, { clock }), clock })
  const database = await createTestDb(t)
  await database.db.insert(customer).values({ telegramId: 42, language: 'en' })
  const deps = { activity, customers: createPostgresCustomerDirectory(database.db) }
  // seven actions in the same millisecond, then two later ones
  for (let i = 1; i <= 7; i++) await activity.record(42, 'product.viewed', { n: i })
  clock.advance(5)
  for (let i = 8; i <= 9; i++) await activity.record(42, 'product.viewed', { n: i })
  const seen: number[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await listCustomerActivity(deps, { telegramId: 42, limit: 2, ...(cursor !== undefined ? { cursor } : {}) })
    seen.push(...page.items.map((e) => e.details!.n as number))
    cursor = page.nextCursor ?? undefined
    // one action recorded after the second page: it is newer than everything given out so far
    if (++pages === 2) {
      clock.advance(5)
      await activity.record(42, 'catalog.opened')
    }
  } while (cursor !== undefined)
  assert.deepEqual(seen, [9, 8, 7, 6, 5, 4, 3, 2, 1])
  assert.deepEqual((await listCustomerActivity(deps, { telegramId: 42 })).items.map((e) => e.action)[0], 'catalog.opened')
  await assert.rejects(listCustomerActivity(deps, { telegramId: 43 }), { code: 'ERR_CUSTOMER_NOT_FOUND' })
})

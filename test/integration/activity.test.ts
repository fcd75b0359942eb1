// Activity log (checklist 33) and daily uniques feeding DAU/WAU/MAU, on the memory store, Redis
// and a three-master Redis Cluster (services leg: multi-day PFCOUNT needs one hash tag).
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createActivityLog } from '../../src/adapters/redis/activity.js'
import { createUniques } from '../../src/adapters/redis/uniques.js'
import { createTestKvFor, testRedisUrl, type TestKvKind } from '../helpers/kv.js'
import { useTestCluster } from '../helpers/redis-cluster.js'

const DAY = 86_400_000

function activityContract (kind: TestKvKind, skip?: string): void {
  const setup = (t: TestContext) => {
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 12))
    const kv = createTestKvFor(t, kind, { clock })
    return { kv, clock, activity: createActivityLog({ kv, clock }), uniques: createUniques({ kv, clock }) }
  }

  describe(`activity and uniques (${kind})`, { skip }, () => {
    test('the activity log keeps the newest 100 entries, newest first, with a TTL', async (t) => {
      const { kv, clock, activity } = setup(t)
      for (let i = 0; i < 105; i++) {
        await activity.record(42, 'product.viewed', { productId: i })
        clock.advance(1000)
      }
      const all = await activity.list(42)
      assert.equal(all.length, 100)
      assert.deepEqual(all[0], { at: new Date(Date.UTC(2026, 2, 10, 12) + 104_000).toISOString(), action: 'product.viewed', details: { productId: 104 } })
      assert.equal(all[99]!.details!.productId, 5)
      assert.deepEqual((await activity.list(42, { offset: 10, limit: 2 })).map((e) => e.details!.productId), [94, 93])
      const pttl = await kv.pttl(kv.keys.key('act', 42))
      assert.ok(pttl > 0 && pttl <= 30 * DAY, `pttl ${pttl}`)
      assert.deepEqual(await activity.list(7), [])
    })

    test('daily uniques count each customer once per day and feed DAU, WAU and MAU', async (t) => {
      const { clock, uniques } = setup(t)
      assert.equal(await uniques.markActive(1), true)
      assert.equal(await uniques.markActive(1), false)
      await uniques.markActive(2)
      clock.advance(3 * DAY)
      await uniques.markActive(2)
      await uniques.markActive(3)
      clock.advance(10 * DAY)
      await uniques.markActive(4)
      assert.equal(await uniques.dau(), 1)
      assert.equal(await uniques.wau(), 1)
      assert.equal(await uniques.mau(), 4)
      assert.equal(await uniques.countActive(11), 3)
      await assert.rejects(uniques.countActive(0), RangeError)
    })
  })
}

const clusterKind = await useTestCluster()
activityContract('memory')
if (testRedisUrl() !== undefined) activityContract('redis')
if (clusterKind !== undefined) activityContract('cluster', clusterKind.skip)

// Redis Cluster specifics (specs/redis.md §4, §9) checked on each master directly. The cache,
// limiter, session and KvStore contracts themselves also run on a three-master cluster (the
// `cluster` kind in cache/rate-limit/session-storage/kv-store.test.ts); here: the app's keys do
// not pile up on one node, and pattern clearing leaves nothing on any master. Services leg only;
// skipped with a printed reason when redis-server is not installed.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { ANY_SEGMENT, type KvStore } from '../../src/adapters/redis/kv-store.js'
import { createRateLimiter } from '../../src/adapters/redis/rate-limiter.js'
import { createCache } from '../../src/adapters/redis/cache.js'
import { createSessionStore } from '../../src/adapters/redis/session-storage.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createTestKvFor, testClusterNodes } from '../helpers/kv.js'
import { useTestCluster } from '../helpers/redis-cluster.js'

const clusterKind = await useTestCluster()
const skip = clusterKind === undefined ? 'the cluster suite runs in the services leg only' : clusterKind.skip

/** The store's keys under `<prefix>:<area>:` held by each master, read with SCAN on that master. */
async function keysPerMaster (kv: KvStore, area: string): Promise<number[]> {
  return await Promise.all(testClusterNodes().map(async (url) => {
    const node = new Redis(url)
    try {
      const seen = new Set<string>()
      let cursor = '0'
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${kv.keys.prefix}:${area}:*`, 'COUNT', 1000)
        cursor = next
        for (const key of batch) seen.add(key)
      } while (cursor !== '0')
      return seen.size
    } finally {
      node.disconnect()
    }
  }))
}

describe('Redis Cluster (three masters)', { skip }, () => {
  test('cache entries, tag keys, limiter subjects and sessions spread over all three masters', async (t) => {
    const kv = createTestKvFor(t, 'cluster')
    const cache = createCache({ kv, cluster: true })
    const clock = new FakeClock()
    const limiter = createRateLimiter({ kv, policies: { msg: [{ limit: 3, windowS: 1 }, { limit: 10, windowS: 60 }] }, __test__now: () => clock.now() })
    const sessions = createSessionStore<{ count: number }>({ kv, ttlMs: 60_000, initial: () => ({ count: 0 }) })
    for (let i = 0; i < 30; i++) {
      await cache.set(cache.key('product', i), { i }, { ttlMs: 60_000, tags: [`product:${i}`, `category:${i % 5}`] })
      assert.equal((await limiter.check('msg', ['u', i])).degraded, false)
      await sessions.withSession(['c', i], (s) => ({ count: s.count + 1 }))
    }
    for (const area of ['c', 'tag', 'rl', 'sess']) {
      const counts = await keysPerMaster(kv, area)
      assert.ok(counts.every((n) => n > 0), `keys of area ${area} per master: ${counts.join(',')}`)
    }
  })

  test('pattern clearing leaves no matching key on any master and keeps the others', async (t) => {
    const kv = createTestKvFor(t, 'cluster')
    const cache = createCache({ kv, cluster: true })
    await kv.setManyJson(Array.from({ length: 3000 }, (_, i) => ({ key: cache.key('page', i), value: i, ttlMs: 60_000 })))
    await kv.setManyJson(Array.from({ length: 300 }, (_, i) => ({ key: kv.keys.key('keep', i), value: i, ttlMs: 60_000 })))
    const before = await keysPerMaster(kv, 'c')
    assert.ok(before.every((n) => n > 0), `page keys per master before: ${before.join(',')}`)
    assert.equal(before.reduce((a, b) => a + b, 0), 3000)
    assert.equal(await cache.clear('page', ANY_SEGMENT), 3000)
    assert.deepEqual(await keysPerMaster(kv, 'c'), [0, 0, 0])
    assert.equal((await keysPerMaster(kv, 'keep')).reduce((a, b) => a + b, 0), 300)
  })
})

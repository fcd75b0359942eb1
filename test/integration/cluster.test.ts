// The limiter, cache tag invalidation and session compare-and-set on a real three-master Redis
// Cluster (specs/redis.md §9): no CROSSSLOT errors, same behaviour as a single node. Services leg
// only; skipped with a printed reason when redis-server is not installed.
import { after, describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { ANY_SEGMENT, type KvStore } from '../../src/adapters/redis/kv-store.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import { createRateLimiter } from '../../src/adapters/redis/rate-limiter.js'
import { createCache } from '../../src/adapters/redis/cache.js'
import { createSessionStore } from '../../src/adapters/redis/session-storage.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { hasRedisServer, uniqueKvPrefix } from '../helpers/kv.js'
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js'

const inServicesLeg = process.env.BOZOR_TEST_LEG === 'services'
const skipReason = !inServicesLeg
  ? 'the cluster suite runs in the services leg only'
  : !hasRedisServer() ? 'redis-server is not installed (install it to run the Redis Cluster suite)' : undefined
if (skipReason !== undefined && inServicesLeg) console.log(`# cluster suite skipped: ${skipReason}`)

const cluster: RedisCluster | undefined = skipReason === undefined ? await startRedisCluster({ after }) : undefined

function clusterKv (t: TestContext): KvStore {
  const kv = createRedisKv({ cluster: true, nodes: cluster!.nodes, commandTimeoutMs: 2000, prefix: uniqueKvPrefix() })
  t.after(async () => {
    try { await kv.deleteByPattern(kv.keys.everything()) } finally { await kv.close() }
  })
  return kv
}

describe('Redis Cluster (three masters)', { skip: skipReason }, () => {
  test('the limiter checks several rules of one subject in one call without CROSSSLOT', async (t) => {
    const kv = clusterKv(t)
    const clock = new FakeClock()
    const limiter = createRateLimiter({ kv, policies: { msg: [{ limit: 3, windowS: 1 }, { limit: 10, windowS: 60 }] }, __test__now: () => clock.now() })
    for (let s = 0; s < 20; s++) {
      const results = []
      for (let i = 0; i < 4; i++) results.push(await limiter.check('msg', ['u', s]))
      assert.deepEqual(results.map((r) => r.allowed), [true, true, true, false])
      assert.equal(results[3]!.degraded, false)
    }
    const parallel = await Promise.all(Array.from({ length: 30 }, () => limiter.check('msg', ['u', 'p'])))
    assert.equal(parallel.filter((r) => r.allowed).length, 3)
  })

  test('cache tags, write-then-verify, dependency cascade and pattern clearing work across slots', async (t) => {
    const kv = clusterKv(t)
    const cache = createCache({ kv, cluster: true })
    const ttl = { ttlMs: 60_000 }
    for (let i = 0; i < 50; i++) await cache.set(cache.key('product', i), { i }, { ...ttl, tags: [`product:${i}`, i % 2 === 0 ? 'category:even' : 'category:odd', 'catalog'] })
    assert.equal(await cache.invalidateTag('category:even'), 25)
    assert.deepEqual(await cache.get(cache.key('product', 0)), { hit: false })
    assert.deepEqual(await cache.get(cache.key('product', 1)), { hit: true, value: { i: 1 } })
    const stale = await cache.getOrLoad(cache.key('stale'), async () => { await cache.invalidateTag('catalog'); return 'old' }, { ...ttl, tags: ['catalog'] })
    assert.equal(stale, 'old')
    assert.deepEqual(await cache.get(cache.key('stale')), { hit: false })
    await cache.set(cache.key('base'), 1, ttl)
    await cache.set(cache.key('derived'), 2, { ...ttl, dependsOn: [cache.key('base')] })
    assert.equal((await cache.invalidateKey(cache.key('base'))).length, 2)
    for (let i = 0; i < 300; i++) await cache.set(cache.key('page', i), i, ttl)
    await cache.set(cache.key('other'), 1, ttl)
    assert.equal(await cache.clear('page', ANY_SEGMENT), 300)
    assert.deepEqual(await cache.get(cache.key('other')), { hit: true, value: 1 })
  })

  test('session compare-and-set keeps two concurrent updates from two instances', async (t) => {
    const kv = clusterKv(t)
    const make = () => createSessionStore<{ count: number }>({ kv, ttlMs: 60_000, initial: () => ({ count: 0 }) })
    const [a, b] = [make(), make()]
    const add = async (s: { count: number }) => { await new Promise((resolve) => setImmediate(resolve)); return { count: s.count + 1 } }
    for (let chat = 0; chat < 10; chat++) {
      await Promise.all([a.withSession(['c', chat], add), b.withSession(['c', chat], add)])
      assert.equal((await a.read(['c', chat])).count, 2)
    }
  })
})

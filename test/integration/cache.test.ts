// Cache contract (specs/redis.md §2–4, checklist 1–15, 17, 18) on the memory store, on Redis and
// on a three-master Redis Cluster (services leg; the cache then writes tagged entries with
// write-then-verify, and pattern clearing SCANs every master).
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { ANY_SEGMENT, type KvStore } from '../../src/adapters/redis/kv-store.js'
import { createMemoryKv } from '../../src/adapters/redis/memory-kv.js'
import { createCache, type Cache } from '../../src/adapters/redis/cache.js'
import { createTestKvFor, testRedisUrl, type TestKvKind } from '../helpers/kv.js'
import { useTestCluster } from '../helpers/redis-cluster.js'

const cacheKeyOf = (kv: KvStore, name: string): string => kv.keys.key('c', name)

interface Harness { kv: KvStore, cache: Cache, clock: FakeClock, batches: number[] }

function cacheContract (kind: TestKvKind, skip?: string): void {
  const cluster = kind === 'cluster'
  const setup = (t: TestContext, random?: () => number): Harness => {
    const clock = new FakeClock()
    const batches: number[] = []
    const kv = createTestKvFor(t, kind, { clock, __test__onUnlinkBatch: (n) => batches.push(n) })
    return { kv, cache: createCache({ kv, cluster, random }), clock, batches }
  }
  const ttl = { ttlMs: 60_000 }

  describe(`cache (${kind})`, { skip }, () => {
    test('values round-trip, Date becomes an ISO string, a cached null is a hit', async (t) => {
      const { cache } = setup(t)
      const value = { list: [1, 2.5, { deep: 'Чай 🍵' }], at: new Date(Date.UTC(2026, 1, 3)) }
      await cache.set(cache.key('v', 1), value, ttl)
      assert.deepEqual(await cache.get(cache.key('v', 1)), { hit: true, value: { list: [1, 2.5, { deep: 'Чай 🍵' }], at: '2026-02-03T00:00:00.000Z' } })
      await cache.set(cache.key('v', 'null'), null, ttl)
      assert.deepEqual(await cache.get(cache.key('v', 'null')), { hit: true, value: null })
      assert.deepEqual(await cache.get(cache.key('v', 'absent')), { hit: false })
    })

    test('entries expire after their TTL; bulk entries get a TTL up to 10 % shorter', async (t) => {
      const { kv, cache, clock } = setup(t, () => 0.999)
      await cache.set(cache.key('t', 1), 'x', { ttlMs: 5000 })
      const pttl = await kv.pttl(cache.key('t', 1))
      assert.ok(pttl > 0 && pttl <= 5000, `pttl ${pttl}`)
      await cache.set(cache.key('t', 2), 'x', { ttlMs: 10_000, bulk: true })
      const bulk = await kv.pttl(cache.key('t', 2))
      assert.ok(bulk > 0 && bulk <= 9010, `bulk pttl ${bulk}`)
      if (kind === 'memory') {
        clock.advance(5000)
        assert.deepEqual(await cache.get(cache.key('t', 1)), { hit: false })
      }
    })

    test('100 concurrent getOrLoad calls on a cold key run the loader once', async (t) => {
      const { cache } = setup(t)
      let calls = 0
      const loader = async (): Promise<string> => { calls++; await new Promise((resolve) => setImmediate(resolve)); return 'card' }
      const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad(cache.key('sf'), loader, ttl)))
      assert.equal(calls, 1)
      assert.ok(values.every((v) => v === 'card'))
      assert.deepEqual(await cache.get(cache.key('sf')), { hit: true, value: 'card' })
    })

    test('a loader error reaches every waiter, is not cached, and the next call retries', async (t) => {
      const { cache } = setup(t)
      let calls = 0
      const failing = async (): Promise<string> => { calls++; await Promise.resolve(); throw new Error('db down') }
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => cache.getOrLoad(cache.key('e'), failing, ttl)))
      assert.equal(calls, 1)
      assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'db down'))
      assert.deepEqual(await cache.get(cache.key('e')), { hit: false })
      assert.equal(await cache.getOrLoad(cache.key('e'), async () => 'ok', ttl), 'ok')
    })

    test('a BigInt throws at write time and stores nothing', async (t) => {
      const { kv, cache } = setup(t)
      await assert.rejects(cache.set(cache.key('big'), { n: 1n }, ttl), TypeError)
      assert.equal(await kv.exists(cache.key('big')), false)
    })

    test('invalidating a tag removes its entries and keeps others', async (t) => {
      const { kv, cache } = setup(t)
      await cache.set(cache.key('a1'), 1, { ...ttl, tags: ['A'] })
      await cache.set(cache.key('ab'), 2, { ...ttl, tags: ['A', 'B'] })
      await cache.set(cache.key('b1'), 3, { ...ttl, tags: ['B'] })
      await cache.set(cache.key('u'), 4, ttl)
      assert.equal(await cache.invalidateTag('A'), 2)
      assert.equal(await kv.exists(cache.key('a1')), false)
      assert.equal(await kv.exists(cache.key('ab')), false)
      assert.equal(await kv.exists(cache.key('b1')), true)
      assert.equal(await kv.exists(cache.key('u')), true)
      await cache.set(cache.key('ab2'), 2, { ...ttl, tags: ['A', 'B'] })
      await cache.invalidateTag('B')
      assert.equal(await kv.exists(cache.key('ab2')), false)
      assert.equal(await kv.exists(cache.key('b1')), false)
    })

    test('stale-write guard: a tag invalidated while loading leaves nothing cached', async (t) => {
      const { cache } = setup(t)
      const value = await cache.getOrLoad(cache.key('stale'), async () => {
        await cache.invalidateTag('catalog')
        return 'old'
      }, { ...ttl, tags: ['catalog'] })
      assert.equal(value, 'old')
      assert.deepEqual(await cache.get(cache.key('stale')), { hit: false })
    })

    test('a key written after an invalidation survives it and goes with the next one', async (t) => {
      const { kv, cache } = setup(t)
      await cache.set(cache.key('k1'), 1, { ...ttl, tags: ['T'] })
      await cache.invalidateTag('T')
      await cache.set(cache.key('k2'), 2, { ...ttl, tags: ['T'] })
      assert.equal(await kv.exists(cache.key('k2')), true)
      await cache.invalidateTag('T')
      assert.equal(await kv.exists(cache.key('k2')), false)
    })

    test('dependency invalidation cascades transitively and stops on cycles', async (t) => {
      const { kv, cache } = setup(t)
      const [a, b, c] = [cache.key('a'), cache.key('b'), cache.key('c')]
      await cache.set(c, 'c', ttl)
      await cache.set(b, 'b', { ...ttl, dependsOn: [c] })
      await cache.set(a, 'a', { ...ttl, dependsOn: [b] })
      assert.deepEqual((await cache.invalidateKey(c)).sort(), [a, b, c].sort())
      for (const k of [a, b, c]) assert.equal(await kv.exists(k), false)
      await cache.set(a, 'a', { ...ttl, dependsOn: [b] })
      await cache.set(b, 'b', { ...ttl, dependsOn: [a] })
      assert.deepEqual((await cache.invalidateKey(a)).sort(), [a, b].sort())
    })

    test('clearing product:* deletes exactly the matching keys, literally for user segments', async (t) => {
      const { kv, cache } = setup(t)
      const entries = Array.from({ length: 3000 }, (_, i) => [
        { key: cache.key('product', i), value: { v: i }, ttlMs: 60_000 },
        { key: cache.key('category', i), value: { v: i }, ttlMs: 60_000 }
      ]).flat()
      await kv.setManyJson(entries)
      assert.equal(await cache.clear('product', ANY_SEGMENT), 3000)
      assert.equal(await kv.exists(cache.key('category', 2999)), true)
      await cache.set(cache.key('q', 'a*'), 1, ttl)
      await cache.set(cache.key('q', 'ab'), 1, ttl)
      assert.equal(await cache.clear('q', 'a*'), 1)
      assert.equal(await kv.exists(cache.key('q', 'ab')), true)
      await assert.rejects(cache.clear(), RangeError)
      await assert.rejects(cache.clear(ANY_SEGMENT), RangeError)
    })

    test('clearing a pattern with 20 000 matching keys deletes exactly those, in UNLINK batches of at most 500', async (t) => {
      const { kv, cache, batches } = setup(t)
      const write = async (name: string, count: number): Promise<void> => {
        for (let i = 0; i < count; i += 2000) {
          await kv.setManyJson(Array.from({ length: Math.min(2000, count - i) }, (_, j) => ({ key: cache.key(name, i + j), value: { v: i + j }, ttlMs: 60_000 })))
        }
      }
      await write('bulk', 20_000)
      // names sharing the matching name's start must survive: `bulk:*` is not `bulk*`
      await write('bulky', 700)
      await write('other', 300)
      const count = async (name: string): Promise<number> => {
        const seen = new Set<string>()
        for await (const batch of kv.scan(kv.keys.pattern('c', name, ANY_SEGMENT))) for (const key of batch) seen.add(key)
        return seen.size
      }
      assert.equal(await count('bulk'), 20_000)
      batches.length = 0
      assert.equal(await cache.clear('bulk', ANY_SEGMENT), 20_000)
      assert.equal(await count('bulk'), 0)
      assert.equal(await count('bulky'), 700)
      assert.equal(await count('other'), 300)
      assert.deepEqual(await cache.get(cache.key('bulky', 699)), { hit: true, value: 699 })
      assert.ok(batches.length >= 40 && batches.every((n) => n <= 500), `batches ${batches.length}, largest ${Math.max(...batches)}`)
    })

    test('two instances with first-tier caches both see a tag and a key invalidation', async (t) => {
      const { kv } = setup(t)
      const [a, b] = [createCache({ kv, cluster, localTier: { maxEntries: 100, ttlMs: 60_000 } }), createCache({ kv, cluster, localTier: { maxEntries: 100, ttlMs: 60_000 } })]
      const card = cacheKeyOf(kv, 'card')
      await a.getOrLoad(card, async () => 'v1', { ...ttl, tags: ['category:1'] })
      assert.equal(await b.getOrLoad(card, async () => 'unused', { ...ttl, tags: ['category:1'] }), 'v1')
      await kv.del([card]) // not an invalidation: B answers from its first tier
      assert.deepEqual(await b.get(card), { hit: true, value: 'v1' })
      await a.set(card, 'v2', { ...ttl, tags: ['category:1'] })
      await a.invalidateTag('category:1')
      assert.equal(await b.getOrLoad(card, async () => 'v3', { ...ttl, tags: ['category:1'] }), 'v3')
      assert.equal(await a.getOrLoad(card, async () => 'unused', { ...ttl, tags: ['category:1'] }), 'v3')
      await b.invalidateKey(card)
      assert.deepEqual(await a.get(card), { hit: false })
    })

    if (kind !== 'memory') {
      test('(Redis) invalid JSON is a miss and is deleted; tag sets outlive their members', async (t) => {
        const { kv, cache } = setup(t)
        await kv.setString(cache.key('bad'), '{nope', { ttlMs: 60_000 })
        assert.deepEqual(await cache.get(cache.key('bad')), { hit: false })
        assert.equal(await kv.exists(cache.key('bad')), false)
        await cache.set(cache.key('long'), 1, { ttlMs: 100_000, tags: ['L'] })
        await cache.set(cache.key('short'), 1, { ttlMs: 1000, tags: ['L'] })
        const setTtl = await kv.pttl(kv.keys.taggedKey('tag', 'L', 'k'))
        assert.ok(setTtl >= (await kv.pttl(cache.key('long'))), `tag set ttl ${setTtl}`)
      })

      test('(Redis) a tag with 5000 members is cleared in UNLINK batches of at most 500', async (t) => {
        const { kv, cache, batches } = setup(t)
        for (let i = 0; i < 5000; i += 500) {
          await Promise.all(Array.from({ length: 500 }, (_, j) => cache.set(cache.key('m', i + j), i + j, { ...ttl, tags: ['big'] })))
        }
        batches.length = 0
        assert.equal(await cache.invalidateTag('big'), 5000)
        assert.ok(batches.length >= 10 && batches.every((n) => n <= 500), `batches ${batches.join(',')}`)
        assert.equal(await kv.exists(cache.key('m', 4999)), false)
      })
    }
  })
}

const clusterKind = await useTestCluster()
cacheContract('memory')
if (testRedisUrl() !== undefined) cacheContract('redis')
if (clusterKind !== undefined) cacheContract('cluster', clusterKind.skip)

test('with the store down, getOrLoad calls the loader and returns its value', async () => {
  const kv = createMemoryKv({ prefix: 't-down' })
  await kv.close()
  const warnings: string[] = []
  const cache = createCache({ kv, logger: { warn: (_o, msg) => warnings.push(msg) } })
  assert.equal(await cache.getOrLoad(cache.key('x'), async () => 42, { ttlMs: 1000, tags: ['T'] }), 42)
  assert.ok(warnings.length >= 1)
})

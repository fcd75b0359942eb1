// Sliding-window limiter contract (specs/redis.md §5, checklist 19–28) on the memory store, on
// Redis and on a three-master Redis Cluster (services leg). Time is driven by a FakeClock: the
// memory store's clock, or the Redis script's test-only "now" (`__test__now`).
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { keySlot, type KvStore } from '../../src/adapters/redis/kv-store.js'
import { createMemoryKv } from '../../src/adapters/redis/memory-kv.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import { createRateLimiter, type RateLimiter } from '../../src/adapters/redis/rate-limiter.js'
import { RATE_LIMIT_TTL_MARGIN_MS } from '../../src/adapters/redis/rate-limit-script.js'
import { createMetrics } from '../../src/metrics.js'
import fc from 'fast-check'
import { createTestKvFor, freePort, hasRedisServer, startPrivateRedis, testRedisUrl, type TestKvKind } from '../helpers/kv.js'
import { clusterMasterOf, startRedisCluster, useTestCluster } from '../helpers/redis-cluster.js'

const POLICIES = {
  five: [{ limit: 5, windowS: 1 }],
  pair: [{ limit: 3, windowS: 1 }, { limit: 10, windowS: 60 }],
  twoWindows: [{ limit: 2, windowS: 1 }, { limit: 3, windowS: 10 }],
  ten: [{ limit: 10, windowS: 1 }],
  fifty: [{ limit: 50, windowS: 60 }],
  hourly: [{ limit: 1, windowS: 3600 }]
}

interface Harness { kv: KvStore, limiter: RateLimiter, clock: FakeClock }

/** The limiter, with every decision checked to come from the shared store, not the in-process fallback. */
function shared (limiter: RateLimiter): RateLimiter {
  return {
    keysOf: (policy, subject) => limiter.keysOf(policy, subject),
    check: async (policy, subject, cost) => {
      const decision = await limiter.check(policy, subject, cost)
      assert.equal(decision.degraded, false, 'answered by the in-process fallback, not the store')
      return decision
    }
  }
}

function limiterContract (kind: TestKvKind, skip?: string): void {
  const setup = (t: TestContext): Harness => {
    const clock = new FakeClock()
    const kv = createTestKvFor(t, kind, { clock })
    const limiter = createRateLimiter({ kv, policies: POLICIES, ...(kind === 'memory' ? {} : { __test__now: () => clock.now() }) })
    return { kv, limiter: shared(limiter), clock }
  }

  describe(`rate limiter (${kind})`, { skip }, () => {
    test('5 per second: five calls pass, the sixth waits at most a second', async (t) => {
      const { limiter, clock } = setup(t)
      clock.advance(500) // mid-bucket; at a bucket start the §5 wait is w + w·k/c = 1200 ms
      for (let i = 0; i < 5; i++) assert.equal((await limiter.check('five', ['u', 1])).allowed, true)
      const denied = await limiter.check('five', ['u', 1])
      assert.equal(denied.allowed, false)
      assert.deepEqual(denied.violatedRule, { limit: 5, windowS: 1 })
      assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 1000, `retryAfterMs ${denied.retryAfterMs}`)
      assert.equal(denied.remaining, 0)
      assert.equal((await limiter.check('five', ['u', 2])).allowed, true, 'another subject has its own quota')
    })

    test('a denial by the short rule consumes nothing from the long rule', async (t) => {
      const { kv, limiter } = setup(t)
      for (let i = 0; i < 3; i++) assert.equal((await limiter.check('pair', ['u', 7])).allowed, true)
      const denied = await limiter.check('pair', ['u', 7])
      assert.equal(denied.allowed, false)
      assert.deepEqual(denied.violatedRule, { limit: 3, windowS: 1 })
      const [, longKey] = limiter.keysOf('pair', ['u', 7])
      assert.equal((await kv.hgetall(longKey!)).c, '3')
    })

    test('retryAfterMs is the longest wait among violated rules and a call then passes', async (t) => {
      const { limiter, clock } = setup(t)
      assert.equal((await limiter.check('twoWindows', 's')).allowed, true)
      clock.advance(2000)
      assert.equal((await limiter.check('twoWindows', 's')).allowed, true)
      assert.equal((await limiter.check('twoWindows', 's')).allowed, true)
      const denied = await limiter.check('twoWindows', 's')
      assert.equal(denied.allowed, false)
      assert.deepEqual(denied.violatedRule, { limit: 3, windowS: 10 })
      assert.equal(denied.retryAfterMs, 8000 + 3334, 'the 10 s rule waits longer than the 1 s rule (1500 ms)')
      clock.advance(denied.retryAfterMs - 1)
      assert.equal((await limiter.check('twoWindows', 's')).allowed, false, 'one ms early is still denied')
      clock.advance(1)
      assert.equal((await limiter.check('twoWindows', 's')).allowed, true)
    })

    test('boundary smoothing: a full bucket denies the next bucket start, half passes at mid-bucket', async (t) => {
      const { limiter, clock } = setup(t)
      for (let i = 0; i < 10; i++) assert.equal((await limiter.check('ten', 'b')).allowed, true)
      clock.advance(1000)
      assert.equal((await limiter.check('ten', 'b')).allowed, false)
      clock.advance(500)
      let passed = 0
      for (let i = 0; i < 10; i++) if ((await limiter.check('ten', 'b')).allowed) passed++
      assert.equal(passed, 5)
    })

    test('a cost above the limit is denied forever and changes no counter', async (t) => {
      const { kv, limiter } = setup(t)
      assert.equal((await limiter.check('ten', 'c', 4)).remaining, 6)
      const denied = await limiter.check('ten', 'c', 11)
      assert.equal(denied.allowed, false)
      assert.equal(denied.retryAfterMs, -1)
      assert.equal((await kv.hgetall(limiter.keysOf('ten', 'c')[0]!)).c, '4')
      await assert.rejects(limiter.check('ten', 'c', 0), RangeError)
    })

    test('200 parallel calls against a limit of 50 allow exactly 50', async (t) => {
      const { limiter } = setup(t)
      const results = await Promise.all(Array.from({ length: 200 }, () => limiter.check('fifty', ['ip', '10.0.0.1'])))
      assert.equal(results.filter((r) => r.allowed).length, 50)
    })

    test('rule keys have a TTL of at most two windows plus the margin and share one slot', async (t) => {
      const { kv, limiter } = setup(t)
      await limiter.check('pair', ['u', 'x y*'])
      const keys = limiter.keysOf('pair', ['u', 'x y*'])
      assert.equal(new Set(keys.map(keySlot)).size, 1)
      for (const [i, key] of keys.entries()) {
        const pttl = await kv.pttl(key)
        const max = 2 * POLICIES.pair[i]!.windowS * 1000 + RATE_LIMIT_TTL_MARGIN_MS
        assert.ok(pttl > 0 && pttl <= max, `pttl ${pttl} of ${key}`)
      }
    })
  })
}

/** Checks only a server store can fail: decisions follow the server's clock and match the memory twin. */
function serverClockContract (kind: Exclude<TestKvKind, 'memory'>, skip?: string): void {
  describe(`rate limiter on the server clock (${kind})`, { skip }, () => {
    test('decisions follow the server clock, not the app clock', async (t) => {
      const kv = createTestKvFor(t, kind)
      const limiter = shared(createRateLimiter({ kv, policies: POLICIES }))
      const realNow = Date.now
      t.after(() => { Date.now = realNow })
      assert.equal((await limiter.check('hourly', 'h')).allowed, true)
      Date.now = () => realNow() + 3_600_000
      const later = await limiter.check('hourly', 'h')
      Date.now = () => realNow() - 3_600_000
      const earlier = await limiter.check('hourly', 'h')
      Date.now = realNow
      assert.equal(later.allowed, false)
      assert.equal(earlier.allowed, false)
      assert.ok(later.retryAfterMs > 3_500_000 && earlier.retryAfterMs > 3_500_000, `${later.retryAfterMs} ${earlier.retryAfterMs}`)
    })

    test('the Lua script and the memory twin make identical decisions on random traffic', async (t) => {
      const policies = { mix: [{ limit: 3, windowS: 1 }, { limit: 5, windowS: 4 }] }
      const ops = fc.array(fc.record({ advance: fc.integer({ min: 0, max: 1500 }), cost: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 30 })
      let run = 0
      await fc.assert(fc.asyncProperty(ops, async (steps) => {
        run++
        const clock = new FakeClock(Date.UTC(2026, 0, 1) + 137)
        const memory = createRateLimiter({ kv: createMemoryKv({ clock, prefix: `t-twin-${run}` }), policies })
        const server = shared(createRateLimiter({ kv: createTestKvFor(t, kind), policies, __test__now: () => clock.now() }))
        for (const step of steps) {
          clock.advance(step.advance)
          assert.deepEqual(await server.check('mix', 's', step.cost), await memory.check('mix', 's', step.cost))
        }
      }), { numRuns: 25 })
    })
  })
}

/** The server the limiter's subject lives on goes away mid-test: decisions continue from the fallback. */
function stoppedServerTest (kind: Exclude<TestKvKind, 'memory'>, skip?: string): void {
  const name = kind === 'redis'
    ? 'Redis stopped mid-test: the limiter answers from the in-process fallback'
    : 'the Redis Cluster master holding the subject stopped mid-test: the limiter answers from the in-process fallback'
  test(name, { skip: skip ?? (hasRedisServer() ? undefined : 'redis-server is not installed') }, async (t) => {
    let kv: KvStore
    let stop: (key: string) => Promise<void>
    if (kind === 'redis') {
      const server = await startPrivateRedis(t, await freePort())
      kv = createRedisKv({ url: server.url, commandTimeoutMs: 300, prefix: 't-stop' })
      stop = async () => { await server.kill() }
    } else {
      // Its own cluster: the file's cluster keeps serving the other tests.
      const cluster = await startRedisCluster(t)
      kv = createRedisKv({ nodes: cluster.nodes, cluster: true, commandTimeoutMs: 300, prefix: 't-stop' })
      stop = async (key) => { await cluster.kill(await clusterMasterOf(cluster, key)) }
    }
    t.after(() => kv.close())
    const metrics = createMetrics()
    const warnings: string[] = []
    const limiter = createRateLimiter({ kv, policies: POLICIES, metrics, clock: new FakeClock(), logger: { warn: (_o, msg) => warnings.push(msg), info: () => {} } })
    const before = await limiter.check('five', 'z')
    assert.deepEqual([before.allowed, before.degraded], [true, false])
    await stop(limiter.keysOf('five', 'z')[0]!)
    const during = await limiter.check('five', 'z')
    assert.deepEqual([during.allowed, during.degraded], [true, true])
    assert.equal(warnings.length, 1)
    assert.match(await metrics.registry.metrics(), /bozor_rate_limit_fallback_total\{policy="five"\} 1/)
  })
}

const clusterKind = await useTestCluster()
limiterContract('memory')
if (testRedisUrl() !== undefined) {
  limiterContract('redis')
  serverClockContract('redis')
  stoppedServerTest('redis')
}
if (clusterKind !== undefined) {
  limiterContract('cluster', clusterKind.skip)
  serverClockContract('cluster', clusterKind.skip)
  stoppedServerTest('cluster', clusterKind.skip)
}

test('an unavailable store falls back to an in-process limiter with the same rules, logged and counted', async (t) => {
  const port = await freePort()
  const stores = [createMemoryKv({ prefix: 't-closed' }), createRedisKv({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200, prefix: 't-down' })]
  await stores[0]!.close()
  t.after(() => stores[1]!.close())
  for (const kv of stores) {
    const warnings: string[] = []
    const metrics = createMetrics()
    const logger = { warn: (_o: object, msg: string) => warnings.push(msg), info: () => {} }
    const limiter = createRateLimiter({ kv, policies: POLICIES, logger, metrics, clock: new FakeClock() })
    const results = []
    for (let i = 0; i < 6; i++) results.push(await limiter.check('five', ['u', 9]))
    assert.deepEqual(results.map((r) => r.allowed), [true, true, true, true, true, false])
    assert.ok(results.every((r) => r.degraded))
    assert.equal(warnings.length, 1)
    assert.match(await metrics.registry.metrics(), /bozor_rate_limit_fallback_total\{policy="five"\} 6/)
  }
})

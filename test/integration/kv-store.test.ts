// Contract suite of the key-value store (specs/redis.md checklist): one suite, run against the
// memory store always, against real Redis when TEST_REDIS_URL is set and against a three-master
// Redis Cluster in the services leg; plus key helpers and Redis outage/recovery behaviour.
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { ANY_SEGMENT, createKeyBuilder, defineScript, hashTag, keySlot, KvUnavailableError, type KvStore } from '../../src/adapters/redis/kv-store.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import { createTestKvFor, freePort, hasRedisServer, startPrivateRedis, testKvServerUrls, testRedisUrl, type TestKvKind } from '../helpers/kv.js'
import { clusterMasterOf, startRedisCluster, useTestCluster } from '../helpers/redis-cluster.js'

interface Harness { kv: KvStore, kind: TestKvKind, clock: FakeClock, batches: number[] }

const tagBumpScript = defineScript({
  name: 'testTagBump',
  numberOfKeys: 3,
  lua: `local v = redis.call('INCR', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('RENAME', KEYS[1], KEYS[3]) end
return {v, ARGV[1]}`,
  memory: (db, [set, version, dying], [note]) => {
    const v = db.incrBy(version!, 1)
    if (db.exists(set!)) db.rename(set!, dying!)
    return [v, note!]
  }
})

// Run for the first time by each store, in the same tick as other commands (see the test below).
const firstUseScript = defineScript({
  name: 'testFirstUse',
  numberOfKeys: 1,
  lua: "return (redis.call('GET', KEYS[1]) or '') .. ARGV[1]",
  memory: (db, [key], [suffix]) => (db.get(key!) ?? '') + suffix!
})

async function eventually (check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Calls of `command` so far on each server (INFO commandstats; each master of a cluster). */
async function commandCalls (urls: readonly string[], command: string): Promise<number[]> {
  return await Promise.all(urls.map(async (url) => {
    const raw = new Redis(url)
    try {
      const info = await raw.info('commandstats')
      return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0)
    } finally {
      raw.disconnect()
    }
  }))
}

function kvContract (kind: TestKvKind, skip?: string): void {
  const setup = (t: TestContext): Harness => {
    const clock = new FakeClock()
    const batches: number[] = []
    const kv = createTestKvFor(t, kind, { clock, __test__onUnlinkBatch: (n) => batches.push(n) })
    return { kv, kind, clock, batches }
  }

  describe(`KvStore contract (${kind})`, { skip }, () => {
    test('JSON round trip keeps nested objects, arrays, unicode and numbers; Date becomes an ISO string', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('c', 'product', 42)
      const value = { a: [1, -2.5, 1e21, 0], nested: { text: 'Чай 🍵 çay', list: [{ x: null }], flag: true }, gone: undefined, at: new Date(Date.UTC(2026, 0, 2)) }
      assert.equal(await kv.setJson(key, value, { ttlMs: 60_000 }), true)
      assert.deepEqual(await kv.getJson(key), { a: [1, -2.5, 1e21, 0], nested: { text: 'Чай 🍵 çay', list: [{ x: null }], flag: true }, at: '2026-01-02T00:00:00.000Z' })
    })

    test('a stored null is a hit, an absent key is a miss', async (t) => {
      const { kv } = setup(t)
      await kv.setJson(kv.keys.key('c', 'n'), null, { ttlMs: 60_000 })
      assert.equal(await kv.getJson(kv.keys.key('c', 'n')), null)
      assert.equal(await kv.getJson(kv.keys.key('c', 'missing')), undefined)
      assert.equal(await kv.getString(kv.keys.key('c', 'missing')), undefined)
    })

    test('a value expires after its TTL', async (t) => {
      const { kv, clock } = setup(t)
      const key = kv.keys.key('c', 'ttl')
      await kv.setJson(key, 1, { ttlMs: 5000 })
      const pttl = await kv.pttl(key)
      assert.ok(pttl > 0 && pttl <= 5000, `pttl ${pttl}`)
      assert.equal(await kv.pttl(kv.keys.key('c', 'none')), -2)
      await kv.setString(kv.keys.key('c', 'forever'), 'x')
      assert.equal(await kv.pttl(kv.keys.key('c', 'forever')), -1)
      if (kind === 'memory') {
        clock.advance(4999)
        assert.equal(await kv.getJson(key), 1)
        clock.advance(1)
        assert.equal(await kv.getJson(key), undefined)
        assert.equal(await kv.exists(key), false)
      } else {
        await kv.setJson(key, 1, { ttlMs: 50 })
        await eventually(async () => (await kv.getJson(key)) === undefined, 'the 50 ms key to expire')
      }
    })

    test('invalid JSON reads as a miss and the key is deleted', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('c', 'bad')
      await kv.setString(key, '{"half":', { ttlMs: 60_000 })
      assert.equal(await kv.getJson(key), undefined)
      assert.equal(await kv.exists(key), false)
    })

    test('BigInt and other non-JSON values throw at write time and store nothing', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('c', 'big')
      await assert.rejects(kv.setJson(key, { n: 10n }, { ttlMs: 1000 }), TypeError)
      await assert.rejects(kv.setJson(key, { f: () => 1 }), TypeError)
      await assert.rejects(kv.pushCapped(key, 1n, 5, 1000), TypeError)
      await assert.rejects(kv.compareAndSet(key, 0, { n: 1n }, 1000), TypeError)
      assert.equal(await kv.exists(key), false)
    })

    test('setJson with nx writes only when the key is absent', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('upd', 1001)
      assert.equal(await kv.setJson(key, 1, { ttlMs: 60_000, nx: true }), true)
      assert.equal(await kv.setJson(key, 2, { ttlMs: 60_000, nx: true }), false)
      assert.equal(await kv.getJson(key), 1)
    })

    test('a capped list keeps the newest N entries, newest first, with a TTL', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('log', 'u', 7)
      for (let i = 1; i <= 7; i++) assert.equal(await kv.pushCapped(key, { i }, 5, 60_000), Math.min(i, 5))
      assert.deepEqual(await kv.range(key, 0, -1), [{ i: 7 }, { i: 6 }, { i: 5 }, { i: 4 }, { i: 3 }])
      assert.deepEqual(await kv.range(key, 1, 2), [{ i: 6 }, { i: 5 }])
      const pttl = await kv.pttl(key)
      assert.ok(pttl > 0 && pttl <= 60_000)
    })

    test('sets answer first-seen or repeat, count members and carry a TTL', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('seen', '2026-01-01')
      assert.equal(await kv.sadd(key, ['a', 'b'], 86_400_000), 2)
      assert.equal(await kv.sadd(key, ['b'], 86_400_000), 0)
      assert.equal(await kv.sismember(key, 'a'), true)
      assert.equal(await kv.sismember(key, 'z'), false)
      assert.equal(await kv.scard(key), 2)
      assert.deepEqual((await kv.smembers(key)).sort(), ['a', 'b'])
      assert.equal(await kv.srem(key, ['a', 'z']), 1)
      assert.ok((await kv.pttl(key)) > 0)
    })

    test('HyperLogLog counts distinct members across keys', async (t) => {
      const { kv } = setup(t)
      const [a, b] = [kv.keys.taggedKey('hll', 'day', 'a'), kv.keys.taggedKey('hll', 'day', 'b')]
      assert.equal(await kv.pfadd(a, ['u1', 'u2', 'u3'], 60_000), true)
      assert.equal(await kv.pfadd(a, ['u1'], 60_000), false)
      await kv.pfadd(b, ['u3', 'u4'])
      assert.equal(await kv.pfcount([a]), 3)
      assert.equal(await kv.pfcount([a, b]), 4)
      assert.ok((await kv.pttl(a)) > 0)
    })

    test('counters and hashes increment; a counter keeps the TTL set at creation', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('cnt', 'x')
      assert.equal(await kv.incr(key), 1)
      await kv.del([key])
      assert.equal(await kv.incr(key, 5, 10_000), 5)
      assert.equal(await kv.incr(key, -2, 99_000), 3)
      assert.ok((await kv.pttl(key)) <= 10_000)
      const h = kv.keys.key('h', 1)
      assert.equal(await kv.hset(h, { a: '1', b: 'x' }, 60_000), 2)
      assert.equal(await kv.hincrby(h, 'a', 4), 5)
      assert.deepEqual(await kv.hgetall(h), { a: '5', b: 'x' })
      assert.deepEqual(await kv.hgetall(kv.keys.key('h', 2)), {})
      assert.equal(await kv.expire(h, 1000), true)
      assert.equal(await kv.expire(kv.keys.key('h', 2), 1000), false)
    })

    test('locks: a second acquire fails and a wrong token cannot release', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('lock', 'job')
      assert.equal(await kv.acquireLock(key, 'a', 30_000), true)
      assert.equal(await kv.acquireLock(key, 'b', 30_000), false)
      assert.equal(await kv.releaseLock(key, 'b'), false)
      assert.equal(await kv.releaseLock(key, 'a'), true)
      assert.equal(await kv.acquireLock(key, 'b', 30_000), true)
    })

    test('compareAndSet writes only over the expected version', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.taggedKey('sess', ['c', -100123])
      assert.deepEqual(await kv.getVersioned(key), { ver: 0, data: undefined })
      assert.equal(await kv.compareAndSet(key, 0, { n: 1 }, 60_000), 1)
      assert.equal(await kv.compareAndSet(key, 0, { n: 9 }, 60_000), null)
      assert.equal(await kv.compareAndSet(key, 1, { n: 2 }, 60_000), 2)
      assert.deepEqual(await kv.getVersioned(key), { ver: 2, data: { n: 2 } })
      assert.ok((await kv.pttl(key)) > 0)
    })

    test('concurrent read-modify-write loops with compareAndSet lose no increment', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.taggedKey('sess', ['c', 5])
      const addOne = async (): Promise<void> => {
        for (;;) {
          const { ver, data } = await kv.getVersioned<{ n: number }>(key)
          if ((await kv.compareAndSet(key, ver, { n: (data?.n ?? 0) + 1 }, 60_000)) !== null) return
        }
      }
      await Promise.all(Array.from({ length: 10 }, addOne))
      assert.deepEqual((await kv.getVersioned(key)).data, { n: 10 })
    })

    test('compareAndDelete keeps a late older write from recreating the value', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.taggedKey('sess', ['c', 77])
      await kv.compareAndSet(key, 0, { n: 1 }, 60_000)
      const late = await kv.getVersioned(key) // an older update read version 1
      assert.equal(await kv.compareAndDelete(key, 0), false)
      assert.equal(await kv.compareAndDelete(key, 1), true)
      assert.equal((await kv.getVersioned(key)).data, undefined)
      assert.equal(await kv.compareAndSet(key, late.ver, { n: 99 }, 60_000), null)
      assert.equal(await kv.compareAndSet(key, 0, { n: 98 }, 60_000), null) // an update that read "absent" before
      const now = await kv.getVersioned(key)
      assert.equal(now.data, undefined)
      assert.equal(await kv.compareAndSet(key, now.ver, { n: 0 }, 60_000), now.ver + 1)
    })

    test('runScript runs one definition on both stores, by definition or by name', async (t) => {
      const { kv } = setup(t)
      const [set, version, dying] = ['k', 'v', 'dying:1'].map((s) => kv.keys.taggedKey('tag', 'A', s)) as [string, string, string]
      await kv.sadd(set, ['m1', 'm2'], 60_000)
      assert.deepEqual(await kv.runScript(tagBumpScript, [set, version, dying], ['note']), [1, 'note'])
      assert.equal(await kv.exists(set), false)
      assert.deepEqual((await kv.smembers(dying)).sort(), ['m1', 'm2'])
      assert.deepEqual(await kv.runScript('testTagBump', [set, version, dying], [2]), [2, '2'])
      await assert.rejects(kv.runScript(tagBumpScript, [set], []), RangeError)
    })

    test('a script run for the first time in the same tick as other commands answers, and so do they (one auto-pipeline)', async (t) => {
      const { kv } = setup(t)
      const key = kv.keys.key('c', 'first-use')
      await kv.setString(key, 'x', { ttlMs: 60_000 })
      // ioredis gathers the commands of one tick into one pipeline; a GET sent a few microtasks
      // earlier made that pipeline before the store had ever run the script. (A custom command
      // the pipeline lacked crashed the whole process: the CI run of redis-restart.)
      const get = kv.getString(key)
      for (let i = 0; i < 10; i++) await Promise.resolve()
      const replies = await Promise.all([get, kv.runScript(firstUseScript, [key], ['y']), kv.getString(key), kv.runScript(firstUseScript, [key], ['z'])])
      assert.deepEqual(replies, ['x', 'xy', 'x', 'xz'])
    })

    test('del counts existing keys across slots', async (t) => {
      const { kv } = setup(t)
      const list = Array.from({ length: 30 }, (_, i) => kv.keys.key('c', 'd', i))
      await kv.setManyJson(list.slice(0, 20).map((key) => ({ key, value: 1, ttlMs: 60_000 })))
      assert.equal(await kv.del(list), 20)
      assert.equal(await kv.del([]), 0)
    })

    test('deleteByPattern deletes exactly the matching keys among 12,000 in UNLINK batches of at most 500, without KEYS', async (t) => {
      const { kv, batches } = setup(t)
      const matching = Array.from({ length: 10_500 }, (_, i) => kv.keys.key('c', 'product', i))
      const others = [...Array.from({ length: 800 }, (_, i) => kv.keys.key('c', 'order', i)), ...Array.from({ length: 700 }, (_, i) => kv.keys.key('c', 'productx', i))]
      await kv.setManyJson([...matching, ...others].map((key) => ({ key, value: { key }, ttlMs: 120_000 })))
      const servers = kind === 'memory' ? [] : testKvServerUrls(kind)
      const [keysBefore, scansBefore] = [await commandCalls(servers, 'keys'), await commandCalls(servers, 'scan')]
      assert.equal(await kv.deleteByPattern(kv.keys.pattern('c', 'product', ANY_SEGMENT)), 10_500)
      assert.deepEqual(await commandCalls(servers, 'keys'), keysBefore, 'no KEYS command on any server')
      const scans = (await commandCalls(servers, 'scan')).map((n, i) => n - scansBefore[i]!)
      assert.ok(scans.every((n) => n > 0), `SCAN calls per server ${scans.join(',')}: every master is walked`)
      assert.ok(batches.length >= 21 && batches.every((n) => n > 0 && n <= 500), `batches ${batches.join(',')}`)
      const left: string[] = []
      for await (const batch of kv.scan(kv.keys.pattern('c', ANY_SEGMENT, ANY_SEGMENT), { count: 500 })) left.push(...batch)
      assert.deepEqual(new Set(left), new Set(others))
    })

    test('glob characters in user segments match literally', async (t) => {
      const { kv } = setup(t)
      const odd = ['a*', 'a?', 'a[b]', 'a\\', 'a b', '{x}']
      await kv.setManyJson(['ab', 'a*', 'a?', 'a[b]', 'a\\', 'a b', '{x}', 'x'].map((s) => ({ key: kv.keys.key('c', 'q', s), value: s, ttlMs: 60_000 })))
      for (const s of odd) {
        assert.doesNotMatch(kv.keys.key('c', 'q', s).slice(kv.keys.prefix.length), /[*?[\]\\{}\s]/)
        assert.equal(await kv.deleteByPattern(kv.keys.pattern('c', 'q', s)), 1, s)
      }
      assert.equal(await kv.getJson(kv.keys.key('c', 'q', 'ab')), 'ab')
      assert.equal(await kv.getJson(kv.keys.key('c', 'q', 'x')), 'x')
    })

    test('an empty pattern, a bare * and a pattern outside the prefix are rejected and delete nothing', async (t) => {
      const { kv } = setup(t)
      await kv.setJson(kv.keys.key('c', 'keep'), 1, { ttlMs: 60_000 })
      for (const p of ['', '*', `${kv.keys.prefix}:`, 'other:*', '*:c:keep']) {
        await assert.rejects(kv.deleteByPattern(p), RangeError, p)
        assert.throws(() => kv.scan(p), RangeError)
      }
      assert.equal(await kv.getJson(kv.keys.key('c', 'keep')), 1)
    })

    test('a closed store rejects with KvUnavailableError and ping answers false', async (t) => {
      const { kv } = setup(t)
      assert.equal(await kv.ping(), true)
      await kv.close()
      assert.equal(await kv.ping(), false)
      await assert.rejects(kv.getJson(kv.keys.key('c', 'x')), KvUnavailableError)
    })
  })
}

const clusterKind = await useTestCluster()
kvContract('memory')
if (testRedisUrl() !== undefined) kvContract('redis')
if (clusterKind !== undefined) kvContract('cluster', clusterKind.skip)

test('key builder encodes user segments and builds hash-tagged keys', () => {
  const keys = createKeyBuilder('bozor')
  assert.equal(keys.key('c', 'product', 42), 'bozor:c:product:42')
  assert.equal(keys.taggedKey('rl', ['u', 42], 'msg', '1s'), 'bozor:rl:{u:42}:msg:1s')
  assert.equal(keys.taggedKey('sess', ['c', -100123]), 'bozor:sess:{c:-100123}')
  assert.equal(keys.key('c', 'a*b? [x]\\{y}\t:%'), 'bozor:c:a%2Ab%3F%20%5Bx%5D%5C%7By%7D%09%3A%25')
  assert.equal(hashTag('dep:product:42'), '{dep%3Aproduct%3A42}')
  assert.equal(keys.pattern('c', 'product', ANY_SEGMENT), 'bozor:c:product:*')
  assert.throws(() => createKeyBuilder('bad prefix'), RangeError)
  assert.throws(() => keys.key('a:b'), RangeError)
  assert.throws(() => hashTag(''), RangeError)
})

test('keySlot matches Redis Cluster slots and honours hash tags', () => {
  assert.equal(keySlot('foo'), 12182)
  assert.equal(keySlot('123456789'), 12739)
  assert.equal(keySlot('hello'), 866)
  assert.equal(keySlot('{u:42}:a'), keySlot('{u:42}:zzz'))
  assert.equal(keySlot('foo{}{bar}'), 8363) // an empty first tag: the whole key is hashed
  assert.equal(keySlot('foo{{bar}}zap'), keySlot('{bar'))
  const keys = createKeyBuilder('p')
  assert.equal(keySlot(keys.taggedKey('rl', ['u', 42], 'msg', '1s')), keySlot(keys.taggedKey('rl', ['u', 42], 'msg', '1m')))
})

for (const kind of ['redis', 'cluster'] as const) {
  const what = kind === 'redis' ? 'Redis' : 'Redis Cluster'
  test(`an unreachable ${what} rejects with KvUnavailableError within the command timeout`, async (t) => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
    process.on('unhandledRejection', onUnhandled)
    t.after(() => { process.off('unhandledRejection', onUnhandled) })
    const kv = kind === 'redis'
      ? createRedisKv({ url: 'redis://127.0.0.1:1', cluster: false, commandTimeoutMs: 200, prefix: 'down' })
      : createRedisKv({ nodes: ['redis://127.0.0.1:1', 'redis://127.0.0.1:2'], cluster: true, commandTimeoutMs: 200, prefix: 'down' })
    t.after(() => kv.close())
    await assert.rejects(kv.getJson('down:c:x'), KvUnavailableError)
    await assert.rejects(kv.setJson('down:c:x', 1, { ttlMs: 1000 }), KvUnavailableError)
    await assert.rejects(kv.releaseLock('down:lock', 't'), KvUnavailableError)
    await assert.rejects(kv.deleteByPattern('down:c:*'), KvUnavailableError)
    assert.equal(await kv.ping(), false)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(unhandled, [])
  })
}

test('the Redis store recovers after a stall and a server restart without being recreated', async (t) => {
  if (!hasRedisServer()) {
    t.skip('redis-server is not on PATH')
    return
  }
  const server = await startPrivateRedis(t, await freePort())
  const kv = createRedisKv({ url: server.url, cluster: false, commandTimeoutMs: 300, prefix: 'rec' })
  t.after(() => kv.close())
  assert.equal(await kv.setJson('rec:c:a', { v: 1 }, { ttlMs: 60_000 }), true)
  assert.equal(await kv.acquireLock('rec:lock', 't1', 60_000), true)

  server.signal('SIGSTOP') // connected but silent: the command timeout must fire
  await assert.rejects(kv.getJson('rec:c:a'), KvUnavailableError)
  server.signal('SIGCONT')
  await eventually(async () => (await kv.getJson('rec:c:a').catch(() => undefined)) !== undefined, 'the stalled server to answer')

  await server.kill()
  assert.equal(await kv.ping(), false)
  await assert.rejects(kv.getJson('rec:c:a'), KvUnavailableError)
  await assert.rejects(kv.releaseLock('rec:lock', 't1'), KvUnavailableError)

  await startPrivateRedis(t, server.port) // same port, empty data, empty script cache
  await eventually(() => kv.ping(), 'the store to reconnect')
  assert.equal(await kv.getJson('rec:c:a'), undefined)
  assert.equal(await kv.setJson('rec:c:a', { v: 2 }, { ttlMs: 60_000 }), true)
  assert.deepEqual(await kv.getJson('rec:c:a'), { v: 2 })
  assert.equal(await kv.acquireLock('rec:lock', 't2', 60_000), true)
  assert.equal(await kv.releaseLock('rec:lock', 't2'), true) // EVALSHA falls back to EVAL
})

test('the Redis Cluster store recovers after a master stalls and restarts without being recreated', { skip: clusterKind?.skip ?? (clusterKind === undefined ? 'the Redis Cluster runs in the services leg only' : undefined) }, async (t) => {
  const cluster = await startRedisCluster(t) // its own: the file's cluster keeps serving the contract
  const kv = createRedisKv({ nodes: cluster.nodes, cluster: true, commandTimeoutMs: 300, prefix: 'rec' })
  t.after(() => kv.close())
  const [entry, lock, elsewhere] = ['rec:{r}:c:a', 'rec:{r}:lock', 'rec:c:other']
  const master = await clusterMasterOf(cluster, entry)
  assert.equal(await clusterMasterOf(cluster, lock), master)
  assert.equal(await kv.setJson(entry, { v: 1 }, { ttlMs: 60_000 }), true)
  assert.equal(await kv.acquireLock(lock, 't1', 60_000), true)
  assert.equal(await kv.releaseLock(lock, 't1'), true) // loads the script on that master
  assert.equal(await kv.acquireLock(lock, 't1', 60_000), true)

  cluster.signal(master, 'SIGSTOP') // connected but silent: the command timeout must fire
  await assert.rejects(kv.getJson(entry), KvUnavailableError)
  cluster.signal(master, 'SIGCONT')
  await eventually(async () => (await kv.getJson(entry).catch(() => undefined)) !== undefined, 'the stalled master to answer')

  await cluster.kill(master)
  await assert.rejects(kv.getJson(entry), KvUnavailableError)
  await assert.rejects(kv.releaseLock(lock, 't1'), KvUnavailableError)

  await cluster.restart(master) // same port and slots, empty data, empty script cache
  await eventually(async () => (await kv.getJson(entry).catch(() => null)) === undefined, 'the store to reach the restarted master')
  assert.equal(await kv.setJson(entry, { v: 2 }, { ttlMs: 60_000 }), true)
  assert.deepEqual(await kv.getJson(entry), { v: 2 })
  assert.equal(await kv.acquireLock(lock, 't2', 60_000), true)
  assert.equal(await kv.releaseLock(lock, 't2'), true) // EVALSHA falls back to EVAL
  assert.equal(await kv.setJson(elsewhere, 1, { ttlMs: 60_000 }), true)
  assert.equal(await kv.ping(), true)
  assert.equal(await kv.deleteByPattern('rec:*'), 2)
})

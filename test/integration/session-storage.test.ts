// Session store (specs/redis.md §6, checklist 30–32) on the memory store, on Redis and on a
// three-master Redis Cluster (services leg): versioned compare-and-set writes, versioned deletes,
// TTL refresh, and the grammY storage adapter.
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { StorageAdapter } from 'grammy'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createSessionStore, SessionConflictError } from '../../src/adapters/redis/session-storage.js'
import { createTestKvFor, testRedisUrl, type TestKvKind } from '../helpers/kv.js'
import { useTestCluster } from '../helpers/redis-cluster.js'

interface Sess { count: number, step?: string, lang?: string }
const TTL = 10_000

function sessionContract (kind: TestKvKind, skip?: string): void {
  const setup = (t: TestContext) => {
    const clock = new FakeClock()
    const kv = createTestKvFor(t, kind, { clock })
    const make = () => createSessionStore<Sess>({ kv, ttlMs: TTL, initial: () => ({ count: 0 }) })
    return { kv, clock, a: make(), b: make() }
  }
  const yieldNow = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

  describe(`session storage (${kind})`, { skip }, () => {
    test('two concurrent updates of one chat on two instances each adding 1 leave +2', async (t) => {
      const { a, b } = setup(t)
      const add = async (s: Sess): Promise<Sess> => { await yieldNow(); return { ...s, count: s.count + 1 } }
      await Promise.all([a.withSession(['c', -100123], add), b.withSession(['c', -100123], add)])
      assert.equal((await a.read(['c', -100123])).count, 2)
      await Promise.all(Array.from({ length: 10 }, () => a.withSession(['c', -100123], add)))
      assert.equal((await b.read(['c', -100123])).count, 12, 'updates inside one instance run one at a time')
    })

    test('the grammY adapter keeps both of two concurrent updates of different fields', async (t) => {
      const { a, b } = setup(t)
      const storage: StorageAdapter<Sess> = a.adapter()
      const other: StorageAdapter<Sess> = b.adapter()
      await storage.write('42', { count: 1 })
      const [mine, theirs] = await Promise.all([storage.read('42'), other.read('42')])
      await other.write('42', { ...theirs!, lang: 'uz' })
      await storage.write('42', { ...mine!, step: 'address' })
      assert.deepEqual(await a.read('42'), { count: 1, lang: 'uz', step: 'address' })
    })

    test('a late write from an older update does not recreate a deleted session', async (t) => {
      const { a, b } = setup(t)
      const storage = a.adapter()
      await a.withSession('7', (s) => ({ ...s, count: 5 }))
      const stale = await storage.read('7')
      await b.remove('7')
      await storage.write('7', { ...stale!, count: 6 })
      assert.deepEqual(await a.read('7'), { count: 0 })
      await storage.write('7', { count: 1 })
      await storage.delete('7')
      assert.equal(await storage.read('7'), undefined)
    })

    test('every write refreshes the TTL and an expired session reads as the initial value', async (t) => {
      const { kv, clock, a } = setup(t)
      await a.withSession('9', (s) => ({ ...s, count: 1 }))
      const key = kv.keys.taggedKey('sess', ['9'])
      const pttl = await kv.pttl(key)
      assert.ok(pttl > 0 && pttl <= TTL, `pttl ${pttl}`)
      if (kind === 'memory') {
        clock.advance(8000)
        await a.withSession('9', (s) => ({ ...s, count: s.count + 1 }))
        clock.advance(8000)
        assert.equal((await a.read('9')).count, 2)
        clock.advance(2001)
        assert.deepEqual(await a.read('9'), { count: 0 })
      }
    })

    test('a session changed on every attempt fails loudly after three attempts', async (t) => {
      const { a, b } = setup(t)
      let attempts = 0
      const racing = a.withSession('x', async (s) => {
        attempts++
        await b.withSession('x', (o) => ({ ...o, count: o.count + 10 }))
        return { ...s, count: s.count + 1 }
      })
      await assert.rejects(racing, SessionConflictError)
      assert.equal(attempts, 3)
      assert.equal((await a.read('x')).count, 30)
    })
  })
}

const clusterKind = await useTestCluster()
sessionContract('memory')
if (testRedisUrl() !== undefined) sessionContract('redis')
if (clusterKind !== undefined) sessionContract('cluster', clusterKind.skip)

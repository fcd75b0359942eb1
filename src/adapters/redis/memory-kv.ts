// In-process KvStore (REDIS_URL unset): same contract as the Redis store, on one MemoryDb.
// Time comes from the injected Clock, so tests move TTLs with a FakeClock.
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { compareAndDeleteScript, compareAndSetScript, deleteIfEqualsScript } from './builtin-scripts.js'
import { globToRegExp } from './glob.js'
import { decodeJson, decodeVersioned, encodeJson, ttlArg } from './kv-json.js'
import { createKeyBuilder } from './kv-keys.js'
import { resolveScript, scriptArgs, type ScriptReply } from './kv-script.js'
import {
  assertPattern, chunk, KvUnavailableError, TOMBSTONE_TTL_MS, UNLINK_BATCH,
  type KvStore, type SetOptions
} from './kv-store.js'
import { MemoryDb } from './memory-db.js'

/** Options of {@link createMemoryKv}. */
export interface MemoryKvOptions {
  /** Time source for TTLs and time-based scripts; default the system clock. */
  clock?: Clock
  /** App key prefix; default `bozor`. */
  prefix?: string
  /** Test hook: called with the key count of every UNLINK batch of deleteByPattern. */
  __test__onUnlinkBatch?: (keyCount: number) => void
}

/**
 * Creates the in-process store (embedded mode and the embedded test leg).
 *
 * @example
 * const kv = createMemoryKv({ clock: new FakeClock(), prefix: 't1' })
 */
export function createMemoryKv (options: MemoryKvOptions = {}): KvStore {
  const db = new MemoryDb(options.clock ?? systemClock)
  const keys = createKeyBuilder(options.prefix ?? 'bozor')
  let closed = false

  // Every operation goes through `op`: it runs after the caller's await (like a network store)
  // and rejects once the store is closed.
  const stats = { roundTrips: 0, commands: 0 }
  const op = async <T>(name: string, fn: () => T): Promise<T> => {
    stats.roundTrips++
    stats.commands++
    await Promise.resolve()
    if (closed) throw new KvUnavailableError(`kv: ${name} failed: the memory store is closed`)
    return fn()
  }
  const set = (key: string, text: string, o: SetOptions = {}): boolean =>
    db.set(key, text, { pxMs: o.ttlMs === undefined ? undefined : ttlArg(o.ttlMs), nx: o.nx })
  const runScript = async <R extends ScriptReply>(script: Parameters<KvStore['runScript']>[0], k: readonly string[], a: ReadonlyArray<string | number> = []): Promise<R> => {
    const def = resolveScript(script)
    const args = scriptArgs(def, k, a)
    return await op(def.name, () => def.memory(db, k, args) as R)
  }

  const store: KvStore = {
    keys,
    getJson: async <T>(key: string) => op('getJson', () => {
      const text = db.get(key)
      if (text === null) return undefined
      const parsed = decodeJson<T>(text)
      if (!parsed.ok) db.del(key)
      return parsed.ok ? parsed.value : undefined
    }),
    setJson: async (key, value, o) => {
      const text = encodeJson(value)
      return op('setJson', () => set(key, text, o))
    },
    setManyJson: async (entries) => {
      // Serialize and validate everything first: a bad entry must not leave a partial write.
      const texts = entries.map((e) => ({ key: e.key, text: encodeJson(e.value), ttlMs: e.ttlMs === undefined ? undefined : ttlArg(e.ttlMs) }))
      await op('setManyJson', () => { for (const e of texts) set(e.key, e.text, { ttlMs: e.ttlMs }) })
    },
    getString: async (key) => op('getString', () => db.get(key) ?? undefined),
    setString: async (key, value, o) => op('setString', () => set(key, value, o)),
    del: async (list) => op('del', () => list.filter((k) => db.del(k)).length),
    exists: async (key) => op('exists', () => db.exists(key)),
    pttl: async (key) => op('pttl', () => db.pttl(key)),
    expire: async (key, ttlMs) => {
      const ms = ttlArg(ttlMs)
      return op('expire', () => db.pexpire(key, ms))
    },
    incr: async (key, by = 1, ttlMs) => {
      const ms = ttlMs === undefined ? undefined : ttlArg(ttlMs)
      return op('incr', () => {
        const n = db.incrBy(key, by)
        if (ms !== undefined) db.pexpire(key, ms, 'NX')
        return n
      })
    },
    hset: async (key, fields, ttlMs) => {
      const ms = ttlMs === undefined ? undefined : ttlArg(ttlMs)
      return op('hset', () => {
        const added = db.hset(key, fields)
        if (ms !== undefined) db.pexpire(key, ms)
        return added
      })
    },
    hgetall: async (key) => op('hgetall', () => db.hgetall(key)),
    hincrby: async (key, field, by) => op('hincrby', () => db.hincrBy(key, field, by)),
    pushCapped: async (key, value, maxLen, ttlMs) => {
      const text = encodeJson(value)
      const ms = ttlArg(ttlMs)
      if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError('kv: maxLen must be a positive integer')
      return op('pushCapped', () => {
        db.lpush(key, [text])
        db.ltrim(key, 0, maxLen - 1)
        db.pexpire(key, ms)
        return db.llen(key)
      })
    },
    range: async <T>(key: string, start: number, stop: number) => op('range', () =>
      db.lrange(key, start, stop).map((t) => decodeJson<T>(t)).flatMap((p) => (p.ok ? [p.value] : []))),
    sadd: async (key, members, ttlMs) => {
      const ms = ttlMs === undefined ? undefined : ttlArg(ttlMs)
      return op('sadd', () => {
        const added = db.sadd(key, members)
        if (ms !== undefined) db.pexpire(key, ms)
        return added
      })
    },
    sismember: async (key, member) => op('sismember', () => db.sismember(key, member)),
    smembers: async (key) => op('smembers', () => db.smembers(key)),
    scard: async (key) => op('scard', () => db.scard(key)),
    srem: async (key, members) => op('srem', () => db.srem(key, members)),
    pfadd: async (key, members, ttlMs) => {
      const ms = ttlMs === undefined ? undefined : ttlArg(ttlMs)
      return op('pfadd', () => {
        const changed = db.pfadd(key, members)
        if (ms !== undefined) db.pexpire(key, ms)
        return changed
      })
    },
    pfcount: async (list) => op('pfcount', () => db.pfcount(list)),
    acquireLock: async (key, token, ttlMs) => {
      const ms = ttlArg(ttlMs)
      return op('acquireLock', () => db.set(key, token, { pxMs: ms, nx: true }))
    },
    releaseLock: async (key, token) => (await runScript(deleteIfEqualsScript, [key], [token])) === 1,
    getVersioned: async <T>(key: string) => op('getVersioned', () => {
      const { ver, data } = decodeVersioned<T>(db.get(key))
      return { ver, data }
    }),
    compareAndSet: async (key, expectedVersion, data, ttlMs) =>
      runScript(compareAndSetScript, [key], [expectedVersion, encodeJson(data), ttlArg(ttlMs)]),
    compareAndDelete: async (key, expectedVersion, tombstoneTtlMs = TOMBSTONE_TTL_MS) =>
      (await runScript(compareAndDeleteScript, [key], [expectedVersion, ttlArg(tombstoneTtlMs, 'tombstoneTtlMs')])) === 1,
    runScript,
    batch: async (calls) => {
      const defs = calls.map((c) => ({ def: resolveScript(c.script), keys: c.keys, args: scriptArgs(resolveScript(c.script), c.keys, c.args ?? []) }))
      const replies = await op('batch', () => defs.map(({ def, keys: k, args }) => {
        try {
          return def.memory(db, k, args)
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err))
        }
      }))
      stats.commands += Math.max(0, calls.length - 1)
      return replies
    },
    stats,
    scan: (pattern, o = {}) => {
      assertPattern(keys.prefix, pattern)
      const re = globToRegExp(pattern)
      const count = Math.max(1, o.count ?? 1000)
      return (async function * () {
        let batch: string[] = []
        for (const key of await op('scan', () => db.keys())) {
          if (re.test(key)) batch.push(key)
          if (batch.length >= count) {
            yield batch
            batch = []
            if (closed) throw new KvUnavailableError('kv: scan failed: the memory store is closed')
          }
        }
        if (batch.length > 0) yield batch
      })()
    },
    deleteByPattern: async (pattern) => {
      assertPattern(keys.prefix, pattern)
      let deleted = 0
      for await (const batch of store.scan(pattern)) {
        for (const part of chunk(batch, UNLINK_BATCH)) {
          options.__test__onUnlinkBatch?.(part.length)
          deleted += await store.del(part)
        }
      }
      return deleted
    },
    ping: async () => !closed,
    close: async () => {
      if (closed) return
      closed = true
      db.clear()
    }
  }
  return store
}

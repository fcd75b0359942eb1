// KvStore over ioredis (REDIS_URL set): single node or Cluster. Multi-key work is split by slot
// on a Cluster (specs/redis.md §9); pattern clearing SCANs every primary and never uses KEYS (§4).
import { createHash } from 'node:crypto'
import { ReplyError, type Cluster, type Redis } from 'ioredis'
import { compareAndDeleteScript, compareAndSetScript, deleteIfEqualsScript } from './builtin-scripts.js'
import { decodeJson, decodeVersioned, encodeJson, ttlArg } from './kv-json.js'
import { createKeyBuilder, keySlot } from './kv-keys.js'
import { resolveScript, scriptArgs, type ScriptDefinition, type ScriptReply } from './kv-script.js'
import { assertPattern, chunk, TOMBSTONE_TTL_MS, UNLINK_BATCH, type KvStore, type SetOptions } from './kv-store.js'
import { createRedisConnection, toKvError, type RedisConnectionOptions } from './redis-connection.js'

export type { KvLogger } from './redis-connection.js'

/** Options of {@link createRedisKv}. */
export interface RedisKvOptions extends RedisConnectionOptions {
  /** App key prefix; default `bozor`. */
  prefix?: string
  /** Test hook: called with the key count of every UNLINK the store sends. */
  __test__onUnlinkBatch?: (keyCount: number) => void
}

type Exec = Array<[Error | null, unknown]> | null

function results (op: string, replies: Exec): unknown[] {
  if (replies === null) throw new Error(`kv: ${op}: transaction aborted`)
  return replies.map(([err, value]) => {
    if (err !== null) throw err
    return value
  })
}

/**
 * Creates the Redis-backed store. It connects in the background; commands issued before the
 * connection is ready wait for it up to `commandTimeoutMs`, then reject with KvUnavailableError.
 *
 * @example
 * const kv = createRedisKv({ url: 'redis://127.0.0.1:6379', cluster: false, commandTimeoutMs: 500, prefix: 'bozor' })
 * const kvCluster = createRedisKv({ nodes: ['redis://10.0.0.1:7000'], cluster: true, commandTimeoutMs: 500 })
 */
export function createRedisKv (options: RedisKvOptions): KvStore {
  const conn = createRedisConnection(options)
  const { client } = conn
  const stats = { roundTrips: 0, commands: 0 }
  // every request to Redis passes here: one round trip, `commands` commands
  const send = async <T>(op: string, commands: number, fn: () => Promise<T>): Promise<T> => {
    stats.roundTrips++
    stats.commands += commands
    return await conn.run(op, fn)
  }
  const run = async <T>(op: string, fn: () => Promise<T>): Promise<T> => await send(op, 1, fn)
  const keys = createKeyBuilder(options.prefix ?? 'bozor')

  const setArgs = (o: SetOptions = {}): string[] => [
    ...(o.ttlMs === undefined ? [] : ['PX', String(ttlArg(o.ttlMs))]),
    ...(o.nx === true ? ['NX'] : [])
  ]
  const set = async (op: string, key: string, text: string, o?: SetOptions): Promise<boolean> => {
    const args = setArgs(o)
    const reply = await run(op, () => client.call('SET', key, text, ...args))
    return reply === 'OK'
  }
  // runScript sends EVALSHA, and EVAL when the server lacks the script (a restart, a failover, a
  // first run), never a defineCommand command: with auto-pipelining, a custom command first run
  // while a pipeline made before its definition still gathers commands is missing from that
  // pipeline, and ioredis then crashes the process (decision 0074). EVALSHA and EVAL are on
  // every pipeline.
  const shas = new Map<string, string>()
  const shaOf = (def: ScriptDefinition<ScriptReply>): string => {
    let sha = shas.get(def.name)
    if (sha === undefined) {
      sha = createHash('sha1').update(def.lua).digest('hex')
      shas.set(def.name, sha)
    }
    return sha
  }
  // batch() sends its calls in an explicit pipeline made after this, which holds the defined
  // commands, and ioredis loads the scripts the server lacks before that pipeline runs.
  const defined = new Set<string>()
  const define = (def: ScriptDefinition<ScriptReply>): string => {
    const method = `kv_${def.name}`
    if (!defined.has(def.name)) {
      client.defineCommand(method, { numberOfKeys: def.numberOfKeys, lua: def.lua })
      defined.add(def.name)
    }
    return method
  }
  const runScript = async <R extends ScriptReply>(script: ScriptDefinition<R> | string, k: readonly string[], a: ReadonlyArray<string | number> = []): Promise<R> => {
    const def = resolveScript(script)
    const args = scriptArgs(def, k, a)
    const sha = shaOf(def)
    try {
      return await run(def.name, () => client.evalsha(sha, def.numberOfKeys, ...k, ...args)) as R
    } catch (err) {
      if (!(err instanceof ReplyError) || !(err as Error).message.startsWith('NOSCRIPT')) throw err
      return await run(def.name, () => client.eval(def.lua, def.numberOfKeys, ...k, ...args)) as R
    }
  }
  // UNLINK in ≤ 500-key commands, one slot per command on a Cluster; pipelined on one node.
  const unlink = async (list: readonly string[]): Promise<number> => {
    if (list.length === 0) return 0
    const groups = conn.cluster ? [...groupBySlot(list).values()].flatMap((g) => chunk(g, UNLINK_BATCH)) : chunk(list, UNLINK_BATCH)
    for (const g of groups) options.__test__onUnlinkBatch?.(g.length)
    if (conn.cluster) {
      const counts = await Promise.all(groups.map((g) => run('del', () => client.unlink(...g))))
      return counts.reduce((a, b) => a + b, 0)
    }
    const pipeline = client.pipeline()
    for (const g of groups) pipeline.unlink(...g)
    const replies = results('del', await send('del', groups.length, () => pipeline.exec()))
    return replies.reduce<number>((a, b) => a + Number(b), 0)
  }
  const multi = async (op: string, build: (m: ReturnType<Redis['multi']>) => void): Promise<unknown[]> => {
    const m = client.multi()
    build(m)
    return results(op, await send(op, m.length + 2, () => m.exec()))
  }
  const optionalTtl = (ttlMs: number | undefined): number | undefined => ttlMs === undefined ? undefined : ttlArg(ttlMs)

  const store: KvStore = {
    keys,
    getJson: async <T>(key: string) => {
      const text = await run('getJson', () => client.get(key))
      if (text === null) return undefined
      const parsed = decodeJson<T>(text)
      if (parsed.ok) return parsed.value
      // Delete only while it still holds the bad text, so a concurrent good write survives.
      await runScript(deleteIfEqualsScript, [key], [text])
      return undefined
    },
    setJson: async (key, value, o) => set('setJson', key, encodeJson(value), o),
    setManyJson: async (entries) => {
      const texts = entries.map((e) => ({ key: e.key, text: encodeJson(e.value), args: setArgs({ ttlMs: e.ttlMs }) }))
      for (const part of chunk(texts, 1000)) {
        if (conn.cluster) {
          await Promise.all(part.map((e) => run('setManyJson', () => client.call('SET', e.key, e.text, ...e.args))))
          continue
        }
        const pipeline = client.pipeline()
        for (const e of part) pipeline.call('SET', e.key, e.text, ...e.args)
        results('setManyJson', await send('setManyJson', part.length, () => pipeline.exec()))
      }
    },
    getString: async (key) => (await run('getString', () => client.get(key))) ?? undefined,
    setString: async (key, value, o) => set('setString', key, value, o),
    del: unlink,
    exists: async (key) => (await run('exists', () => client.exists(key))) === 1,
    pttl: async (key) => run('pttl', () => client.pttl(key)),
    expire: async (key, ttlMs) => {
      const ms = ttlArg(ttlMs)
      return (await run('expire', () => client.pexpire(key, ms))) === 1
    },
    incr: async (key, by = 1, ttlMs) => {
      const ms = optionalTtl(ttlMs)
      if (ms === undefined) return run('incr', () => client.incrby(key, by))
      const [n] = await multi('incr', (m) => m.incrby(key, by).pexpire(key, ms, 'NX'))
      return Number(n)
    },
    hset: async (key, fields, ttlMs) => {
      const ms = optionalTtl(ttlMs)
      if (Object.keys(fields).length === 0) return 0
      const [n] = await multi('hset', (m) => {
        m.hset(key, fields)
        if (ms !== undefined) m.pexpire(key, ms)
      })
      return Number(n)
    },
    hgetall: async (key) => run('hgetall', () => client.hgetall(key)),
    hincrby: async (key, field, by) => run('hincrby', () => client.hincrby(key, field, by)),
    pushCapped: async (key, value, maxLen, ttlMs) => {
      const text = encodeJson(value)
      const ms = ttlArg(ttlMs)
      if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError('kv: maxLen must be a positive integer')
      const [pushed] = await multi('pushCapped', (m) => m.lpush(key, text).ltrim(key, 0, maxLen - 1).pexpire(key, ms))
      return Math.min(Number(pushed), maxLen)
    },
    range: async <T>(key: string, start: number, stop: number) => {
      const texts = await run('range', () => client.lrange(key, start, stop))
      return texts.map((t) => decodeJson<T>(t)).flatMap((p) => (p.ok ? [p.value] : []))
    },
    sadd: async (key, members, ttlMs) => {
      const ms = optionalTtl(ttlMs)
      if (members.length === 0) return 0
      const [n] = await multi('sadd', (m) => {
        m.sadd(key, ...members)
        if (ms !== undefined) m.pexpire(key, ms)
      })
      return Number(n)
    },
    sismember: async (key, member) => (await run('sismember', () => client.sismember(key, member))) === 1,
    smembers: async (key) => run('smembers', () => client.smembers(key)),
    scard: async (key) => run('scard', () => client.scard(key)),
    srem: async (key, members) => members.length === 0 ? 0 : run('srem', () => client.srem(key, ...members)),
    pfadd: async (key, members, ttlMs) => {
      const ms = optionalTtl(ttlMs)
      const [n] = await multi('pfadd', (m) => {
        m.pfadd(key, ...members)
        if (ms !== undefined) m.pexpire(key, ms)
      })
      return Number(n) === 1
    },
    pfcount: async (list) => list.length === 0 ? 0 : run('pfcount', () => client.pfcount(...list)),
    acquireLock: async (key, token, ttlMs) => set('acquireLock', key, token, { ttlMs, nx: true }),
    releaseLock: async (key, token) => (await runScript(deleteIfEqualsScript, [key], [token])) === 1,
    getVersioned: async <T>(key: string) => {
      const { ver, data } = decodeVersioned<T>(await run('getVersioned', () => client.get(key)))
      return { ver, data }
    },
    compareAndSet: async (key, expectedVersion, data, ttlMs) =>
      runScript(compareAndSetScript, [key], [expectedVersion, encodeJson(data), ttlArg(ttlMs)]),
    compareAndDelete: async (key, expectedVersion, tombstoneTtlMs = TOMBSTONE_TTL_MS) =>
      (await runScript(compareAndDeleteScript, [key], [expectedVersion, ttlArg(tombstoneTtlMs, 'tombstoneTtlMs')])) === 1,
    runScript,
    batch: async (calls) => {
      if (calls.length === 0) return []
      const prepared = calls.map((c) => {
        const def = resolveScript(c.script)
        return { method: define(def), keys: c.keys, args: scriptArgs(def, c.keys, c.args ?? []) }
      })
      // one pipeline per slot on a Cluster (a pipeline there must stay in one slot), one in all otherwise
      const groups = new Map<number, number[]>()
      prepared.forEach((p, i) => {
        const slot = conn.cluster && p.keys.length > 0 ? keySlot(p.keys[0]!) : 0
        const group = groups.get(slot)
        if (group === undefined) groups.set(slot, [i])
        else group.push(i)
      })
      const out = new Array<ScriptReply | Error>(calls.length)
      await Promise.all([...groups.values()].map(async (indexes) => {
        const pipeline = client.pipeline() as unknown as Record<string, (...x: string[]) => unknown> & { exec (): Promise<Exec> }
        for (const i of indexes) pipeline[prepared[i]!.method]!(...prepared[i]!.keys, ...prepared[i]!.args)
        const replies = await send('batch', indexes.length, () => pipeline.exec())
        if (replies === null) throw new Error('kv: batch: pipeline aborted')
        replies.forEach(([err, value], j) => { out[indexes[j]!] = err ?? (value as ScriptReply) })
      }))
      // an outage reached through a pipeline comes back per command: surface it as one
      for (const reply of out) if (reply instanceof Error && !(reply instanceof ReplyError)) throw toKvError('batch', reply)
      return out
    },
    stats,
    scan: (pattern, o = {}) => {
      assertPattern(keys.prefix, pattern)
      const count = Math.max(1, o.count ?? 1000)
      return (async function * () {
        // SCAN through a Cluster object reaches one random node: walk every primary instead.
        const nodes: Redis[] = conn.cluster ? await run('scan', async () => (client as Cluster).nodes('master')) : [client as Redis]
        for (const node of nodes) {
          let cursor = '0'
          do {
            const [next, batch] = await run('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', count))
            cursor = next
            if (batch.length > 0) yield batch
          } while (cursor !== '0')
        }
      })()
    },
    deleteByPattern: async (pattern) => {
      assertPattern(keys.prefix, pattern)
      let deleted = 0
      for await (const batch of store.scan(pattern)) deleted += await unlink(batch)
      return deleted
    },
    ping: async () => {
      try {
        return (await run('ping', () => client.ping())) === 'PONG'
      } catch {
        return false
      }
    },
    close: () => conn.close()
  }
  return store
}

function groupBySlot (list: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>()
  for (const key of list) {
    const slot = keySlot(key)
    const group = groups.get(slot)
    if (group === undefined) groups.set(slot, [key])
    else group.push(key)
  }
  return groups
}

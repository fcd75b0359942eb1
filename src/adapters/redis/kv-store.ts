// The key-value store port (specs/redis.md): one contract, two adapters — Redis (single node or
// Cluster, redis-kv.ts) and the in-process memory store (memory-kv.ts). Keys are full keys made
// by the store's KeyBuilder; every operation is async and cluster-safe (one slot per command).
import type { KeyBuilder } from './kv-keys.js'
import type { Versioned } from './kv-json.js'
import type { ScriptDefinition, ScriptReply } from './kv-script.js'

export { ANY_SEGMENT, createKeyBuilder, decodeSegment, encodeSegment, escapeGlob, hashTag, keySlot } from './kv-keys.js'
export type { KeyBuilder, KeySegment } from './kv-keys.js'
export type { Versioned } from './kv-json.js'
export { defineScript } from './kv-script.js'
export type { MemoryScriptApi, ScriptDefinition, ScriptReply } from './kv-script.js'

import { KvUnavailableError, type SetOptions } from '../../usecases/ports-kv.js'

export { KvUnavailableError, type SetOptions }

/** One entry of {@link KvStore.setManyJson}. */
export interface BulkJsonEntry {
  key: string
  value: unknown
  ttlMs?: number
}

/** One script call of {@link KvStore.batch}: each call is atomic on its own, the batch is not. */
export interface ScriptCall {
  script: ScriptDefinition<ScriptReply> | string
  keys: readonly string[]
  args?: ReadonlyArray<string | number>
}

/**
 * Cost counters of a store since it was made (the hot-path tests and benchmarks read them):
 * `roundTrips` counts requests answered by the backend (a pipeline or MULTI is one; a batch is one
 * per slot), `commands` the commands they carried. The memory store counts each operation as one
 * round trip, so both legs assert the same budget.
 */
export interface KvStats {
  roundTrips: number
  commands: number
}

/** Options of {@link KvStore.scan}. */
export interface ScanOptions {
  /** SCAN COUNT hint (keys examined per call); default 1000. */
  count?: number
}

/**
 * The shared key-value store. Values written as JSON follow specs/redis.md §2 (Date → ISO string,
 * BigInt throws at write time and stores nothing, stored text that is not JSON reads as a miss and
 * is deleted). Every method rejects with {@link KvUnavailableError} when the backend is down,
 * within the configured command timeout, and works again once it is back (no restart).
 *
 * @example
 * const kv = createMemoryKv({ prefix: 'bozor' })
 * const key = kv.keys.key('c', 'product', 42)
 * await kv.setJson(key, { title: 'Tea' }, { ttlMs: 60_000 })
 * await kv.getJson<{ title: string }>(key) // { title: 'Tea' }
 */
export interface KvStore {
  /** Builds this store's keys and patterns (its prefix is the only one it accepts for patterns). */
  readonly keys: KeyBuilder

  /** The parsed value; `undefined` when missing or not valid JSON (then the key is deleted). A stored `null` returns `null`. */
  getJson<T = unknown> (key: string): Promise<T | undefined>
  /** Writes JSON; returns false only when `nx` was asked and the key exists. */
  setJson (key: string, value: unknown, options?: SetOptions): Promise<boolean>
  /** Writes many JSON values in pipelined batches (all values are serialized before anything is sent). */
  setManyJson (entries: readonly BulkJsonEntry[]): Promise<void>
  getString (key: string): Promise<string | undefined>
  setString (key: string, value: string, options?: SetOptions): Promise<boolean>
  /** Deletes (UNLINK) keys in batches of ≤ 500 per slot; returns how many existed. */
  del (keys: readonly string[]): Promise<number>
  exists (key: string): Promise<boolean>
  /** Remaining TTL in ms: -2 when missing, -1 when the key has no TTL. */
  pttl (key: string): Promise<number>
  /** Sets the TTL; false when the key does not exist. */
  expire (key: string, ttlMs: number): Promise<boolean>

  /** INCRBY; `ttlMs` is applied only while the key has no TTL (set at creation, never extended). */
  incr (key: string, by?: number, ttlMs?: number): Promise<number>

  /** HSET; returns the number of new fields. `ttlMs` refreshes the key's TTL. */
  hset (key: string, fields: Readonly<Record<string, string>>, ttlMs?: number): Promise<number>
  /** All fields; `{}` when missing. */
  hgetall (key: string): Promise<Record<string, string>>
  hincrby (key: string, field: string, by: number): Promise<number>

  /** LPUSH + LTRIM to `maxLen` + PEXPIRE in one MULTI (newest first); returns the length after trimming. */
  pushCapped (key: string, value: unknown, maxLen: number, ttlMs: number): Promise<number>
  /** LRANGE parsed as JSON (entries that are not valid JSON are skipped). Indexes as in Redis (-1 = last). */
  range<T = unknown> (key: string, start: number, stop: number): Promise<T[]>

  /** SADD; returns how many members were new (1 = first seen). `ttlMs` refreshes the key's TTL. */
  sadd (key: string, members: readonly string[], ttlMs?: number): Promise<number>
  sismember (key: string, member: string): Promise<boolean>
  smembers (key: string): Promise<string[]>
  scard (key: string): Promise<number>
  srem (key: string, members: readonly string[]): Promise<number>
  /** PFADD; true when the estimate changed. `ttlMs` refreshes the key's TTL. */
  pfadd (key: string, members: readonly string[], ttlMs?: number): Promise<boolean>
  /** PFCOUNT of the union (on a Cluster all keys must share a slot). The memory store counts exactly. */
  pfcount (keys: readonly string[]): Promise<number>

  /** SET key token NX PX ttl: true when acquired. */
  acquireLock (key: string, token: string, ttlMs: number): Promise<boolean>
  /** Deletes the lock only while it holds `token` (compare-and-delete). */
  releaseLock (key: string, token: string): Promise<boolean>

  /** Reads a versioned value; `{ ver: 0 }` when absent, `{ ver: n, data: undefined }` for a tombstone. */
  getVersioned<T = unknown> (key: string): Promise<Versioned<T>>
  /**
   * Stores `{ver: expectedVersion + 1, data}` with `ttlMs` when the stored version equals
   * `expectedVersion` (0 = absent); returns the new version, or null on conflict.
   */
  compareAndSet (key: string, expectedVersion: number, data: unknown, ttlMs: number): Promise<number | null>
  /**
   * Deletes a versioned value when its version equals `expectedVersion`, leaving a tombstone of
   * version + 1 for `tombstoneTtlMs` (default 10 min) so a late, older write conflicts instead of
   * recreating it. Returns false on conflict.
   */
  compareAndDelete (key: string, expectedVersion: number, tombstoneTtlMs?: number): Promise<boolean>

  /** Runs a script (definition, or name given to defineScript) atomically; all its keys in `keys`. */
  runScript<R extends ScriptReply> (script: ScriptDefinition<R> | string, keys: readonly string[], args?: ReadonlyArray<string | number>): Promise<R>

  /**
   * Runs script calls in one round trip per slot (one pipeline on a single node; on a Cluster one
   * pipeline per slot of each call's first key, in parallel). Replies come in call order; a call
   * that failed on the server (a script error) has its Error in its place. Rejects with
   * {@link KvUnavailableError} when the store cannot be reached.
   */
  batch (calls: readonly ScriptCall[]): Promise<Array<ScriptReply | Error>>
  /** Cost counters (see {@link KvStats}); read-only to callers. */
  readonly stats: Readonly<KvStats>

  /**
   * Batches of keys matching a pattern under this prefix (SCAN MATCH; on a Cluster every primary).
   * A key may appear twice; keys written meanwhile may be missed. Never KEYS.
   */
  scan (pattern: string, options?: ScanOptions): AsyncIterable<string[]>
  /**
   * Deletes the keys matching a pattern under this prefix with pipelined UNLINK batches of ≤ 500
   * keys; returns how many were deleted. Rejects (RangeError, deleting nothing) an empty pattern,
   * a bare `*`, or a pattern that does not start with `<prefix>:`.
   */
  deleteByPattern (pattern: string): Promise<number>

  /** True when the backend answers. Never throws. */
  ping (): Promise<boolean>
  /** Releases connections; idempotent. Later calls reject with KvUnavailableError. */
  close (): Promise<void>
}

/** Maximum keys per UNLINK (specs/redis.md §3, §4). */
export const UNLINK_BATCH = 500
/** Default tombstone lifetime of {@link KvStore.compareAndDelete}. */
export const TOMBSTONE_TTL_MS = 10 * 60_000

/** Throws a RangeError unless `pattern` is a non-trivial pattern under `prefix`. */
export function assertPattern (prefix: string, pattern: string): void {
  const rest = pattern.startsWith(`${prefix}:`) ? pattern.slice(prefix.length + 1) : undefined
  if (pattern === '' || pattern === '*' || rest === undefined || rest === '') {
    throw new RangeError(`kv: refusing pattern ${JSON.stringify(pattern)}: it must start with "${prefix}:" and name something`)
  }
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T> (items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

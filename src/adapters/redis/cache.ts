// The shared cache (specs/redis.md §2–4, §8): `{"v": …}` envelopes with a TTL, single-flight
// loading per process, tag invalidation (version + reverse-index set, stale-write guard; on a
// Cluster write-then-verify), dependency cascades, and SCAN-based pattern clearing. A store
// outage behaves as a miss: the loader runs and the write is skipped.
import { randomBytes } from 'node:crypto'
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { encodeJson } from './kv-json.js'
import { ANY_SEGMENT, KvUnavailableError, UNLINK_BATCH, type KvStore } from './kv-store.js'
import type { Cache, CacheRead, CacheWriteOptions } from '../../usecases/ports-kv.js'
import { tagAddScript, taggedWriteScript, tagInvalidateScript, tagPopScript } from './cache-scripts.js'

export type { Cache, CacheRead, CacheWriteOptions }

/** Options of {@link createCache}. */
export interface CacheOptions {
  kv: KvStore
  /** The store is a Redis Cluster: tagged writes use write-then-verify instead of one script. */
  cluster?: boolean
  logger?: { warn (obj: object, msg: string): void }
  /** Largest number of keys one dependency cascade removes before stopping (logged); default 10 000. */
  maxCascade?: number
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number
  /**
   * Optional in-process first tier for tagged entries: a local copy is served only after the
   * current versions of its tags (and of its own key, for dependency invalidation) match the ones
   * it was written with, so an invalidation finished before a read began is always seen.
   */
  localTier?: { maxEntries: number, ttlMs: number }
  /** Clock of the first tier; default the system clock. */
  clock?: Clock
}

interface Envelope<T> { v?: T, g?: string[], n?: string[] }
interface LocalEntry { value: unknown, tags: string[], versions: string[], expiresAt: number }

const depTag = (key: string): string => `dep:${key}`

/**
 * Creates the cache over a store.
 *
 * @example
 * const cache = createCache({ kv, cluster: config.redis?.cluster === true, logger })
 * const card = await cache.getOrLoad(cache.key('product', 42), () => loadCard(42),
 *   { ttlMs: 60_000, tags: ['product:42', 'category:7', 'catalog'] })
 * await cache.invalidateTag('category:7')
 */
export function createCache (options: CacheOptions): Cache {
  const { kv, logger } = options
  const random = options.random ?? Math.random
  const maxCascade = options.maxCascade ?? 10_000
  const flights = new Map<string, Promise<unknown>>()
  const tagSet = (tag: string): string => kv.keys.taggedKey('tag', tag, 'k')
  const tagVersion = (tag: string): string => kv.keys.taggedKey('tag', tag, 'v')
  const down = (error: unknown, what: string): void => {
    if (!(error instanceof KvUnavailableError)) throw error
    logger?.warn({ module: 'cache', err: error }, `cache ${what} skipped: key-value store unavailable`)
  }
  const tier = options.localTier
  const clock = options.clock ?? systemClock
  const local = new Map<string, LocalEntry>()
  // With a first tier every entry also carries its own `dep:` tag, so invalidateKey is seen at read.
  const allTags = (key: string, o: CacheWriteOptions): string[] =>
    [...new Set([...(o.tags ?? []), ...(o.dependsOn ?? []).map(depTag), ...(tier === undefined ? [] : [depTag(key)])])]
  const remember = (key: string, value: unknown, tags: string[] | undefined, versions: string[] | undefined, ttlMs: number): void => {
    if (tier === undefined || tags === undefined || versions === undefined || tags.length === 0 || tags.length !== versions.length) return
    local.delete(key)
    local.set(key, { value, tags, versions, expiresAt: clock.now() + Math.min(ttlMs, tier.ttlMs) })
    if (local.size > tier.maxEntries) local.delete(local.keys().next().value!)
  }
  const localHit = async (key: string): Promise<{ value: unknown } | undefined> => {
    const entry = local.get(key)
    if (entry === undefined) return undefined
    local.delete(key)
    if (entry.expiresAt <= clock.now()) return undefined
    const current = await readVersions(entry.tags)
    if (!current.every((v, i) => v === entry.versions[i])) return undefined
    local.set(key, entry)
    return { value: entry.value }
  }
  const readVersions = async (tags: readonly string[]): Promise<string[]> =>
    Promise.all(tags.map(async (t) => (await kv.getString(tagVersion(t))) ?? '0'))

  const write = async (key: string, value: unknown, o: CacheWriteOptions, versions?: readonly string[]): Promise<boolean> => {
    if (value === undefined) throw new TypeError('cache: cannot cache undefined (use null)')
    encodeJson(value) // throws at write time for values JSON cannot carry
    const ttl = Math.max(1, Math.floor(o.bulk === true ? o.ttlMs * (1 - 0.1 * random()) : o.ttlMs))
    const tags = allTags(key, o)
    try {
      if (tags.length === 0) return await kv.setString(key, encodeJson({ v: value }), { ttlMs: ttl })
      const expected = versions ?? await readVersions(tags)
      const text = encodeJson(tier === undefined ? { v: value } : { v: value, g: tags, n: expected })
      let written: boolean
      if (options.cluster !== true) {
        const keys = [key, ...tags.flatMap((t) => [tagSet(t), tagVersion(t)])]
        written = (await kv.runScript(taggedWriteScript(tags.length), keys, [text, ttl, ...expected])) === 1
      } else {
        // Cluster: entry and tag keys live in different slots — write, then verify the versions.
        await kv.setString(key, text, { ttlMs: ttl })
        await Promise.all(tags.map((t) => kv.runScript(tagAddScript, [tagSet(t)], [key, ttl])))
        const now = await readVersions(tags)
        written = now.every((v, i) => v === expected[i])
        if (!written) await kv.del([key])
      }
      if (written) remember(key, value, tags, [...expected], ttl)
      return written
    } catch (error) {
      down(error, 'write')
      return false
    }
  }

  const invalidateTagKeys = async (tag: string): Promise<string[]> => {
    const dying = kv.keys.taggedKey('tag', tag, 'dying', randomBytes(8).toString('hex'))
    if ((await kv.runScript(tagInvalidateScript, [tagSet(tag), tagVersion(tag), dying])) === 0) return []
    const removed: string[] = []
    for (;;) {
      const batch = await kv.runScript(tagPopScript, [dying], [UNLINK_BATCH])
      if (batch.length === 0) break
      await kv.del(batch)
      removed.push(...batch)
    }
    await kv.del([dying])
    return removed
  }

  // Tags whose invalidation failed because the store was down. The change they describe is already
  // committed (the caller must not fail for it), so they are retried before every read, and while
  // one stays pending reads bypass the cache: a store that comes back with its data (a stall, a
  // network cut) then never serves what the change made stale.
  const unsent = new Set<string>()
  const flushUnsent = async (): Promise<boolean> => {
    for (const tag of [...unsent]) {
      try {
        await invalidateTagKeys(tag)
        unsent.delete(tag)
      } catch (error) {
        down(error, 'pending invalidation')
        return false
      }
    }
    local.clear()
    logger?.warn({ module: 'cache' }, 'cache invalidations that failed during the store outage went through late')
    return true
  }
  const invalidateOrRemember = async (tag: string): Promise<string[]> => {
    try {
      return await invalidateTagKeys(tag)
    } catch (error) {
      down(error, 'invalidation')
      unsent.add(tag)
      return []
    }
  }

  const cache: Cache = {
    key: (...segments) => kv.keys.key('c', ...segments),
    async get<T> (key: string): Promise<CacheRead<T>> {
      if (unsent.size > 0 && !await flushUnsent()) return { hit: false }
      try {
        const near = await localHit(key)
        if (near !== undefined) return { hit: true, value: near.value as T }
        const envelope = await kv.getJson<Envelope<T>>(key)
        if (typeof envelope !== 'object' || envelope === null || !('v' in envelope)) return { hit: false }
        if (tier !== undefined) {
          const ttl = await kv.pttl(key)
          if (ttl > 0) remember(key, envelope.v, envelope.g, envelope.n, ttl)
        }
        return { hit: true, value: envelope.v as T }
      } catch (error) {
        down(error, 'read')
        return { hit: false }
      }
    },
    set: write,
    async getOrLoad<T> (key: string, loader: () => Promise<T>, o: CacheWriteOptions): Promise<T> {
      const pending = flights.get(key)
      if (pending !== undefined) return await (pending as Promise<T>)
      const flight = (async () => {
        const cached = await cache.get<T>(key)
        if (cached.hit) return cached.value
        const tags = allTags(key, o)
        let versions: string[] | undefined
        try {
          versions = tags.length === 0 ? [] : await readVersions(tags)
        } catch (error) {
          down(error, 'version read')
        }
        const value = await loader()
        if (versions !== undefined && unsent.size === 0) await write(key, value, o, versions)
        return value
      })()
      flights.set(key, flight)
      try {
        return await flight
      } finally {
        flights.delete(key)
      }
    },
    invalidateTag: async (tag) => (await invalidateOrRemember(tag)).length,
    async invalidateKey (key) {
      const visited = new Set<string>([key])
      const queue = [key]
      const removed: string[] = []
      while (queue.length > 0) {
        if (removed.length >= maxCascade) {
          logger?.warn({ module: 'cache', key, removed: removed.length }, 'cache dependency cascade stopped at its cap')
          break
        }
        const next = queue.shift()!
        await kv.del([next])
        removed.push(next)
        for (const dependent of await invalidateOrRemember(depTag(next))) {
          if (!visited.has(dependent)) {
            visited.add(dependent)
            queue.push(dependent)
          }
        }
      }
      return removed
    },
    async clear (...segments) {
      if (!segments.some((s) => s !== ANY_SEGMENT)) throw new RangeError('cache: a clear pattern needs at least one literal segment')
      local.clear() // this instance's first tier; other instances' first tiers only see tag and key invalidations
      return await kv.deleteByPattern(kv.keys.pattern('c', ...segments))
    }
  }
  return cache
}

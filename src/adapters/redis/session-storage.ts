// Chat sessions over the KV store (specs/redis.md §6): one key per chat holding
// `{"ver": n, "data": …}`, written by compare-and-set with the TTL refreshed on every write,
// deleted by compare-and-delete (a tombstone stops a late, older write from recreating it).
// Updates of one chat run one at a time inside an instance; across instances the version check
// turns a lost update into a conflict that is re-read and re-applied (≤ 3 attempts).
import type { KeySegment, KvStore } from './kv-store.js'
import { compareAndSetMaxAttempts, SessionConflictError, type SessionStorageAdapter, type SessionStore } from '../../usecases/ports-kv.js'

export { compareAndSetMaxAttempts, SessionConflictError, type SessionStorageAdapter, type SessionStore }

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions<T> {
  kv: KvStore
  /** Session lifetime after the last write (`SESSION_TTL_S` × 1000). */
  ttlMs: number
  /** The value of a new (or expired, or deleted) session. */
  initial: () => T
  /** Key area; default `sess`. */
  area?: string
}

/**
 * Creates a session store.
 *
 * @example
 * const sessions = createSessionStore({ kv, ttlMs: config.bot.sessionTtlS * 1000, initial: () => ({ cart: [] }) })
 * await sessions.withSession(['c', chatId], (s) => ({ ...s, step: 'address' }))
 * bot.use(session({ initial: () => ({ cart: [] }), storage: sessions.adapter() }))
 */
export function createSessionStore<T> (options: SessionStoreOptions<T>): SessionStore<T> {
  const { kv, ttlMs, initial } = options
  const area = options.area ?? 'sess'
  const keyOf = (chatKey: KeySegment | readonly KeySegment[]): string =>
    kv.keys.taggedKey(area, typeof chatKey === 'object' ? chatKey : [chatKey])
  const queues = new Map<string, Promise<unknown>>()
  // One update of a chat at a time inside this instance.
  const serial = async <R>(key: string, fn: () => Promise<R>): Promise<R> => {
    const previous = queues.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(() => undefined, () => undefined)
    queues.set(key, tail)
    try {
      return await run
    } finally {
      if (queues.get(key) === tail) queues.delete(key)
    }
  }
  const readKey = async (key: string): Promise<T> => {
    const { data } = await kv.getVersioned<T>(key)
    return data === undefined ? initial() : data
  }
  const removeKey = async (key: string): Promise<void> => {
    for (let attempt = 1; attempt <= compareAndSetMaxAttempts; attempt++) {
      const { ver, data } = await kv.getVersioned<T>(key)
      if (ver === 0 || data === undefined) return
      if (await kv.compareAndDelete(key, ver)) return
    }
    throw new SessionConflictError(key)
  }
  // grammY adapter: the version each key was read at, so the write can be checked against it.
  const readVersions = new Map<string, { ver: number, data: T | undefined }>()

  return {
    withSession: async (chatKey, fn) => {
      const key = keyOf(chatKey)
      return await serial(key, async () => {
        for (let attempt = 1; attempt <= compareAndSetMaxAttempts; attempt++) {
          const { ver, data } = await kv.getVersioned<T>(key)
          const next = await fn(data === undefined ? initial() : data)
          if ((await kv.compareAndSet(key, ver, next, ttlMs)) !== null) return next
        }
        throw new SessionConflictError(key)
      })
    },
    read: async (chatKey) => readKey(keyOf(chatKey)),
    keyOf,
    remove: async (chatKey) => {
      const key = keyOf(chatKey)
      await serial(key, () => removeKey(key))
    },
    adapter: () => ({
      read: async (sessionKey) => {
        const key = keyOf(sessionKey)
        const read = await kv.getVersioned<T>(key)
        readVersions.set(key, read)
        return read.data
      },
      write: async (sessionKey, value) => {
        const key = keyOf(sessionKey)
        let base = readVersions.get(key) ?? await kv.getVersioned<T>(key)
        readVersions.delete(key)
        let next = value
        for (let attempt = 1; attempt <= compareAndSetMaxAttempts; attempt++) {
          if ((await kv.compareAndSet(key, base.ver, next, ttlMs)) !== null) return
          const remote = await kv.getVersioned<T>(key)
          // Deleted meanwhile: a late write of an older update must not bring it back.
          if (remote.ver > 0 && remote.data === undefined) return
          next = mergeChanges(base.data, value, remote.data)
          base = remote
        }
        throw new SessionConflictError(key)
      },
      seed: (sessionKey, read) => { readVersions.set(keyOf(sessionKey), read) },
      delete: async (sessionKey) => {
        const key = keyOf(sessionKey)
        readVersions.delete(key)
        await removeKey(key)
      }
    })
  }
}

/**
 * Re-applies this update's changes onto the newer stored value: top-level fields this update
 * changed (compared by JSON) take its value, the rest keep the other update's.
 */
export function mergeChanges<T> (base: T | undefined, mine: T, theirs: T | undefined): T {
  if (!isRecord(mine) || !isRecord(theirs)) return mine
  const before: Record<string, unknown> = isRecord(base) ? base : {}
  const merged: Record<string, unknown> = { ...theirs }
  for (const field of new Set([...Object.keys(before), ...Object.keys(mine)])) {
    if (JSON.stringify(before[field]) === JSON.stringify(mine[field])) continue
    if (field in mine) merged[field] = mine[field]
    else delete merged[field]
  }
  return merged as T
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

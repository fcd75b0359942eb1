// The memory store's data: a Map of typed entries with lazy expiry by the injected Clock, plus a
// small incremental sweep (like Redis' active expiry) so unread expired keys do not pile up.
// Synchronous on purpose: a script's memory twin runs in one tick, hence atomically.
import type { Clock } from '../../domain/shared/clock.js'
import type { ExpireCondition, MemoryScriptApi } from './kv-script.js'

type Value =
  | { t: 'string', v: string }
  | { t: 'hash', v: Map<string, string> }
  | { t: 'list', v: string[] }
  | { t: 'set', v: Set<string> }
  | { t: 'hll', v: Set<string> } // exact distinct set standing in for a HyperLogLog

interface Collections { hash: Map<string, string>, list: string[], set: Set<string> }
interface Entry { value: Value, expiresAt: number | undefined }

const SWEEP_STEP = 20

function wrongType (): Error {
  return new Error('WRONGTYPE Operation against a key holding the wrong kind of value')
}

function integer (text: string | null | undefined, what = 'value'): number {
  const n = text === null || text === undefined ? 0 : Number(text)
  if (!Number.isSafeInteger(n) || (text !== null && text !== undefined && !/^-?\d+$/.test(text))) {
    throw new Error(`ERR ${what} is not an integer or out of range`)
  }
  return n
}

/** Redis index normalization of LRANGE/LTRIM; returns [from, to] inclusive, or undefined when empty. */
function span (len: number, start: number, stop: number): [number, number] | undefined {
  let from = start < 0 ? len + start : start
  let to = stop < 0 ? len + stop : stop
  if (from < 0) from = 0
  if (to >= len) to = len - 1
  return from > to || from >= len ? undefined : [from, to]
}

/** In-process Redis-like keyspace implementing the script API. */
export class MemoryDb implements MemoryScriptApi {
  readonly #clock: Clock
  readonly #map = new Map<string, Entry>()
  #sweep: Iterator<[string, Entry]> | undefined

  constructor (clock: Clock) { this.#clock = clock }

  now (): number { return this.#clock.now() }

  #live (key: string): Entry | undefined {
    const entry = this.#map.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.#map.delete(key)
      return undefined
    }
    return entry
  }

  #of<K extends Value['t']> (key: string, t: K): Extract<Value, { t: K }> | undefined {
    const entry = this.#live(key)
    if (entry === undefined) return undefined
    if (entry.value.t !== t) throw wrongType()
    return entry.value as Extract<Value, { t: K }>
  }

  /** Gets or creates a collection of type `t` (an existing key keeps its TTL). */
  #make<K extends keyof Collections> (key: string, t: K): Collections[K] {
    this.#step()
    const entry = this.#live(key)
    if (entry !== undefined) {
      if (entry.value.t !== t) throw wrongType()
      return entry.value.v as Collections[K]
    }
    const v = (t === 'hash' ? new Map() : t === 'list' ? [] : new Set()) as Collections[K]
    this.#map.set(key, { value: { t, v } as Value, expiresAt: undefined })
    return v
  }

  /** Empty collections vanish, as in Redis. */
  #prune (key: string, size: number): void {
    if (size === 0) this.#map.delete(key)
  }

  #step (): void {
    const now = this.now()
    for (let i = 0; i < SWEEP_STEP; i++) {
      this.#sweep ??= this.#map.entries()
      const next = this.#sweep.next()
      if (next.done === true) {
        this.#sweep = undefined
        return
      }
      const [key, entry] = next.value
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#map.delete(key)
    }
  }

  /** Live keys, in insertion order (the memory SCAN). */
  * keys (): Generator<string> {
    for (const key of this.#map.keys()) if (this.#live(key) !== undefined) yield key
  }

  type (key: string): 'none' | 'string' | 'hash' | 'list' | 'set' {
    const t = this.#live(key)?.value.t ?? 'none'
    return t === 'hll' ? 'string' : t // Redis stores a HyperLogLog as a string
  }

  exists (key: string): boolean { return this.#live(key) !== undefined }
  get (key: string): string | null { return this.#of(key, 'string')?.v ?? null }

  set (key: string, value: string, options: { pxMs?: number, nx?: boolean, keepTtl?: boolean } = {}): boolean {
    this.#step()
    const old = this.#live(key)
    if (options.nx === true && old !== undefined) return false
    const expiresAt = options.pxMs !== undefined
      ? this.now() + options.pxMs
      : options.keepTtl === true ? old?.expiresAt : undefined
    this.#map.set(key, { value: { t: 'string', v: value }, expiresAt })
    return true
  }

  del (key: string): boolean {
    const had = this.#live(key) !== undefined
    this.#map.delete(key)
    return had
  }

  rename (from: string, to: string): void {
    const entry = this.#live(from)
    if (entry === undefined) throw new Error('ERR no such key')
    this.#map.delete(from)
    this.#map.set(to, entry)
  }

  pttl (key: string): number {
    const entry = this.#live(key)
    if (entry === undefined) return -2
    return entry.expiresAt === undefined ? -1 : entry.expiresAt - this.now()
  }

  pexpire (key: string, ms: number, condition?: ExpireCondition): boolean {
    const entry = this.#live(key)
    if (entry === undefined) return false
    const at = this.now() + ms
    const cur = entry.expiresAt ?? Infinity // no TTL counts as an infinite one (Redis GT/LT rule)
    if (condition === 'NX' && entry.expiresAt !== undefined) return false
    if (condition === 'XX' && entry.expiresAt === undefined) return false
    if (condition === 'GT' && !(at > cur)) return false
    if (condition === 'LT' && !(at < cur)) return false
    if (ms <= 0) this.#map.delete(key)
    else entry.expiresAt = at
    return true
  }

  incrBy (key: string, by: number): number {
    this.#step()
    const entry = this.#live(key)
    if (entry !== undefined && entry.value.t !== 'string') throw wrongType()
    const next = integer(entry?.value.v as string | undefined) + by
    if (!Number.isSafeInteger(next)) throw new Error('ERR increment or decrement would overflow')
    if (entry === undefined) this.#map.set(key, { value: { t: 'string', v: String(next) }, expiresAt: undefined })
    else entry.value.v = String(next)
    return next
  }

  hget (key: string, field: string): string | null { return this.#of(key, 'hash')?.v.get(field) ?? null }

  hset (key: string, fields: Readonly<Record<string, string>>): number {
    const hash = this.#make(key, 'hash')
    let added = 0
    for (const [field, value] of Object.entries(fields)) {
      if (!hash.has(field)) added++
      hash.set(field, String(value))
    }
    this.#prune(key, hash.size)
    return added
  }

  hgetall (key: string): Record<string, string> {
    return Object.fromEntries(this.#of(key, 'hash')?.v ?? [])
  }

  hincrBy (key: string, field: string, by: number): number {
    const hash = this.#make(key, 'hash')
    const next = integer(hash.get(field), 'hash value') + by
    hash.set(field, String(next))
    return next
  }

  hdel (key: string, fields: readonly string[]): number {
    const hash = this.#of(key, 'hash')?.v
    if (hash === undefined) return 0
    const removed = fields.filter((f) => hash.delete(f)).length
    this.#prune(key, hash.size)
    return removed
  }

  lpush (key: string, values: readonly string[]): number {
    const list = this.#make(key, 'list')
    for (const value of values) list.unshift(value)
    return list.length
  }

  ltrim (key: string, start: number, stop: number): void {
    const found = this.#of(key, 'list')
    if (found === undefined) return
    const s = span(found.v.length, start, stop)
    found.v = s === undefined ? [] : found.v.slice(s[0], s[1] + 1)
    this.#prune(key, found.v.length)
  }

  lrange (key: string, start: number, stop: number): string[] {
    const list = this.#of(key, 'list')?.v ?? []
    const s = span(list.length, start, stop)
    return s === undefined ? [] : list.slice(s[0], s[1] + 1)
  }

  llen (key: string): number { return this.#of(key, 'list')?.v.length ?? 0 }

  sadd (key: string, members: readonly string[]): number {
    const set = this.#make(key, 'set')
    let added = 0
    for (const m of members) {
      if (!set.has(m)) {
        set.add(m)
        added++
      }
    }
    this.#prune(key, set.size)
    return added
  }

  srem (key: string, members: readonly string[]): number {
    const set = this.#of(key, 'set')?.v
    if (set === undefined) return 0
    const removed = members.filter((m) => set.delete(m)).length
    this.#prune(key, set.size)
    return removed
  }

  sismember (key: string, member: string): boolean { return this.#of(key, 'set')?.v.has(member) ?? false }
  smembers (key: string): string[] { return [...(this.#of(key, 'set')?.v ?? [])] }
  scard (key: string): number { return this.#of(key, 'set')?.v.size ?? 0 }

  pfadd (key: string, members: readonly string[]): boolean {
    this.#step()
    let hll = this.#of(key, 'hll')
    if (hll === undefined) {
      hll = { t: 'hll', v: new Set() }
      this.#map.set(key, { value: hll, expiresAt: undefined })
      for (const m of members) hll.v.add(m)
      return true // PFADD creating the key answers 1 even without members
    }
    const before = hll.v.size
    for (const m of members) hll.v.add(m)
    return hll.v.size !== before
  }

  pfcount (keys: readonly string[]): number {
    const union = new Set<string>()
    for (const key of keys) for (const m of this.#of(key, 'hll')?.v ?? []) union.add(m)
    return union.size
  }

  clear (): void { this.#map.clear() }
}

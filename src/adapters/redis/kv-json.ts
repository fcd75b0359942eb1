// JSON rules shared by both stores (specs/redis.md §2): Date → ISO string, undefined fields
// vanish, BigInt and other non-JSON values throw at write time, invalid stored JSON is a miss.

/** A versioned value (sessions, specs/redis.md §6): `ver` 0 means absent (or deleted). */
export interface Versioned<T> {
  ver: number
  data: T | undefined
}

function describe (value: unknown): string | undefined {
  switch (typeof value) {
    case 'bigint': return 'a BigInt'
    case 'function': return 'a function'
    case 'symbol': return 'a symbol'
    case 'number': return Number.isFinite(value) ? undefined : `the number ${value}`
    case 'object':
      if (value instanceof Map) return 'a Map'
      if (value instanceof Set) return 'a Set'
      return undefined
    default: return undefined
  }
}

/**
 * Serializes a value for the store, throwing a TypeError for values JSON cannot carry faithfully.
 *
 * @example encodeJson({ at: new Date(0) }) // '{"at":"1970-01-01T00:00:00.000Z"}'
 */
export function encodeJson (value: unknown): string {
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const bad = describe(v)
    // Inside objects JSON.stringify would silently drop functions and symbols; refuse instead.
    if (bad !== undefined) throw new TypeError(`kv: cannot store ${bad}${key === '' ? '' : ` (field ${JSON.stringify(key)})`} as JSON`)
    return v
  })
  if (text === undefined) throw new TypeError('kv: cannot store undefined as JSON')
  return text
}

/** Parses stored text; `ok: false` when it is not valid JSON (the caller treats it as a miss). */
export function decodeJson<T> (text: string): { ok: true, value: T } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as T }
  } catch {
    return { ok: false }
  }
}

/**
 * Reads the version of a stored `{"ver": n, "data": …}` or tombstone `{"ver": n, "deleted": true}`.
 * Anything else (absent, invalid) counts as version 0, as in the Lua scripts.
 */
export function decodeVersioned<T> (text: string | null | undefined): Versioned<T> & { deleted: boolean } {
  if (text === null || text === undefined) return { ver: 0, data: undefined, deleted: false }
  const parsed = decodeJson<{ ver?: unknown, data?: T, deleted?: unknown }>(text)
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || typeof parsed.value.ver !== 'number') {
    return { ver: 0, data: undefined, deleted: false }
  }
  const deleted = parsed.value.deleted === true
  return { ver: Math.trunc(parsed.value.ver), data: deleted ? undefined : parsed.value.data, deleted }
}

/** Validates a TTL in ms: a positive finite number, rounded up to whole ms. */
export function ttlArg (ttlMs: number, what = 'ttlMs'): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`kv: ${what} must be a positive number of milliseconds, got ${String(ttlMs)}`)
  }
  return Math.ceil(ttlMs)
}

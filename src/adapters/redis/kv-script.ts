// Atomic scripts that run on both stores: Lua on Redis (EVALSHA, with an EVAL fallback when the
// server lacks it; redis-kv.ts) and a synchronous JS twin on the memory store (atomic because it
// runs in one tick). specs/redis.md §1: a script receives every key it touches in KEYS, and
// time-dependent scripts read the server clock (`TIME`); the memory twin reads `db.now()`.

/** What a script may return: Redis reply shapes (integer, bulk string, nil, array). */
export type ScriptReply = number | string | null | ScriptReply[]

/** TTL condition of PEXPIRE (Redis 7). */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT'

/**
 * The memory store's synchronous data API, given to a script's `memory` twin. It mirrors the
 * Redis commands of the same name, including their edge cases (expired keys are absent, empty
 * collections vanish, a wrong type throws `WRONGTYPE …`, `pexpire` with ms ≤ 0 deletes).
 */
export interface MemoryScriptApi {
  /** The injected clock, in ms (the memory twin of `redis.call('TIME')`). */
  now (): number
  type (key: string): 'none' | 'string' | 'hash' | 'list' | 'set'
  exists (key: string): boolean
  get (key: string): string | null
  /** SET; returns false only when `nx` is set and the key exists. Without `pxMs`/`keepTtl` the TTL is cleared. */
  set (key: string, value: string, options?: { pxMs?: number, nx?: boolean, keepTtl?: boolean }): boolean
  del (key: string): boolean
  rename (from: string, to: string): void
  /** -2 missing, -1 no TTL, else remaining ms. */
  pttl (key: string): number
  pexpire (key: string, ms: number, condition?: ExpireCondition): boolean
  incrBy (key: string, by: number): number
  hget (key: string, field: string): string | null
  hset (key: string, fields: Readonly<Record<string, string>>): number
  hgetall (key: string): Record<string, string>
  hincrBy (key: string, field: string, by: number): number
  hdel (key: string, fields: readonly string[]): number
  lpush (key: string, values: readonly string[]): number
  ltrim (key: string, start: number, stop: number): void
  lrange (key: string, start: number, stop: number): string[]
  llen (key: string): number
  sadd (key: string, members: readonly string[]): number
  srem (key: string, members: readonly string[]): number
  sismember (key: string, member: string): boolean
  smembers (key: string): string[]
  scard (key: string): number
  /** PFADD (the memory store counts exactly); true when the estimate changed. */
  pfadd (key: string, members: readonly string[]): boolean
}

/**
 * A script both stores can run. `numberOfKeys` leading arguments are KEYS, the rest ARGV;
 * arguments reach both twins as strings. The memory twin must return what the Lua body's reply
 * becomes in ioredis: Lua numbers are truncated to integers, `false`/nil become `null`.
 */
export interface ScriptDefinition<R extends ScriptReply = ScriptReply> {
  /** Identifier (`[A-Za-z][A-Za-z0-9_]*`), unique per process. */
  readonly name: string
  readonly numberOfKeys: number
  readonly lua: string
  readonly memory: (db: MemoryScriptApi, keys: readonly string[], args: readonly string[]) => R
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/
const registry = new Map<string, ScriptDefinition<ScriptReply>>()

/**
 * Declares a script once per process (module level) and registers it by name, so stores can run
 * it by definition or by name. Redefining a name with a different Lua body throws.
 *
 * @example
 * export const touchScript = defineScript({
 *   name: 'touch',
 *   numberOfKeys: 1,
 *   lua: "return redis.call('PEXPIRE', KEYS[1], ARGV[1])",
 *   memory: (db, [key], [ms]) => db.pexpire(key!, Number(ms)) ? 1 : 0
 * })
 * await kv.runScript(touchScript, [key], [60_000])
 */
export function defineScript<R extends ScriptReply> (definition: ScriptDefinition<R>): ScriptDefinition<R> {
  if (!NAME_RE.test(definition.name)) throw new RangeError(`kv: invalid script name ${JSON.stringify(definition.name)}`)
  if (!Number.isInteger(definition.numberOfKeys) || definition.numberOfKeys < 0) {
    throw new RangeError(`kv: script ${definition.name} needs an integer numberOfKeys ≥ 0`)
  }
  const known = registry.get(definition.name)
  if (known !== undefined && known.lua !== definition.lua) {
    throw new Error(`kv: script ${definition.name} is already defined with another body`)
  }
  const frozen = Object.freeze({ ...definition })
  registry.set(definition.name, frozen)
  return frozen
}

/** Resolves a script given by definition or by registered name. */
export function resolveScript<R extends ScriptReply> (script: ScriptDefinition<R> | string): ScriptDefinition<R> {
  if (typeof script !== 'string') return script
  const found = registry.get(script)
  if (found === undefined) throw new Error(`kv: unknown script ${JSON.stringify(script)} (defineScript it first)`)
  return found as ScriptDefinition<R>
}

/** Checks the key count and turns arguments into the strings both twins receive. */
export function scriptArgs (script: ScriptDefinition<ScriptReply>, keys: readonly string[], args: ReadonlyArray<string | number>): string[] {
  if (keys.length !== script.numberOfKeys) {
    throw new RangeError(`kv: script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`)
  }
  return args.map(String)
}

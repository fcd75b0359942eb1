// The bot's per-update key-value work in two batches (issue 18, decision 0045): before the
// handler one batch claims the update, consumes `bot.message`, reads the session, the cached
// customer and the shop words' version; after it one batch writes the session (compare-and-set),
// the activity entries, the day's uniques and the customer cache. A batch is one pipeline on a
// single node and one per slot on a Cluster; a private chat's keys share the hash tag `{<chat>}`
// (dedupe, limiter, session, customer), so the steps cost one round trip for those keys there too.
import { randomBytes } from 'node:crypto'
import type { RateLimitRule } from '../../domain/shared/rate-limit.js'
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { compareAndSetScript } from './builtin-scripts.js'
import { decodeJson, decodeVersioned, encodeJson } from './kv-json.js'
import { defineScript, type ScriptReply } from './kv-script.js'
import type { KvStore, ScriptCall } from './kv-store.js'
import { rateLimitArgs, rateLimitScript, type RateLimitReply } from './rate-limit-script.js'
import { utcDay } from './uniques.js'
import { ACTIVITY_MAX_ENTRIES } from './activity.js'
import { LANGUAGES } from '../../domain/shared/language.js'
import type { CachedCustomer, RateLimitDecision, UpdateSteps } from '../../usecases/ports-kv.js'

/** GET KEYS[1] (nil → null). */
const getScript = defineScript<string | null>({
  name: 'stepGet',
  numberOfKeys: 1,
  lua: "return redis.call('GET', KEYS[1])",
  memory: (db, [key]) => db.get(key!)
})

/** SET KEYS[1] ARGV[1] PX ARGV[2] (NX when ARGV[3] = '1'); 1 when written. */
const setScript = defineScript<number>({
  name: 'stepSet',
  numberOfKeys: 1,
  lua: `if ARGV[3] == '1' then
  if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  memory: (db, [key], [value, ms, nx]) => db.set(key!, value!, { pxMs: Number(ms), nx: nx === '1' }) ? 1 : 0
})

/**
 * SET KEYS[1] ARGV[1] PX ARGV[2] only while the key still holds ARGV[3] ('' = absent): a cached
 * customer read before a change is never written over the change's tombstone.
 */
const setIfScript = defineScript<number>({
  name: 'stepSetIf',
  numberOfKeys: 1,
  lua: `local cur = redis.call('GET', KEYS[1])
if (cur == false and ARGV[3] == '') or cur == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`,
  memory: (db, [key], [value, ms, expected]) => {
    const cur = db.get(key!)
    if ((cur === null && expected === '') || cur === expected) {
      db.set(key!, value!, { pxMs: Number(ms) })
      return 1
    }
    return 0
  }
})

/** LPUSH every ARGV from the 3rd on, LTRIM to ARGV[1], PEXPIRE ARGV[2]. */
const pushScript = defineScript<number>({
  name: 'stepPushCapped',
  numberOfKeys: 1,
  lua: `for i = 3, #ARGV do redis.call('LPUSH', KEYS[1], ARGV[i]) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  memory: (db, [key], [max, ms, ...values]) => {
    db.lpush(key!, values)
    db.ltrim(key!, 0, Number(max) - 1)
    db.pexpire(key!, Number(ms))
    return 1
  }
})

/** PFADD KEYS[1] ARGV[1], PEXPIRE ARGV[2]. */
const markScript = defineScript<number>({
  name: 'stepPfadd',
  numberOfKeys: 1,
  lua: `local n = redis.call('PFADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n`,
  memory: (db, [key], [member, ms]) => {
    const changed = db.pfadd(key!, [member!])
    db.pexpire(key!, Number(ms))
    return changed ? 1 : 0
  }
})

/** How long a customer stays cached without an update (a row dropped meanwhile is upserted again after it). */
export const CUSTOMER_CACHE_TTL_MS = 3600_000
/** How long a published words version is trusted; after it one update per instance reads it again through SQL. */
export const WORDS_VERSION_TTL_MS = 60_000
const DAY_KEY_TTL_MS = 32 * 86_400_000
const ACTIVITY_TTL_MS = 30 * 86_400_000

export interface UpdateStepsOptions {
  kv: KvStore
  policies: Readonly<Record<string, readonly RateLimitRule[]>>
  /** `SESSION_TTL_S` × 1000, as the session store writes. */
  sessionTtlMs: number
  clock?: Clock
}

function decodeCustomer (text: ScriptReply | Error | undefined): CachedCustomer | null {
  if (typeof text !== 'string') return null
  const parsed = decodeJson<{ l?: unknown, b?: unknown, u?: unknown, f?: unknown }>(text)
  if (!parsed.ok) return null
  const { l, b, u, f } = parsed.value
  if (!LANGUAGES.includes(l as never) || typeof b !== 'boolean') return null
  return { language: l as CachedCustomer['language'], blocked: b, username: typeof u === 'string' ? u : null, firstName: typeof f === 'string' ? f : null }
}

function ok<T extends ScriptReply> (reply: ScriptReply | Error | undefined): T {
  if (reply instanceof Error) throw reply
  return reply as T
}

/**
 * @example
 * const steps = createUpdateSteps({ kv, policies: config.orders.rateLimits })
 * const first = await steps.begin({ dedupeKey, dedupeTtlMs: 48 * 3600_000, sessionKey: '42', customerId: 42 })
 */
export function createUpdateSteps (options: UpdateStepsOptions): UpdateSteps {
  const { kv, policies } = options
  const clock = options.clock ?? systemClock
  const customerKey = (id: number): string => kv.keys.taggedKey('cust', [String(id)])
  const sessionKey = (key: string): string => kv.keys.taggedKey('sess', [key])
  const wordsKey = kv.keys.key('shop', 'wordsver')
  const dayKey = (): string => kv.keys.taggedKey('uq', 'active', utcDay(clock.now()))
  const activityKey = (id: number): string => kv.keys.key('act', id)

  return {
    async begin (request) {
      const calls: ScriptCall[] = [{ script: setScript, keys: [request.dedupeKey], args: ['1', Math.ceil(request.dedupeTtlMs), '1'] }]
      let limitAt: number | undefined
      let rules: readonly RateLimitRule[] | undefined
      if (request.limit !== undefined) {
        rules = policies[request.limit.policy]
        if (rules === undefined || rules.length === 0) throw new RangeError(`rate limit: unknown policy ${JSON.stringify(request.limit.policy)}`)
        const tag = request.limit.subject
        const keys = rules.map((r) => kv.keys.taggedKey('rl', tag, request.limit!.policy, `${r.limit}per${r.windowS}s`))
        limitAt = calls.push({ script: rateLimitScript(rules.length), keys, args: rateLimitArgs(rules.map((r) => ({ limit: r.limit, windowMs: r.windowS * 1000 })), 1, undefined) }) - 1
      }
      const sessionAt = request.sessionKey === undefined ? undefined : calls.push({ script: getScript, keys: [sessionKey(request.sessionKey)] }) - 1
      const customerAt = request.customerId === undefined ? undefined : calls.push({ script: getScript, keys: [customerKey(request.customerId)] }) - 1
      const wordsAt = request.customerId === undefined ? undefined : calls.push({ script: getScript, keys: [wordsKey] }) - 1
      const replies = await kv.batch(calls)
      const result: Awaited<ReturnType<UpdateSteps['begin']>> = { claimed: ok<number>(replies[0]) === 1 }
      if (limitAt !== undefined && rules !== undefined) {
        const [allowed, violated, retryAfterMs, remaining, resetMs] = ok<RateLimitReply>(replies[limitAt])
        const decision: RateLimitDecision = { allowed: allowed === 1, violatedRule: violated === 0 ? null : rules[violated - 1]!, retryAfterMs, remaining, resetMs, degraded: false }
        result.limit = decision
      }
      if (sessionAt !== undefined) {
        const { ver, data } = decodeVersioned(ok<string | null>(replies[sessionAt]))
        result.session = { ver, data }
      }
      if (customerAt !== undefined) {
        const text = ok<string | null>(replies[customerAt])
        result.customer = decodeCustomer(text)
        result.customerToken = text ?? ''
      }
      if (wordsAt !== undefined) {
        const text = ok<string | null>(replies[wordsAt])
        const version = text === null ? NaN : Number(text)
        if (Number.isSafeInteger(version) && version >= 0) result.wordsVersion = version
      }
      return result
    },
    async end (request) {
      const calls: ScriptCall[] = []
      let sessionAt: number | undefined
      if (request.session !== undefined) {
        const s = request.session
        sessionAt = calls.push({ script: compareAndSetScript, keys: [sessionKey(s.key)], args: [s.baseVersion, encodeJson(s.value), Math.ceil(options.sessionTtlMs)] }) - 1
      }
      const byCustomer = new Map<number, string[]>()
      for (const a of request.activity) {
        const entry = encodeJson({ at: new Date(clock.now()).toISOString(), action: a.action, ...(a.details === undefined ? {} : { details: a.details }) })
        byCustomer.set(a.customerId, [...(byCustomer.get(a.customerId) ?? []), entry])
      }
      for (const [id, entries] of byCustomer) calls.push({ script: pushScript, keys: [activityKey(id)], args: [ACTIVITY_MAX_ENTRIES, ACTIVITY_TTL_MS, ...entries] })
      if (request.activeCustomer !== undefined) calls.push({ script: markScript, keys: [dayKey()], args: [String(request.activeCustomer), DAY_KEY_TTL_MS] })
      if (request.customer !== undefined) {
        const c = request.customer.value
        calls.push({ script: setIfScript, keys: [customerKey(request.customer.id)], args: [encodeJson({ l: c.language, b: c.blocked, u: c.username, f: c.firstName }), CUSTOMER_CACHE_TTL_MS, request.customer.expected] })
      }
      if (request.wordsVersion !== undefined) calls.push({ script: setScript, keys: [wordsKey], args: [String(request.wordsVersion), WORDS_VERSION_TTL_MS, '1'] })
      if (calls.length === 0) return { sessionWritten: true }
      const replies = await kv.batch(calls)
      for (const [i, reply] of replies.entries()) if (i !== sessionAt && reply instanceof Error) throw reply
      return { sessionWritten: sessionAt === undefined || ok(replies[sessionAt]) !== null }
    },
    async forgetCustomer (telegramId) {
      // a unique tombstone, not a delete: an update that read the record before this change cannot cache it again
      await kv.setString(customerKey(telegramId), `x:${clock.now()}:${randomBytes(6).toString('hex')}`, { ttlMs: CUSTOMER_CACHE_TTL_MS })
    },
    async publishWordsVersion (version) {
      await kv.setString(wordsKey, String(version), { ttlMs: WORDS_VERSION_TTL_MS })
    }
  }
}

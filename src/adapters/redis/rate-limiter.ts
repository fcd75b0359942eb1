// Named rate-limit policies over the KV store (specs/redis.md §5, §8): one script call per check,
// all rules of a subject under one hash tag; during an outage an in-process limiter with the same
// rules (the same script on a private memory store) answers, logged and counted.
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { type RateLimitRule } from '../../domain/shared/rate-limit.js'
import type { Metrics } from '../../metrics.js'
import { createMemoryKv } from './memory-kv.js'
import { rateLimitArgs, rateLimitScript, type ScriptRule } from './rate-limit-script.js'
import { KvUnavailableError, type KeySegment, type KvStore } from './kv-store.js'
import type { RateLimitDecision, RateLimiter } from '../../usecases/ports-kv.js'

export type { RateLimitDecision, RateLimiter }

/** The part of a logger the limiter uses. */
export interface RateLimitLogger {
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  kv: KvStore
  /** Policy name → rules (e.g. `config.orders.rateLimits`). */
  policies: Readonly<Record<string, readonly RateLimitRule[]>>
  logger?: RateLimitLogger
  metrics?: Pick<Metrics, 'rateLimitFallbacks'>
  /** Clock of the in-process fallback; default the system clock. */
  clock?: Clock
  /** Test only: the "now" passed to the Redis script instead of the server's TIME (specs/redis.md §1). */
  __test__now?: () => number
}

/**
 * Creates the limiter.
 *
 * @example
 * const limiter = createRateLimiter({ kv, policies: config.orders.rateLimits, logger, metrics })
 * const d = await limiter.check('bot.message', ['u', 42])
 * if (!d.allowed) reply(`slow down, try again in ${Math.ceil(d.retryAfterMs / 1000)} s`)
 */
export function createRateLimiter (options: RateLimiterOptions): RateLimiter {
  const { kv, policies, logger } = options
  const fallback = createMemoryKv({ clock: options.clock ?? systemClock, prefix: kv.keys.prefix })
  let degraded = false

  const rulesOf = (policy: string): readonly RateLimitRule[] => {
    const rules = policies[policy]
    if (rules === undefined || rules.length === 0) throw new RangeError(`rate limit: unknown policy ${JSON.stringify(policy)}`)
    return rules
  }
  const keysOf = (policy: string, subject: KeySegment | readonly KeySegment[]): string[] => {
    const tag = typeof subject === 'object' ? subject : [subject]
    return rulesOf(policy).map((r) => kv.keys.taggedKey('rl', tag, policy, `${r.limit}per${r.windowS}s`))
  }
  const run = async (store: KvStore, policy: string, keys: string[], cost: number, now: number | undefined): Promise<RateLimitDecision> => {
    const rules = rulesOf(policy)
    const scriptRules: ScriptRule[] = rules.map((r) => ({ limit: r.limit, windowMs: r.windowS * 1000 }))
    const [allowed, violated, retryAfterMs, remaining, resetMs] =
      await store.runScript(rateLimitScript(rules.length), keys, rateLimitArgs(scriptRules, cost, now))
    return { allowed: allowed === 1, violatedRule: violated === 0 ? null : rules[violated - 1]!, retryAfterMs, remaining, resetMs, degraded: store === fallback }
  }

  return {
    keysOf,
    async check (policy, subject, cost = 1) {
      if (!Number.isInteger(cost) || cost < 1) throw new RangeError(`rate limit: cost must be a positive integer, got ${String(cost)}`)
      const keys = keysOf(policy, subject)
      try {
        const decision = await run(kv, policy, keys, cost, options.__test__now?.())
        if (degraded) {
          degraded = false
          logger?.info({ module: 'rate-limit' }, 'rate limiting is shared again (key-value store reachable)')
        }
        return decision
      } catch (error) {
        if (!(error instanceof KvUnavailableError)) throw error
        if (!degraded) {
          degraded = true
          logger?.warn({ module: 'rate-limit', err: error }, 'key-value store unavailable: rate limits fall back to this instance only')
        }
        options.metrics?.rateLimitFallbacks.inc({ policy })
        return await run(fallback, policy, keys, cost, undefined)
      }
    }
  }
}

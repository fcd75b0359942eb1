// Unique active customers per UTC day (specs/redis.md §7) as HyperLogLogs (PFADD / PFCOUNT),
// feeding DAU, WAU and MAU. All day keys share one hash tag so a multi-day PFCOUNT runs on a
// Cluster; each key is ~12 KB and expires after the longest window it serves.
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import type { KvStore } from './kv-store.js'
import type { Uniques } from '../../usecases/ports-kv.js'

export type { Uniques }

/** Options of {@link createUniques}. */
export interface UniquesOptions {
  kv: KvStore
  clock?: Clock
}

const DAY_MS = 86_400_000
/** Longest window served (MAU) plus a margin. */
const DAY_KEY_TTL_MS = 32 * DAY_MS

/** The UTC day of a time, `YYYY-MM-DD`. */
export function utcDay (ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/**
 * Creates the daily uniques counter.
 *
 * @example
 * const uniques = createUniques({ kv })
 * await uniques.markActive(customerId)
 * const { dau, wau, mau } = { dau: await uniques.dau(), wau: await uniques.wau(), mau: await uniques.mau() }
 */
export function createUniques (options: UniquesOptions): Uniques {
  const { kv } = options
  const clock = options.clock ?? systemClock
  const dayKey = (ms: number): string => kv.keys.taggedKey('uq', 'active', utcDay(ms))
  const countActive = async (days: number, at = clock.now()): Promise<number> => {
    if (!Number.isInteger(days) || days < 1 || days > 31) throw new RangeError('uniques: days must be an integer from 1 to 31')
    return await kv.pfcount(Array.from({ length: days }, (_, i) => dayKey(at - i * DAY_MS)))
  }
  return {
    markActive: async (customerId) => kv.pfadd(dayKey(clock.now()), [String(customerId)], DAY_KEY_TTL_MS),
    countActive,
    dau: async () => countActive(1),
    wau: async () => countActive(7),
    mau: async () => countActive(30)
  }
}

// Per-customer activity log (specs/redis.md §7): a capped list of the newest actions, newest
// first, with a TTL, written in one MULTI (LPUSH + LTRIM + PEXPIRE). Rebuildable data only.
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import type { KeySegment, KvStore } from './kv-store.js'
import type { ActivityEntry, ActivityLog } from '../../usecases/ports-kv.js'

export type { ActivityEntry, ActivityLog }

/** Options of {@link createActivityLog}. */
export interface ActivityLogOptions {
  kv: KvStore
  clock?: Clock
  /** Entries kept per customer; default 100. */
  maxEntries?: number
  /** Lifetime of a log after its last write; default 30 days. */
  ttlMs?: number
}

/** Default number of entries kept per customer. */
export const ACTIVITY_MAX_ENTRIES = 100
const DEFAULT_TTL_MS = 30 * 86_400_000

/**
 * Creates the activity log over a store.
 *
 * @example
 * const activity = createActivityLog({ kv })
 * await activity.record(customerId, 'order.placed', { orderId: 1042 })
 * await activity.list(customerId, { limit: 20 }) // newest first
 */
export function createActivityLog (options: ActivityLogOptions): ActivityLog {
  const { kv } = options
  const clock = options.clock ?? systemClock
  const maxEntries = options.maxEntries ?? ACTIVITY_MAX_ENTRIES
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
  const keyOf = (customerId: KeySegment): string => kv.keys.key('act', customerId)
  return {
    async record (customerId, action, details) {
      const entry: ActivityEntry = { at: new Date(clock.now()).toISOString(), action, ...(details === undefined ? {} : { details }) }
      await kv.pushCapped(keyOf(customerId), entry, maxEntries, ttlMs)
    },
    async list (customerId, page = {}) {
      const offset = Math.max(0, Math.floor(page.offset ?? 0))
      const limit = Math.min(maxEntries, Math.max(1, Math.floor(page.limit ?? maxEntries)))
      return await kv.range<ActivityEntry>(keyOf(customerId), offset, offset + limit - 1)
    },
    async forget (customerId) {
      await kv.del([keyOf(customerId)])
    }
  }
}

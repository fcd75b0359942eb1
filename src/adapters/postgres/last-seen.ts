/**
 * Last-seen times written in batches (issue 18, decision 0045): returning customers' updates
 * record a sighting in memory; every `intervalMs` one UPDATE … FROM unnest() writes them all (a
 * time only ever moves forward). Ids without a customer row (removed meanwhile, e.g. by `bozor
 * sandbox clear`) are handed to `onMissing`, which drops them from the bot's customer cache so
 * their next update inserts the row again.
 *
 * @example
 * const lastSeen = createLastSeenLog(db, { onMissing: (ids) => ids.forEach((id) => steps.forgetCustomer(id)) })
 * lastSeen.seen(42, Date.now())
 * await lastSeen.flush()
 */
import { sql } from 'drizzle-orm'
import type { LastSeenLog } from '../../usecases/bot-ports.js'
import type { Db } from './database.js'

export interface LastSeenLogOptions {
  /** How often pending sightings are written [1000 ms]. */
  intervalMs?: number
  onMissing?: (ids: number[]) => void
  onError?: (err: unknown) => void
}

export function createLastSeenLog (db: Db, options: LastSeenLogOptions = {}): LastSeenLog & { close(): Promise<void> } {
  let pending = new Map<number, number>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number[]> = Promise.resolve([])
  const write = async (batch: Map<number, number>): Promise<number[]> => {
    if (batch.size === 0) return []
    const ids = [...batch.keys()]
    const ats = ids.map((id) => new Date(batch.get(id)!).toISOString())
    const result = await db.execute<{ telegram_id: string | number }>(sql`
      update customer set last_seen_at = greatest(customer.last_seen_at, v.at)
      from (select unnest(${`{${ids.join(',')}}`}::bigint[]) as id, unnest(${`{${ats.map((a) => `"${a}"`).join(',')}}`}::timestamptz[]) as at) v
      where customer.telegram_id = v.id
      returning customer.telegram_id`)
    const found = new Set(result.rows.map((r) => Number(r.telegram_id)))
    const missing = ids.filter((id) => !found.has(id))
    if (missing.length > 0) options.onMissing?.(missing)
    return missing
  }
  const flush = async (): Promise<number[]> => {
    clearTimeout(timer)
    timer = undefined
    const batch = pending
    pending = new Map()
    // one write at a time, in order
    running = running.catch(() => []).then(async () => await write(batch))
    return await running
  }
  return {
    seen (telegramId, at) {
      if ((pending.get(telegramId) ?? 0) < at) pending.set(telegramId, at)
      if (timer === undefined) {
        timer = setTimeout(() => { flush().catch((err: unknown) => options.onError?.(err)) }, options.intervalMs ?? 1000)
        timer.unref()
      }
    },
    flush,
    async close () {
      await flush().catch((err: unknown) => options.onError?.(err))
    }
  }
}

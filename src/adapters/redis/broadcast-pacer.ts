// The broadcast pace every instance shares (BROADCAST_RATE, decision 0035): one key holds the
// time of the next free send slot, in microseconds of the store's clock. `reserve(n)` books the
// next n slots, evenly spaced, and answers the wait until the first; nothing accumulates while
// idle, so there is never a burst. `holdFor(ms)` moves the next slot past now + ms (a 429's
// retry_after holds every instance). While the store is unreachable an in-process pace with the
// same rate answers (this instance alone then keeps to the rate).
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import type { BroadcastPacer } from '../../usecases/broadcasts/ports.js'
import { createMemoryKv } from './memory-kv.js'
import { defineScript } from './kv-script.js'
import { KvUnavailableError, type KvStore } from './kv-store.js'

/**
 * The pace keeps 2 % under BROADCAST_RATE: Telegram counts sends in its own sliding second, and
 * a few milliseconds of network jitter at exactly the limit would cost 429s (decision 0035).
 */
export const PACE_HEADROOM = 0.98

/** How long the key outlives its last booked slot. */
const KEY_MARGIN_MS = 60_000

export const paceScript = defineScript<number>({
  name: 'bozorBroadcastPace',
  numberOfKeys: 1,
  lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local first = tat - now
if hold > 0 then
  if now + hold > tat then tat = now + hold end
  first = 0
else
  tat = tat + n * interval
end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + ${KEY_MARGIN_MS})
return math.floor(first / 1000)
`,
  memory: (db, [key], [interval, n, hold]) => {
    const now = db.now() * 1000
    let tat = Math.max(Number(db.get(key!) ?? '0'), now)
    let first = tat - now
    if (Number(hold) > 0) {
      tat = Math.max(tat, now + Number(hold))
      first = 0
    } else {
      tat += Number(n) * Number(interval)
    }
    db.set(key!, tat.toFixed(0), { pxMs: Math.floor((tat - now) / 1000) + KEY_MARGIN_MS })
    return Math.floor(first / 1000)
  }
})

export interface BroadcastPacerOptions {
  kv: KvStore
  /** Messages per second, all instances together. */
  rate: number
  clock?: Clock
  logger?: { warn(obj: object, msg: string): void }
}

export function createBroadcastPacer (options: BroadcastPacerOptions): BroadcastPacer {
  const { kv } = options
  const intervalUs = Math.ceil(1_000_000 / (options.rate * PACE_HEADROOM))
  const key = kv.keys.key('bc', 'pace')
  const fallback = createMemoryKv({ clock: options.clock ?? systemClock, prefix: kv.keys.prefix })
  let degraded = false
  const run = async (n: number, holdUs: number): Promise<number> => {
    try {
      const wait = await kv.runScript(paceScript, [key], [intervalUs, n, holdUs])
      degraded = false
      return wait
    } catch (error) {
      if (!(error instanceof KvUnavailableError)) throw error
      if (!degraded) options.logger?.warn({ module: 'broadcasts', err: error }, 'key-value store unavailable: the broadcast pace is this instance\'s alone')
      degraded = true
      return await fallback.runScript(paceScript, [key], [intervalUs, n, holdUs])
    }
  }
  return {
    intervalMs: intervalUs / 1000,
    rate: options.rate,
    reserve: (n) => run(n, 0),
    async holdFor (ms) { await run(0, Math.max(1, Math.ceil(ms)) * 1000) }
  }
}

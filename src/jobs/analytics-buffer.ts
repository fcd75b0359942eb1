/**
 * The bot's analytics events, buffered in process and written in batches (DESIGN.md: "bot events
 * are buffered and written in batches, never delaying a reply"; decision 0030). `record` and
 * `active` only push onto a bounded array: a batch is written when `flushAt` entries wait or
 * `intervalMs` after the first one, one batch at a time. When `maxEntries` wait (the database is
 * slow or down), new entries are dropped and counted (`bozor_analytics_events_dropped_total`)
 * instead of growing without limit; a batch the database refuses is dropped and counted too.
 * `close()` writes what is left (graceful shutdown).
 *
 * @example
 * const buffer = createEventBuffer({ sink: analyticsStore, onDrop: (n, reason) => metrics.analyticsDropped.inc({ reason }, n), logger })
 * buffer.record({ name: 'catalog.opened', customerTelegramId: 42, at: Date.now() })
 * await buffer.close()
 */
import type { BotEvent } from '../domain/analytics/events.js'
import type { EventRecorder } from '../usecases/analytics.js'

/** One buffered entry: an event, or only "this customer was active at `at`". */
export interface BufferedEntry { customerTelegramId: number, at: number, event?: BotEvent }

/** Where batches go (adapters/postgres/analytics-store.ts `appendBatch`). */
export interface EventSink {
  appendBatch(entries: readonly BufferedEntry[]): Promise<void>
}

export interface EventBufferOptions {
  sink: EventSink
  /** Entries dropped, by reason. */
  onDrop(count: number, reason: 'buffer_full' | 'write_failed'): void
  logger: { warn(obj: object, msg?: string): void }
  now?: () => number
  /** Most entries held [10 000]. */
  maxEntries?: number
  /** A batch is written once this many wait [500]. */
  flushAt?: number
  /** …or this long after the first one was recorded [1 000 ms]. */
  intervalMs?: number
}

export interface EventBuffer extends EventRecorder {
  /** Writes what waits now (and waits for a batch under way). */
  flush(): Promise<void>
  /** Stops the timer and writes what is left. */
  close(): Promise<void>
  /** Entries waiting. */
  readonly size: number
}

export function createEventBuffer (options: EventBufferOptions): EventBuffer {
  const max = options.maxEntries ?? 10_000
  const flushAt = options.flushAt ?? 500
  const intervalMs = options.intervalMs ?? 1000
  const now = options.now ?? Date.now
  let pending: BufferedEntry[] = []
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()

  const writeBatch = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.slice(0, flushAt)
      pending = pending.slice(batch.length)
      try {
        await options.sink.appendBatch(batch)
      } catch (err) {
        options.onDrop(batch.length, 'write_failed')
        options.logger.warn({ module: 'analytics', dropped: batch.length, err: err instanceof Error ? err.message : String(err) }, 'analytics batch could not be written; dropped')
        return
      }
    }
  }

  const flush = async (): Promise<void> => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    writing = writing.then(writeBatch)
    await writing
  }

  const push = (entry: BufferedEntry): void => {
    if (pending.length >= max) { options.onDrop(1, 'buffer_full'); return }
    pending.push(entry)
    if (pending.length >= flushAt) { flush().catch(() => {}); return }
    if (timer === undefined) {
      timer = setTimeout(() => { timer = undefined; flush().catch(() => {}) }, intervalMs)
      timer.unref()
    }
  }

  return {
    record (event) { push({ customerTelegramId: event.customerTelegramId, at: event.at, event }) },
    active (telegramId) { push({ customerTelegramId: telegramId, at: now() }) },
    flush,
    async close () { await flush() },
    get size () { return pending.length }
  }
}

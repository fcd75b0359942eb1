/**
 * Runs each Telegram update once and in order per chat (specs/telegram.md §2.2, §9 items 3–5;
 * STYLE R4): the `update_id` is claimed in the key-value store before handling (SET NX, 48 h)
 * and released when handling fails, so a redelivery after a failure is handled while a
 * redelivery of a handled update, on this instance or another, is not. Updates of one chat run
 * one after another; different chats run in parallel. With the store down the claim falls back to
 * an in-process record (this instance still never handles an update twice).
 */
import type { Update } from 'grammy/types'
import { KvUnavailableError, type KeyValue } from '../../usecases/ports-kv.js'

/** How long a handled update_id is remembered: Telegram keeps updates 24 h; twice that. */
export const UPDATE_DEDUPE_TTL_MS = 48 * 3600_000
/** Cap of the in-process fallback record. */
const LOCAL_CAP = 100_000

export interface UpdateProcessorLogger {
  warn (obj: object, msg: string): void
}

export interface UpdateProcessor {
  /** `duplicate` when the update was claimed before; rejects when handling failed (the claim is released). */
  process (update: Update): Promise<'handled' | 'duplicate'>
  /** Resolves when every update under way has finished. */
  idle (): Promise<void>
}

/** The chat an update belongs to (its ordering key). */
export function chatKeyOf (update: Update): string {
  const u = update as unknown as Record<string, { chat?: { id: number }, message?: { chat?: { id: number } }, from?: { id: number } } | undefined>
  for (const value of Object.values(u)) {
    if (typeof value !== 'object' || value === null) continue
    const chat = value.chat?.id ?? value.message?.chat?.id
    if (chat !== undefined) return `c${chat}`
    if (value.from?.id !== undefined) return `c${value.from.id}`
  }
  return 'none'
}

/**
 * The key claiming an update: under its chat's hash tag (`{<chat id>}`, the tag of the chat's
 * session, limiter and customer keys), so the bot's first step stays in one slot on a Cluster.
 */
export function dedupeKeyOf (keys: KeyValue['keys'], update: Update): string {
  const chat = chatKeyOf(update)
  return keys.taggedKey('tg', [chat === 'none' ? 'none' : chat.slice(1)], 'upd', update.update_id)
}

export interface UpdateProcessorOptions {
  kv: KeyValue
  handle: (update: Update) => Promise<void>
  logger: UpdateProcessorLogger
  now?: () => number
  /**
   * Claims the update together with the handler's other reads (one round trip, the bot's first
   * step): true claimed, false a duplicate, undefined when the store could not be reached (the
   * processor then claims it itself, falling back to this process).
   */
  begin?: (update: Update) => Promise<boolean | undefined>
}

export function createUpdateProcessor (options: UpdateProcessorOptions): UpdateProcessor {
  const { kv, handle, logger } = options
  const now = options.now ?? Date.now
  const local = new Map<number, number>()
  const chains = new Map<string, Promise<unknown>>()
  const running = new Set<Promise<unknown>>()
  const keys = new Map<number, string>()
  const keyOf = (id: number): string => keys.get(id) ?? kv.keys.key('tg', 'upd', id)

  const claimLocally = (id: number): boolean => {
    const at = now()
    const until = local.get(id)
    if (until !== undefined && until > at) return false
    if (local.size >= LOCAL_CAP) local.delete(local.keys().next().value!)
    local.set(id, at + UPDATE_DEDUPE_TTL_MS)
    return true
  }
  const claim = async (id: number): Promise<boolean> => {
    if (local.has(id) && (local.get(id) ?? 0) > now()) return false
    try {
      return await kv.setString(keyOf(id), '1', { nx: true, ttlMs: UPDATE_DEDUPE_TTL_MS })
    } catch (err) {
      if (!(err instanceof KvUnavailableError)) throw err
      logger.warn({ module: 'bot', updateId: id }, 'key-value store unavailable: update dedupe falls back to this process')
      return claimLocally(id)
    }
  }
  const release = async (id: number): Promise<void> => {
    local.delete(id)
    await kv.del([keyOf(id)]).catch(() => {})
  }
  const sequence = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = chains.get(key) ?? Promise.resolve()
    const run = previous.then(work, work)
    const tail = run.then(() => undefined, () => undefined)
    chains.set(key, tail)
    running.add(tail)
    try {
      return await run
    } finally {
      running.delete(tail)
      if (chains.get(key) === tail) chains.delete(key)
    }
  }

  return {
    process: (update) => sequence(chatKeyOf(update), async () => {
      keys.set(update.update_id, dedupeKeyOf(kv.keys, update))
      try {
        if (local.has(update.update_id) && (local.get(update.update_id) ?? 0) > now()) return 'duplicate' as const
        const first = await options.begin?.(update)
        if (first === false || (first === undefined && !await claim(update.update_id))) return 'duplicate' as const
        try {
          await handle(update)
        } catch (err) {
          await release(update.update_id)
          throw err
        }
        return 'handled' as const
      } finally {
        keys.delete(update.update_id)
      }
    }),
    idle: async () => { await Promise.allSettled([...running]) }
  }
}

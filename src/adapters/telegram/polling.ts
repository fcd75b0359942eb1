/**
 * Long polling (TELEGRAM_MODE=polling; specs/telegram.md §2.3, checklist 10): getUpdates with
 * `offset` = last handled + 1, each batch handed to the update processor (in order per chat,
 * chats in parallel), the offset advanced only past updates that were handled, so a failure is
 * fetched again and a restart never reprocesses confirmed updates. 401 and 409 stop polling with
 * a clear configuration error; other failures are retried after a pause.
 */
import { GrammyError, type Api } from 'grammy'
import type { UpdateProcessor } from './update-processor.js'

/** Update types the shop needs (specs/telegram.md §2.1, checklist 8). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const

export interface PollingOptions {
  api: Api
  processor: UpdateProcessor
  logger: { info(obj: object, msg: string): void, warn(obj: object, msg: string): void, error(obj: object, msg: string): void }
  /** Called once when polling cannot go on (rejected token, another poller or a webhook). */
  onFatal(error: Error): void
  /** Long-poll timeout [30 s]. */
  timeoutS?: number
  /** Pause after a failed poll [3 s]. */
  retryDelayMs?: number
}

export interface Polling { stop(): Promise<void> }

export class PollingConflictError extends Error {
  constructor (description: string) {
    super(`Telegram refused polling: ${description}. Another instance is polling this bot, or a webhook is set: run one poller, or set TELEGRAM_MODE=webhook on every instance.`)
    this.name = 'PollingConflictError'
  }
}

export function startPolling (options: PollingOptions): Polling {
  const { api, processor, logger } = options
  const abort = new AbortController()
  let offset = 0
  const pause = (ms: number): Promise<void> => new Promise((resolve) => {
    const onAbort = (): void => { clearTimeout(timer); resolve() }
    const timer = setTimeout(() => { abort.signal.removeEventListener('abort', onAbort); resolve() }, ms)
    abort.signal.addEventListener('abort', onAbort, { once: true })
  })
  const loop = (async () => {
    await api.deleteWebhook({ drop_pending_updates: false }, abort.signal as never).catch((err: unknown) => logger.warn({ module: 'bot', err: String(err) }, 'deleteWebhook failed'))
    while (!abort.signal.aborted) {
      let updates
      try {
        // a signal per call: grammY leaves a listener on the signal it is given, and this loop runs for days
        const call = new AbortController()
        const onAbort = (): void => call.abort()
        abort.signal.addEventListener('abort', onAbort, { once: true })
        try {
          updates = await api.getUpdates({ offset, limit: 100, timeout: options.timeoutS ?? 30, allowed_updates: [...ALLOWED_UPDATES] }, call.signal as never)
        } finally {
          abort.signal.removeEventListener('abort', onAbort)
        }
      } catch (err) {
        if (abort.signal.aborted) break
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 409)) {
          const fatal = err.error_code === 401 ? new Error('BOT_TOKEN was rejected by Telegram (401 Unauthorized)') : new PollingConflictError(err.description)
          logger.error({ module: 'bot', errorCode: err.error_code }, fatal.message)
          options.onFatal(fatal)
          return
        }
        logger.warn({ module: 'bot', err: String(err) }, 'getUpdates failed; retrying')
        await pause(options.retryDelayMs ?? 3000)
        continue
      }
      if (updates.length === 0) continue
      const results = await Promise.allSettled(updates.map((u) => processor.process(u)))
      const failed = results.findIndex((r) => r.status === 'rejected')
      if (failed === -1) {
        offset = updates[updates.length - 1]!.update_id + 1
        continue
      }
      // fetch the failed update again (and those after it: the handled ones are deduplicated)
      offset = updates[failed]!.update_id
      logger.warn({ module: 'bot', updateId: offset, err: String((results[failed] as PromiseRejectedResult).reason) }, 'update failed; it will be fetched again')
      await pause(options.retryDelayMs ?? 3000)
    }
  })()
  let stopping: Promise<void> | undefined
  return {
    stop () {
      stopping ??= (async () => {
        abort.abort()
        await loop
        // confirm the handled updates so a restart does not fetch them again
        if (offset > 0) await api.getUpdates({ offset, limit: 1, timeout: 0 }).catch(() => {})
        await processor.idle()
      })()
      return stopping
    }
  }
}

/**
 * The shop bot's Bot API transformers (grammY `bot.api.config.use`): bounded retries of network
 * failures, and one reading of refused calls (a blocked customer marked, "not modified" taken as
 * done, the rest logged by method).
 */
import { HttpError, type Transformer } from 'grammy'
import type { BotServices } from './context.js'

/** Retries network failures a bounded number of times with backoff (auto-retry leaves them unbounded). */
export function networkRetry (attempts: number, backoffMs: number): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await prev(method, payload, signal)
      } catch (err) {
        if (!(err instanceof HttpError) || attempt >= attempts || signal?.aborted === true) throw err
        await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)))
      }
    }
  }
}

/** Marks blocked customers (403), treats "message is not modified" as success, logs refused calls by method. */
export function classifyErrors (services: BotServices): Transformer {
  return async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal)
    if (result.ok) return result
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id
    if (result.error_code === 400 && /message is not modified/i.test(result.description) && method.startsWith('edit')) {
      return { ok: true, result: true as never }
    }
    const log = { module: 'bot', method, chatId, errorCode: result.error_code, description: result.description }
    if (result.error_code === 403 && typeof chatId === 'number' && chatId > 0 && /blocked by the user|user is deactivated|can't initiate conversation/i.test(result.description)) {
      services.logger.info(log, 'customer blocked the bot; marked and skipped by broadcasts')
      // not awaited: the reply path does not wait on a database write for a best-effort mark
      services.store.markBlocked(chatId, services.clock.now()).catch((err: unknown) => services.logger.warn({ module: 'bot', err }, 'could not mark the customer blocked'))
    } else if (result.error_code === 400 && /query is too old|query ID is invalid/i.test(result.description)) {
      services.logger.debug(log, 'callback query answered too late')
    } else if (result.error_code !== 429) {
      services.logger.warn(log, 'Bot API refused the call')
    }
    return result
  }
}

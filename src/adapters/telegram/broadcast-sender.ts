/**
 * Sends one copy of a broadcast through an API of its own: the process's one-message-a-second
 * pacing per chat, but no automatic retry, so a 429 reaches the worker, which holds the shared pace
 * for `retry_after` and sends the same recipient again in a booked slot (a retry outside the pace
 * would add unpaced sends just when Telegram asked for fewer). With the merchant's button and the
 * opt-out button in the recipient's language, and sorts Telegram's answer into the outcome the
 * worker records: 403 → blocked, another 4xx → failed, a 429 or a 5xx → retry later, a request
 * that never reached Telegram (refused, no route, no name) → retry later, and one that may have
 * reached it with no answer (a timeout, a connection reset) → uncertain: it may have been delivered,
 * and is not sent again unless the merchant asks (decision 0073).
 */
import { Api, GrammyError, HttpError, InlineKeyboard, type Transformer } from 'grammy'
import type { Language } from '../../domain/shared/language.js'
import type { BroadcastContent, BroadcastSender, SendResult } from '../../usecases/broadcasts/ports.js'
import { NEWS_STOP_DATA } from './features/news.js'
import { plain } from './texts.js'

/** Wait before a send that failed on the network (or a 5xx) is tried again. */
const RETRY_AFTER_FAILURE_MS = 5000

/** Network errors raised before a request's bytes can have reached Telegram: sending again is safe. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

/** The system error code under grammY's HttpError (node-fetch's), if any. */
function codeOf (err: HttpError): string | undefined {
  const cause = err.error as { code?: unknown, errno?: unknown } | undefined
  const code = cause?.code ?? cause?.errno
  return typeof code === 'string' ? code : undefined
}

export interface BroadcastSenderOptions {
  api: Api
  /** The bot's username (after getMe): product buttons open `t.me/<username>?start=p_<id>`. */
  username(): string | undefined
}

function keyboardOf (content: BroadcastContent, language: Language, username: string | undefined): InlineKeyboard {
  const keyboard = new InlineKeyboard()
  const button = content.button
  if (button !== undefined) {
    const url = 'url' in button ? button.url : `https://t.me/${username ?? ''}?start=p_${button.productId}`
    keyboard.url(button.text, url).row()
  }
  return keyboard.text(plain(language, 'newsStopButton'), NEWS_STOP_DATA)
}

/** The broadcasts' Bot API client: the shared per-chat pacing, a 10 s timeout, no retries. */
export function broadcastApi (token: string, apiRoot: string, pacing: Transformer): Api {
  const api = new Api(token, { apiRoot, timeoutSeconds: 10 })
  api.config.use(pacing)
  return api
}

export function createBroadcastSender (options: BroadcastSenderOptions): BroadcastSender {
  const { api } = options
  return {
    async send (chatId, content, language): Promise<SendResult> {
      const keyboard = keyboardOf(content, language, options.username())
      try {
        if (content.photo !== undefined) await api.sendPhoto(chatId, content.photo, { caption: content.text, parse_mode: 'HTML', reply_markup: keyboard })
        else await api.sendMessage(chatId, content.text, { parse_mode: 'HTML', reply_markup: keyboard })
        return { kind: 'sent' }
      } catch (err) {
        if (err instanceof GrammyError) {
          const error = `${err.error_code} ${err.description}`.slice(0, 500)
          if (err.error_code === 403) return { kind: 'blocked', error }
          if (err.error_code === 429) return { kind: 'retry', afterMs: (err.parameters.retry_after ?? 1) * 1000, error }
          if (err.error_code >= 400 && err.error_code < 500) return { kind: 'failed', error }
          return { kind: 'retry', afterMs: RETRY_AFTER_FAILURE_MS, error }
        }
        if (err instanceof HttpError) {
          // grammY's own message (never the URL, which holds the token), and the system code
          const code = codeOf(err)
          const error = `network: ${err.message.slice(0, 200)}${code === undefined ? '' : ` ${code}`}`
          return code !== undefined && NOT_SENT.has(code) ? { kind: 'retry', afterMs: RETRY_AFTER_FAILURE_MS, error } : { kind: 'uncertain', error }
        }
        throw err
      }
    }
  }
}

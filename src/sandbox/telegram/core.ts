import type { Clock } from '../../domain/shared/clock.js'
import { tooManyRequests } from './api-error.js'
import type { BotState, ChatRecord } from './bot-state.js'
import type { Params } from './params.js'
import type { RateLimiter } from './rate-limiter.js'
import type { UpdateQueue } from './update-queue.js'
import type { WebhookPusher } from './webhook-pusher.js'
import type { TelegramLimits, TgChat, TgUser } from './types.js'

/** What every method handler sees: the emulated bot's world and its delivery machinery. */
export interface EmulatorCore {
  clock: Clock
  limits: TelegramLimits
  state: BotState
  queue: UpdateQueue
  pusher: WebhookPusher
  rates: RateLimiter
  bot: TgUser
  /** Base URL under which the emulator is reachable (for invoice links). */
  publicUrl: () => string
}

/** A Bot API method implementation; throws TelegramApiError for failures. */
export type MethodHandler = (core: EmulatorCore, params: Params, signal: AbortSignal) => unknown

/** Resolves the target chat of a send and applies flood control (429 with retry_after). */
export function chatForSend (core: EmulatorCore, chatId: number | string): ChatRecord {
  const record = core.state.targetChat(chatId)
  const wait = core.rates.take(record.chat.id)
  if (wait > 0) throw tooManyRequests(wait)
  return record
}

/** A successful result that also carries Telegram's `description` (setWebhook does this). */
export class Described {
  constructor (readonly result: unknown, readonly description: string) {}
}

/** Blocks or unblocks the bot for a user; the bot learns it from a my_chat_member update. */
export function setBlocked (core: EmulatorCore, userId: number, blocked: boolean): void {
  const { state } = core
  const record = state.users.get(userId)
  if (record === undefined) throw new Error(`unknown user ${userId}`)
  if (record.blocked === blocked) return
  record.blocked = blocked
  const chat = state.chats.get(userId)?.chat as TgChat
  const member = { status: 'member', user: core.bot }
  const kicked = { status: 'kicked', user: core.bot }
  core.queue.push({
    my_chat_member: { chat, from: record.user, date: state.unixNow(), old_chat_member: blocked ? member : kicked, new_chat_member: blocked ? kicked : member }
  })
}

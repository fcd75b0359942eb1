/**
 * Wire shapes of the Telegram Bot API objects the emulator produces (a subset of the
 * real ones, same field names), plus the emulator's own records.
 */

export interface TgUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
}

export interface TgChat {
  id: number
  type: 'private' | 'group' | 'supergroup' | 'channel'
  title?: string
  first_name?: string
  last_name?: string
  username?: string
}

export interface TgEntity {
  type: string
  offset: number
  length: number
  url?: string
  language?: string
  custom_emoji_id?: string
  unix_time?: number
  date_time_format?: string
}

export interface TgInlineButton {
  text: string
  callback_data?: string
  url?: string
  pay?: boolean
  web_app?: { url: string }
  [key: string]: unknown
}

export interface TgReplyMarkup {
  inline_keyboard?: TgInlineButton[][]
  keyboard?: Array<Array<{ text: string, request_contact?: boolean, [key: string]: unknown }>>
  remove_keyboard?: boolean
  force_reply?: boolean
  [key: string]: unknown
}

export interface TgPhotoSize { file_id: string, file_unique_id: string, width: number, height: number, file_size?: number }

export interface TgDocument { file_id: string, file_unique_id: string, file_name?: string, mime_type?: string, file_size?: number }

export interface TgInvoice { title: string, description: string, start_parameter: string, currency: string, total_amount: number }

export interface TgSuccessfulPayment {
  currency: string
  total_amount: number
  invoice_payload: string
  telegram_payment_charge_id: string
  provider_payment_charge_id: string
  order_info?: Record<string, unknown>
  subscription_expiration_date?: number
  is_recurring?: true
  is_first_recurring?: true
}

export interface TgRefundedPayment {
  currency: string
  total_amount: number
  invoice_payload: string
  telegram_payment_charge_id: string
}

export interface TgMessage {
  message_id: number
  from?: TgUser
  chat: TgChat
  date: number
  edit_date?: number
  text?: string
  entities?: TgEntity[]
  caption?: string
  caption_entities?: TgEntity[]
  photo?: TgPhotoSize[]
  document?: TgDocument
  invoice?: TgInvoice
  successful_payment?: TgSuccessfulPayment
  refunded_payment?: TgRefundedPayment
  contact?: { phone_number: string, first_name: string, last_name?: string, user_id?: number }
  reply_to_message?: TgMessage
  forward_origin?: Record<string, unknown>
  reply_markup?: TgReplyMarkup
  /** Service message in a basic group that became the supergroup with this id. */
  migrate_to_chat_id?: number
  /** Service message in the new supergroup, naming the basic group it replaced. */
  migrate_from_chat_id?: number
}

export interface TgCallbackQuery {
  id: string
  from: TgUser
  message?: TgMessage
  chat_instance: string
  data?: string
}

export interface TgPreCheckoutQuery {
  id: string
  from: TgUser
  currency: string
  total_amount: number
  invoice_payload: string
  order_info?: Record<string, unknown>
}

export interface TgChatMemberUpdated {
  chat: TgChat
  from: TgUser
  date: number
  old_chat_member: { status: string, user: TgUser }
  new_chat_member: { status: string, user: TgUser }
}

/** One update as Telegram sends it; exactly one payload field is set. */
export interface TgUpdate {
  update_id: number
  message?: TgMessage
  edited_message?: TgMessage
  callback_query?: TgCallbackQuery
  pre_checkout_query?: TgPreCheckoutQuery
  my_chat_member?: TgChatMemberUpdated
}

/** Body of a failed call: `{ ok: false, error_code, description, parameters? }`. */
export interface TgErrorBody {
  error_code: number
  description: string
  parameters?: { retry_after?: number, migrate_to_chat_id?: number }
}

/** One recorded Bot API call made by the bot (every method except getUpdates). */
export interface SentCall {
  seq: number
  /** Canonical method name, e.g. `sendMessage`. */
  method: string
  params: Record<string, unknown>
  /** `chat_id` (or `user_id`) of the call when it has one, as a number when numeric. */
  chatId?: number | string
  ok: boolean
  result?: unknown
  error?: TgErrorBody
  /** Clock time of the call, ms. */
  at: number
}

/** One webhook push attempt. `status` is the HTTP status, or null on a network error/timeout. */
export interface Delivery {
  seq: number
  updateId: number
  attempt: number
  url: string
  status: number | null
  ok: boolean
  error?: string
  secretToken?: string
  at: number
}

/** How a `payInvoice` ended. */
export type PaymentOutcome =
  | { status: 'paid', chargeId: string, providerChargeId: string, totalAmount: number, currency: string, payload: string, message: TgMessage }
  | { status: 'declined', errorMessage: string }
  | { status: 'timeout' }

/** Tunable limits; every value has a Telegram-like default. */
export interface TelegramLimits {
  /** Enforce flood control (429). Default true. */
  rateLimits: boolean
  /** Sustained sends per second to one private chat. Default 1. */
  chatPerSecond: number
  /** Burst tolerated per private chat before 429. Default 5. */
  chatBurst: number
  /** Sends per minute to one group. Default 20. */
  groupPerMinute: number
  /** Sends per second over all chats. Default 30. */
  globalPerSecond: number
  /** answerPreCheckoutQuery deadline, ms (real timer). Default 10000. */
  preCheckoutTimeoutMs: number
  /** How long a callback query can be answered, ms of the clock. Default 15000. */
  callbackQueryTtlMs: number
  /** Updates older than this (clock ms) are dropped. Default 24 h. */
  updateRetentionMs: number
  /** First webhook retry delay, doubling per attempt. Default 200. */
  webhookRetryBaseMs: number
  /** Cap of the retry delay. Default 5000. */
  webhookRetryMaxMs: number
  /** Attempts per update before it is dropped. Default 10. */
  webhookMaxAttempts: number
  /** How long a webhook request may take before "Read timeout expired". Default 60000. */
  webhookTimeoutMs: number
}

export const DEFAULT_LIMITS: TelegramLimits = {
  rateLimits: true,
  chatPerSecond: 1,
  chatBurst: 5,
  groupPerMinute: 20,
  globalPerSecond: 30,
  preCheckoutTimeoutMs: 10_000,
  callbackQueryTtlMs: 15_000,
  updateRetentionMs: 24 * 3600_000,
  webhookRetryBaseMs: 200,
  webhookRetryMaxMs: 5000,
  webhookMaxAttempts: 10,
  webhookTimeoutMs: 60_000
}

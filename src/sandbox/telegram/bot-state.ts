import { EventEmitter } from 'node:events'
import type { Clock } from '../../domain/shared/clock.js'
import { TelegramApiError, badRequest, forbidden } from './api-error.js'
import type { TgCallbackQuery, TgChat, TgMessage, TgPreCheckoutQuery, TgReplyMarkup, TgUser } from './types.js'

/** Options of `emulator.user()`; ids are deterministic when omitted. */
export interface UserOptions { id?: number, firstName?: string, lastName?: string, username?: string, languageCode?: string, phoneNumber?: string, started?: boolean }

export interface UserRecord { user: TgUser, phoneNumber: string, started: boolean, blocked: boolean }

export interface ChatRecord {
  chat: TgChat
  messages: Map<number, TgMessage>
  nextMessageId: number
  /** Set when a basic group was upgraded to a supergroup: sends answer 400 with this id. */
  migratedTo?: number
}

/** What an invoice (message or link) asks for; amounts in the currency's minor unit. */
export interface InvoiceSpec {
  title: string
  description: string
  payload: string
  providerToken: string
  currency: string
  prices: Array<{ label: string, amount: number }>
  maxTipAmount: number
  startParameter: string
  needName: boolean
  needPhoneNumber: boolean
  needEmail: boolean
  subscriptionPeriod?: number
  /** Charges made against this invoice. */
  paidBy: string[]
}

export interface ChargeRecord { id: string, providerChargeId: string, userId: number, currency: string, totalAmount: number, payload: string, refunded: boolean }

export interface CallbackRecord { query: TgCallbackQuery, createdAt: number, answer?: Record<string, unknown> & { at: number } }

export interface PreCheckoutRecord { query: TgPreCheckoutQuery, settle: (answer: { ok: boolean, errorMessage?: string }) => void }

export interface FileRecord { fileId: string, fileUniqueId: string, size?: number, name?: string, source: string }

/** A change to a chat transcript, emitted as the `message` event. */
export interface MessageChange {
  chatId: number
  change: 'new' | 'edit' | 'delete'
  message: TgMessage
  /**
   * The reply keyboard (or `remove_keyboard`, `force_reply`) a new message brought to the
   * customer's client. Not part of the message the Bot API returns (Telegram keeps only inline
   * keyboards on a message), so it travels here, for the sandbox's chat.
   */
  replyKeyboard?: TgReplyMarkup
}

/** Seeded PRNG (mulberry32): the same seed gives the same charge ids and links. */
function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Everything the emulated bot's world holds: users, chats and their transcripts, payments. */
export class BotState {
  readonly users = new Map<number, UserRecord>()
  readonly chats = new Map<number, ChatRecord>()
  readonly invoices = new Map<string, InvoiceSpec>()
  readonly charges = new Map<string, ChargeRecord>()
  readonly callbacks = new Map<string, CallbackRecord>()
  readonly preCheckouts = new Map<string, PreCheckoutRecord>()
  readonly commands = new Map<string, Array<{ command: string, description: string }>>()
  readonly files = new Map<string, FileRecord>()
  readonly events = new EventEmitter()
  readonly #clock: Clock
  readonly #random: () => number
  #userSeq = 0
  #groupSeq = 0
  #querySeq = 0
  #fileSeq = 0

  constructor (clock: Clock, seed: number) {
    this.#clock = clock
    this.#random = seeded(seed)
    this.events.setMaxListeners(0)
  }

  /** Unix seconds of the clock. */
  unixNow (): number {
    return Math.floor(this.#clock.now() / 1000)
  }

  randomString (length: number): string {
    let s = ''
    for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(this.#random() * ALPHABET.length)]
    return s
  }

  nextUserId (): number { return 700_000_000 + ++this.#userSeq }
  nextGroupId (): number { return -1_001_000_000_000 - ++this.#groupSeq }
  /** Callback and pre-checkout query ids look like Telegram's long numeric strings. */
  nextQueryId (): string { return (4_700_000_000_000_000_000n + BigInt(++this.#querySeq)).toString() }

  newFile (prefix: string, source: string, size?: number, name?: string): FileRecord {
    const n = ++this.#fileSeq
    const file: FileRecord = {
      fileId: `${prefix}${this.randomString(20)}${n}`,
      fileUniqueId: `AQAD${this.randomString(8)}${n}`,
      source,
      ...(size !== undefined ? { size } : {}),
      ...(name !== undefined ? { name } : {})
    }
    this.files.set(file.fileId, file)
    return file
  }

  /** Creates (or returns the existing) user and their private chat. */
  addUser (opts: UserOptions): UserRecord {
    const id = opts.id ?? this.nextUserId()
    const existing = this.users.get(id)
    if (existing !== undefined) return existing
    const user: TgUser = {
      id,
      is_bot: false,
      first_name: opts.firstName ?? `User${id}`,
      ...(opts.lastName !== undefined ? { last_name: opts.lastName } : {}),
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      language_code: opts.languageCode ?? 'en'
    }
    const record = { user, phoneNumber: opts.phoneNumber ?? `+99890${String(id).slice(-7).padStart(7, '0')}`, started: opts.started ?? false, blocked: false }
    this.users.set(id, record)
    const { first_name: firstName, last_name: lastName, username } = user
    this.ensureChat({ id, type: 'private', first_name: firstName, ...(lastName !== undefined ? { last_name: lastName } : {}), ...(username !== undefined ? { username } : {}) })
    return record
  }

  ensureChat (chat: TgChat): ChatRecord {
    let record = this.chats.get(chat.id)
    if (record === undefined) {
      record = { chat, messages: new Map(), nextMessageId: 1 }
      this.chats.set(chat.id, record)
    }
    return record
  }

  /**
   * The chat the bot wants to write to: 400 chat not found for unknown ids, 403 when the
   * user blocked the bot or never started it.
   */
  targetChat (chatId: number | string): ChatRecord {
    const record = typeof chatId === 'number' ? this.chats.get(chatId) : undefined
    const user = typeof chatId === 'number' ? this.users.get(chatId) : undefined
    if (user !== undefined) {
      if (user.blocked) throw forbidden('bot was blocked by the user')
      if (!user.started) throw forbidden("bot can't initiate conversation with a user")
    }
    if (record === undefined) throw badRequest('chat not found')
    if (record.migratedTo !== undefined) {
      throw new TelegramApiError(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: record.migratedTo })
    }
    return record
  }

  addMessage (chatId: number, from: TgUser | undefined, fields: Partial<TgMessage>, replyKeyboard?: TgReplyMarkup): TgMessage {
    const record = this.chats.get(chatId)
    if (record === undefined) throw badRequest('chat not found')
    const message: TgMessage = {
      message_id: record.nextMessageId++,
      ...(from !== undefined ? { from } : {}),
      chat: record.chat,
      date: this.unixNow(),
      ...fields
    }
    record.messages.set(message.message_id, message)
    this.events.emit('message', { chatId, change: 'new', message, ...(replyKeyboard !== undefined ? { replyKeyboard } : {}) } satisfies MessageChange)
    return message
  }

  findMessage (chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.messages.get(messageId)
  }

  replaceMessage (message: TgMessage): void {
    this.chats.get(message.chat.id)?.messages.set(message.message_id, message)
    this.events.emit('message', { chatId: message.chat.id, change: 'edit', message } satisfies MessageChange)
  }

  removeMessage (message: TgMessage): void {
    this.chats.get(message.chat.id)?.messages.delete(message.message_id)
    this.events.emit('message', { chatId: message.chat.id, change: 'delete', message } satisfies MessageChange)
  }
}

/**
 * The web chat's view of each sandbox customer's conversation (DESIGN.md "The sandbox"): every
 * change to a private chat of the Bot API emulator (a new message, an edit, a delete) becomes an
 * entry with a sequence number, kept in memory (the sandbox is one process by design) and handed
 * to live subscribers (the SSE stream).
 */
import { EventEmitter } from 'node:events'
import type { Clock } from '../../domain/shared/clock.js'
import type { MessageChange, TelegramEmulator, TgMessage, TgReplyMarkup } from '../telegram/index.js'
import { entitiesToHtml, escapeHtml } from './entities-html.js'

/** One entry of `GET /sandbox/api/users/:id/messages` and of the stream. */
export interface ChatEntry {
  seq: number
  change: 'new' | 'edit' | 'delete'
  messageId: number
  from: 'bot' | 'user'
  html: string
  /** The message's inline keyboard, or the reply keyboard (or its removal) it brought to the client. */
  replyMarkup?: TgReplyMarkup
  /** The photo: its URL when the bot sent one by URL, else its file_id. */
  photo?: string
  invoice?: { title: string, total: { amount: number, currency: string } }
  at: string
}

/** Most entries kept per customer; older ones drop out (the chat shows the recent past). */
export const MAX_ENTRIES_PER_USER = 2000

function htmlOf (message: TgMessage): string {
  if (message.text !== undefined) return entitiesToHtml(message.text, message.entities)
  if (message.caption !== undefined) return entitiesToHtml(message.caption, message.caption_entities)
  if (message.contact !== undefined) return `📞 ${escapeHtml(message.contact.phone_number)}`
  if (message.successful_payment !== undefined) return `✅ ${escapeHtml(String(message.successful_payment.total_amount))} ${escapeHtml(message.successful_payment.currency)}`
  if (message.invoice !== undefined) return escapeHtml(message.invoice.description)
  if (message.document !== undefined) return `📄 ${escapeHtml(message.document.file_name ?? 'document')}`
  return ''
}

/** The entries of every customer the sandbox API made, fed by the emulator's `message` events. */
export class ChatLog {
  readonly #entries = new Map<number, ChatEntry[]>()
  readonly #events = new EventEmitter()
  readonly #emulator: TelegramEmulator
  readonly #clock: Clock
  #seq = 0
  readonly #unsubscribe: () => void

  constructor (emulator: TelegramEmulator, clock: Clock) {
    this.#emulator = emulator
    this.#clock = clock
    this.#events.setMaxListeners(0)
    this.#unsubscribe = emulator.on('message', (change) => { this.#record(change) })
  }

  /** Starts keeping the entries of `userId`'s private chat. */
  track (userId: number): void {
    if (!this.#entries.has(userId)) this.#entries.set(userId, [])
  }

  #record (change: MessageChange): void {
    const list = this.#entries.get(change.chatId)
    if (list === undefined) return
    const { message } = change
    const photo = message.photo?.[message.photo.length - 1]
    const photoSource = photo === undefined ? undefined : this.#photoSource(photo.file_id)
    const entry: ChatEntry = {
      seq: ++this.#seq,
      change: change.change,
      messageId: message.message_id,
      from: message.from?.id === this.#emulator.bot.id ? 'bot' : 'user',
      html: change.change === 'delete' ? '' : htmlOf(message),
      ...(change.change !== 'delete' && (message.reply_markup ?? change.replyKeyboard) !== undefined ? { replyMarkup: message.reply_markup ?? change.replyKeyboard } : {}),
      ...(photoSource !== undefined ? { photo: photoSource } : {}),
      ...(message.invoice !== undefined ? { invoice: { title: message.invoice.title, total: { amount: message.invoice.total_amount, currency: message.invoice.currency } } } : {}),
      at: new Date(this.#clock.now()).toISOString()
    }
    list.push(entry)
    if (list.length > MAX_ENTRIES_PER_USER) list.splice(0, list.length - MAX_ENTRIES_PER_USER)
    this.#events.emit(String(change.chatId), entry)
  }

  #photoSource (fileId: string): string {
    const source = this.#emulator.fileSource(fileId)
    return source !== undefined && /^https?:\/\//.test(source) ? source : fileId
  }

  /** Entries of `userId` with `seq > after`, and the newest seq (at least `after`). */
  after (userId: number, after: number): { items: ChatEntry[], last: number } {
    const list = this.#entries.get(userId) ?? []
    const items = list.filter((e) => e.seq > after)
    return { items, last: Math.max(after, list[list.length - 1]?.seq ?? 0) }
  }

  /** Calls `listener` with each new entry of `userId`; returns the unsubscribe. */
  subscribe (userId: number, listener: (entry: ChatEntry) => void): () => void {
    const key = String(userId)
    this.#events.on(key, listener)
    return () => { this.#events.off(key, listener) }
  }

  close (): void {
    this.#unsubscribe()
    this.#events.removeAllListeners()
  }
}

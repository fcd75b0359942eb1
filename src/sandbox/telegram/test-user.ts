import type { UserRecord } from './bot-state.js'
import type { EmulatorCore } from './core.js'
import { runPayment } from './payment-flow.js'
import { detectUserEntities } from './text-content.js'
import type { PaymentOutcome, TgInlineButton, TgMessage, TgUser } from './types.js'

/** What a test user needs from the emulator besides the core. */
export interface UserHost {
  core: EmulatorCore
  /** Seq of the newest recorded call (0 when none). */
  lastCallSeq: () => number
  /** Next bot message (send or edit) in `chatId` recorded after call `afterSeq`. */
  nextBotMessage: (chatId: number, afterSeq: number, timeoutMs: number) => Promise<{ seq: number, message: TgMessage }>
  setBlocked: (userId: number, blocked: boolean) => void
}

/**
 * A Telegram user talking to the bot, for tests and the sandbox web chat. Every action
 * (sendText, pressButton, payInvoice, ...) enqueues the update Telegram would send and
 * moves this user's cursor: `nextBotMessage()` then resolves with the first bot message in
 * the chat after that action (and each later call with the one after it).
 */
export class TelegramTestUser {
  readonly #host: UserHost
  readonly #record: UserRecord
  #cursor: number

  constructor (host: UserHost, record: UserRecord) {
    this.#host = host
    this.#record = record
    this.#cursor = host.lastCallSeq()
  }

  get id (): number { return this.#record.user.id }
  get user (): TgUser { return this.#record.user }
  /** The private chat with the bot (same id as the user). */
  get chatId (): number { return this.#record.user.id }
  get blocked (): boolean { return this.#record.blocked }

  #act (): void {
    this.#cursor = this.#host.lastCallSeq()
    if (this.#record.blocked) this.#host.setBlocked(this.id, false)
    this.#record.started = true
  }

  #post (chatId: number, fields: Partial<TgMessage>): TgMessage {
    this.#act()
    const message = this.#host.core.state.addMessage(chatId, this.#record.user, fields)
    this.#host.core.queue.push({ message })
    return message
  }

  #find (ref: TgMessage | number, chatId = this.chatId): TgMessage {
    const id = typeof ref === 'number' ? ref : ref.message_id
    const message = this.#host.core.state.findMessage(typeof ref === 'number' ? chatId : ref.chat.id, id)
    if (message === undefined) throw new Error(`message ${id} is not in the chat (deleted?)`)
    return message
  }

  /** Types a message (bot_command/url/mention entities added like a client does). */
  sendText (text: string, opts: { chatId?: number, replyTo?: TgMessage | number } = {}): TgMessage {
    const chatId = opts.chatId ?? this.chatId
    const entities = detectUserEntities(text)
    const reply = opts.replyTo !== undefined ? this.#find(opts.replyTo, chatId) : undefined
    return this.#post(chatId, {
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(reply !== undefined ? { reply_to_message: reply } : {})
    })
  }

  /** Replies to a message (the bot sees `reply_to_message`). */
  reply (to: TgMessage | number, text: string): TgMessage {
    return this.sendText(text, { replyTo: to, chatId: typeof to === 'number' ? this.chatId : to.chat.id })
  }

  /** Shares the user's phone number (as after a `request_contact` keyboard button). */
  shareContact (): TgMessage {
    const u = this.#record.user
    return this.#post(this.chatId, {
      contact: { phone_number: this.#record.phoneNumber, first_name: u.first_name, ...(u.last_name !== undefined ? { last_name: u.last_name } : {}), user_id: u.id }
    })
  }

  /**
   * Presses an inline button. `message` is a message (or its id) or a text the bot message
   * contains (newest match wins); `button` is the button text or its callback_data.
   * Returns the callback query id; see `emulator.callbackQuery(id)` for its answer.
   */
  pressButton (message: TgMessage | number | string, button: string): string {
    const state = this.#host.core.state
    let target: TgMessage | undefined
    if (typeof message === 'string') {
      const all = [...(state.chats.get(this.chatId)?.messages.values() ?? [])].reverse()
      target = all.find((m) => m.from?.id === this.#host.core.bot.id && (m.text ?? m.caption ?? '').includes(message))
      if (target === undefined) throw new Error(`no bot message containing "${message}"`)
    } else {
      target = this.#find(message)
    }
    const buttons: TgInlineButton[] = target.reply_markup?.inline_keyboard?.flat() ?? []
    const found = buttons.find((b) => b.text === button) ?? buttons.find((b) => b.callback_data === button)
    if (found === undefined) {
      throw new Error(`no button "${button}" on message ${target.message_id}; buttons: ${buttons.map((b) => b.text).join(', ')}`)
    }
    if (found.callback_data === undefined) throw new Error(`button "${found.text}" has no callback_data`)
    this.#act()
    const id = state.nextQueryId()
    const query = {
      id,
      from: this.#record.user,
      message: target,
      chat_instance: String(BigInt(target.chat.id) * 7919n + 104729n),
      data: found.callback_data
    }
    state.callbacks.set(id, { query, createdAt: this.#host.core.clock.now() })
    this.#host.core.queue.push({ callback_query: query })
    return id
  }

  /**
   * Pays an invoice message or a createInvoiceLink URL: pre_checkout_query, then on the
   * bot's ok a successful_payment message. Resolves with the outcome (`paid`, `declined`
   * with the bot's error_message, or `timeout` when the bot did not answer in time).
   */
  async payInvoice (invoice: TgMessage | string, opts: { tipAmount?: number } = {}): Promise<PaymentOutcome> {
    const state = this.#host.core.state
    const key = typeof invoice === 'string'
      ? `link:${/\/invoice\/([A-Za-z0-9]+)\/?$/.exec(invoice)?.[1] ?? ''}`
      : `${invoice.chat.id}:${invoice.message_id}`
    const spec = state.invoices.get(key)
    if (spec === undefined) throw new Error(`not an invoice of this emulator: ${typeof invoice === 'string' ? invoice : invoice.message_id}`)
    this.#act()
    return await runPayment(this.#host.core, this.#record, spec, opts.tipAmount)
  }

  /** Blocks the bot (the bot gets my_chat_member "kicked"; sends answer 403). */
  blockBot (): void { this.#host.setBlocked(this.id, true) }

  /** Unblocks the bot (also happens on the user's next action). */
  unblockBot (): void { this.#host.setBlocked(this.id, false) }

  /** Resolves with the next bot message (new or edited) in this user's chat after the last action. */
  async nextBotMessage (opts: { timeoutMs?: number, chatId?: number } = {}): Promise<TgMessage> {
    const next = await this.#host.nextBotMessage(opts.chatId ?? this.chatId, this.#cursor, opts.timeoutMs ?? 5000)
    this.#cursor = next.seq
    return next.message
  }

  /** The private chat transcript (edits applied, deletions removed). */
  messages (): TgMessage[] {
    return [...(this.#host.core.state.chats.get(this.chatId)?.messages.values() ?? [])]
  }

  /** The newest message the bot sent in the private chat. */
  lastBotMessage (): TgMessage | undefined {
    return this.messages().reverse().find((m) => m.from?.id === this.#host.core.bot.id)
  }
}

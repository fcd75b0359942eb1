import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { BotState, type UserOptions, type CallbackRecord, type ChargeRecord, type InvoiceSpec, type MessageChange } from './bot-state.js'
import { setBlocked, type EmulatorCore } from './core.js'
import { callChatId, execute, type CallOutcome } from './dispatch.js'
import { Faults } from './faults.js'
import { createHttpHandler, type HandleOptions } from './http-handler.js'
import { commandsKey } from './methods-updates.js'
import type { Params } from './params.js'
import { abandonPayments } from './payment-flow.js'
import { RateLimiter } from './rate-limiter.js'
import { TelegramTestUser } from './test-user.js'
import { DEFAULT_LIMITS, type Delivery, type SentCall, type TelegramLimits, type TgChat, type TgMessage, type TgUpdate, type TgUser } from './types.js'
import { UpdateQueue } from './update-queue.js'
import { WebhookPusher, type WebhookConfig } from './webhook-pusher.js'
import { waitForEvent } from './wait-for.js'

/** The token the sandbox bot uses unless `tokens` says otherwise. */
export const SANDBOX_BOT_TOKEN = '7000000001:AAH-sandbox-bozor-emulator-token-01'

export interface TelegramEmulatorOptions {
  /** Time for message dates, rate limits, callback expiry, 24 h retention. Default: system clock. */
  clock?: Clock
  /** Accepted bot tokens (the bot id is the numeric prefix of the first). Default: [SANDBOX_BOT_TOKEN]. */
  tokens?: string[]
  botUsername?: string
  botName?: string
  limits?: Partial<TelegramLimits>
  /** Seed of charge ids, invoice slugs and file ids. Default 1. */
  seed?: number
  /** Base URL of invoice links when mounted (start() sets it to the server URL otherwise). */
  publicUrl?: string
  /** Path prefix when mounted under another server, e.g. `/sandbox/telegram`. Default ''. */
  pathPrefix?: string
  /** First update_id. Default 100000001. */
  firstUpdateId?: number
}

export interface WaitOptions { timeoutMs?: number, includePast?: boolean }

type Listener<T> = (value: T) => void

/** The Telegram Bot API emulator: see {@link createTelegramEmulator}. */
export class TelegramEmulator {
  readonly token: string
  readonly bot: TgUser
  readonly faults = new Faults()
  readonly limits: TelegramLimits
  readonly #core: EmulatorCore
  readonly #calls: SentCall[] = []
  readonly #closing = new AbortController()
  readonly #handler: ReturnType<typeof createHttpHandler>
  #publicUrl: string | undefined
  #server: Server | undefined
  #url: string | undefined
  readonly #pathPrefix: string

  constructor (opts: TelegramEmulatorOptions = {}) {
    const tokens = opts.tokens ?? [SANDBOX_BOT_TOKEN]
    this.token = tokens[0] ?? SANDBOX_BOT_TOKEN
    const clock = opts.clock ?? systemClock
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.bot = { id: Number(this.token.split(':')[0]), is_bot: true, first_name: opts.botName ?? 'Bozor Sandbox', username: opts.botUsername ?? 'bozor_sandbox_bot' }
    this.#pathPrefix = (opts.pathPrefix ?? '').replace(/\/$/, '')
    this.#publicUrl = opts.publicUrl?.replace(/\/$/, '')
    const state = new BotState(clock, opts.seed ?? 1)
    const queue = new UpdateQueue(clock, this.limits, opts.firstUpdateId ?? 100_000_001)
    const pusher = new WebhookPusher(queue, clock, this.limits,
      (d) => state.events.emit('delivery', d),
      (body) => { this.#webhookReply(body).catch(() => {}) })
    queue.onEnqueue = (update) => {
      state.events.emit('update', update)
      pusher.pump()
    }
    queue.onWait = () => state.events.emit('poll')
    this.#core = {
      clock,
      limits: this.limits,
      state,
      queue,
      pusher,
      rates: new RateLimiter(clock, this.limits),
      bot: this.bot,
      publicUrl: () => this.#publicUrl ?? `http://telegram.sandbox${this.#pathPrefix}`
    }
    this.#handler = createHttpHandler({
      core: this.#core,
      faults: this.faults,
      tokens: new Set(tokens),
      pathPrefix: this.#pathPrefix,
      closing: this.#closing.signal,
      record: (m, p, o) => this.#record(m, p, o)
    })
  }

  /** Listens on loopback (port 0 = random). Idempotent. Returns the apiRoot. */
  async start (opts: { host?: string, port?: number } = {}): Promise<{ url: string }> {
    if (this.#url !== undefined) return { url: this.#url }
    const host = opts.host ?? '127.0.0.1'
    const server = createServer((req, res) => { this.handle(req, res).catch((err: Error) => res.destroy(err)) })
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port ?? 0, host, () => resolve())
    })
    const { port } = server.address() as AddressInfo
    this.#url = `http://${host}:${port}${this.#pathPrefix}`
    this.#publicUrl ??= this.#url
    return { url: this.#url }
  }

  /** The apiRoot once started (for grammY's `client.apiRoot`). */
  get url (): string | undefined { return this.#url }

  /** Stops pushing, ends long polls and pending payments, closes the server. Idempotent. */
  async close (): Promise<void> {
    if (this.#closing.signal.aborted) return
    this.#closing.abort()
    this.#core.pusher.close()
    this.#core.queue.cancelPoll()
    abandonPayments(this.#core)
    const server = this.#server
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }

  /** Plain node:http handler (mountable under `pathPrefix`); pass `rawBody` if the host read the body. */
  async handle (req: IncomingMessage, res: ServerResponse, opts?: HandleOptions): Promise<void> {
    await this.#handler(req, res, opts)
  }

  /** Sets the base URL of invoice links when mounted under another server. */
  setPublicUrl (url: string): void { this.#publicUrl = url.replace(/\/$/, '') }

  #record (method: string, params: Params, outcome: CallOutcome): void {
    const chatId = callChatId(params)
    const call: SentCall = {
      seq: this.#calls.length + 1,
      method,
      params,
      ...(chatId !== undefined ? { chatId } : {}),
      ok: outcome.ok,
      ...(outcome.ok ? { result: outcome.result } : { error: outcome.error }),
      at: this.#core.clock.now()
    }
    this.#calls.push(call)
    this.#core.state.events.emit('call', call)
  }

  async #webhookReply (body: Record<string, unknown>): Promise<void> {
    const { method, ...params } = body
    const name = String(method)
    const outcome = await execute(this.#core, name, params, this.#closing.signal)
    this.#record(name, params, outcome)
  }

  /** Creates a user (and the private chat). `started: true` lets the bot write first. */
  user (opts: UserOptions = {}): TelegramTestUser {
    const record = this.#core.state.addUser(opts)
    return new TelegramTestUser({
      core: this.#core,
      lastCallSeq: () => this.#calls.length,
      nextBotMessage: async (chatId, afterSeq, timeoutMs) => {
        const call = await this.#waitCall((c) => c.seq > afterSeq && this.#callMessage(c)?.chat.id === chatId, timeoutMs, afterSeq)
        return { seq: call.seq, message: this.#callMessage(call) as TgMessage }
      },
      setBlocked: (userId, blocked) => { blocked ? this.blockBot(userId) : this.unblockBot(userId) }
    }, record)
  }

  /** Creates a group the bot is in (e.g. the merchant's admin chat); a supergroup unless `type` says otherwise. */
  group (opts: { id?: number, title?: string, type?: 'group' | 'supergroup' } = {}): TgChat {
    const chat: TgChat = { id: opts.id ?? this.#core.state.nextGroupId(), type: opts.type ?? 'supergroup', title: opts.title ?? 'Sandbox group' }
    return this.#core.state.ensureChat(chat).chat
  }

  /**
   * Upgrades a basic group to a supergroup with a new id, as Telegram does: a service message
   * with `migrate_to_chat_id` in the old group and one with `migrate_from_chat_id` in the new
   * one (both delivered to the bot), and from then on every send to the old id answers 400
   * "group chat was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id`.
   */
  upgradeGroup (groupId: number, opts: { id?: number, by?: TelegramTestUser, /** false: the bot never gets the service messages (e.g. it was down for a day) */ notify?: boolean } = {}): TgChat {
    const { state, queue } = this.#core
    const old = state.chats.get(groupId)
    if (old === undefined || old.chat.type !== 'group') throw new Error(`chat ${groupId} is not a basic group`)
    if (old.migratedTo !== undefined) throw new Error(`group ${groupId} was already upgraded`)
    const chat = state.ensureChat({ id: opts.id ?? state.nextGroupId(), type: 'supergroup', ...(old.chat.title !== undefined ? { title: old.chat.title } : {}) }).chat
    const from = opts.by?.user
    const moved = state.addMessage(groupId, from, { migrate_to_chat_id: chat.id })
    const created = state.addMessage(chat.id, from, { migrate_from_chat_id: groupId })
    if (opts.notify !== false) {
      queue.push({ message: moved })
      queue.push({ message: created })
    }
    old.migratedTo = chat.id
    return chat
  }

  /** Marks the bot blocked by `userId`: every send to the user gets 403; the bot gets my_chat_member. */
  blockBot (userId: number): void { this.#setBlocked(userId, true) }

  unblockBot (userId: number): void { this.#setBlocked(userId, false) }

  #setBlocked (userId: number, blocked: boolean): void { setBlocked(this.#core, userId, blocked) }

  /** Recorded Bot API calls (all but getUpdates), oldest first. */
  sent (filter: { chatId?: number | string, method?: string, ok?: boolean } = {}): SentCall[] {
    return this.#calls.filter((c) =>
      (filter.chatId === undefined || String(c.chatId) === String(filter.chatId)) &&
      (filter.method === undefined || c.method.toLowerCase() === filter.method.toLowerCase()) &&
      (filter.ok === undefined || c.ok === filter.ok))
  }

  /** The chat transcript: user and bot messages, edits applied, deletions removed. */
  messages (chatId: number): TgMessage[] {
    return [...(this.#core.state.chats.get(chatId)?.messages.values() ?? [])]
  }

  /** Webhook push attempts, oldest first. */
  get deliveries (): readonly Delivery[] { return this.#core.pusher.deliveries }

  /** The webhook as set by setWebhook, or undefined while polling. */
  webhook (): WebhookConfig | undefined { return this.#core.pusher.config }

  /** Updates not yet confirmed (getUpdates) or delivered (webhook). */
  pendingUpdates (): TgUpdate[] { return this.#core.queue.pending().map((q) => q.update) }

  /** Enqueues a raw update payload (for cases the test user does not cover). */
  pushUpdate (payload: Omit<TgUpdate, 'update_id'>): TgUpdate | undefined { return this.#core.queue.push(payload) }

  /** A callback query made by pressButton, with the bot's answer once answered. */
  callbackQuery (id: string): CallbackRecord | undefined { return this.#core.state.callbacks.get(id) }

  /** Where a file came from: the URL the bot sent it by, or `upload` (the web chat shows URL photos). */
  fileSource (fileId: string): string | undefined { return this.#core.state.files.get(fileId)?.source }

  /** A payment made by payInvoice, by telegram_payment_charge_id. */
  charge (id: string): ChargeRecord | undefined { return this.#core.state.charges.get(id) }

  /** The invoice behind an invoice message or link. */
  invoice (ref: TgMessage | string): InvoiceSpec | undefined {
    const key = typeof ref === 'string' ? `link:${ref.split('/invoice/')[1] ?? ''}` : `${ref.chat.id}:${ref.message_id}`
    return this.#core.state.invoices.get(key)
  }

  /** Commands set by setMyCommands for exactly this scope and language. */
  commands (opts: { scope?: Record<string, unknown>, languageCode?: string } = {}): Array<{ command: string, description: string }> {
    const params: Params = { ...(opts.scope !== undefined ? { scope: opts.scope } : {}), ...(opts.languageCode !== undefined ? { language_code: opts.languageCode } : {}) }
    return this.#core.state.commands.get(commandsKey(params)) ?? []
  }

  #callMessage (call: SentCall): TgMessage | undefined {
    if (!call.ok) return undefined
    const result = call.result as Partial<TgMessage> | undefined
    if (result?.chat !== undefined && typeof result.message_id === 'number') return result as TgMessage
    if (call.method === 'copyMessage' && typeof call.chatId === 'number' && typeof result?.message_id === 'number') {
      return this.#core.state.findMessage(call.chatId, result.message_id)
    }
    return undefined
  }

  async #waitCall (predicate: (c: SentCall) => boolean, timeoutMs: number, afterSeq: number): Promise<SentCall> {
    const past = this.#calls.find((c) => c.seq > afterSeq && predicate(c))
    if (past !== undefined) return past
    return await waitForEvent<SentCall>(this.#core.state.events, 'call', predicate, timeoutMs, this.#closing.signal)
  }

  /** Resolves with the next recorded call matching `predicate` (past ones too with includePast). */
  async waitFor (predicate: (call: SentCall) => boolean, opts: WaitOptions = {}): Promise<SentCall> {
    return await this.#waitCall(predicate, opts.timeoutMs ?? 5000, opts.includePast === true ? 0 : this.#calls.length)
  }

  /** Resolves with the next webhook push attempt matching `predicate`. */
  async waitForDelivery (predicate: (d: Delivery) => boolean = () => true, opts: WaitOptions = {}): Promise<Delivery> {
    const past = opts.includePast === true ? this.deliveries.find(predicate) : undefined
    if (past !== undefined) return past
    return await waitForEvent<Delivery>(this.#core.state.events, 'delivery', predicate, opts.timeoutMs ?? 5000, this.#closing.signal)
  }

  /**
   * Subscribes to `call` (SentCall), `message` (MessageChange), `update` (TgUpdate),
   * `delivery` (Delivery) or `poll` (a getUpdates long poll started waiting); returns an unsubscribe.
   */
  on (event: 'call', listener: Listener<SentCall>): () => void
  on (event: 'message', listener: Listener<MessageChange>): () => void
  on (event: 'update', listener: Listener<TgUpdate>): () => void
  on (event: 'delivery', listener: Listener<Delivery>): () => void
  on (event: 'poll', listener: Listener<void>): () => void
  on (event: string, listener: Listener<never>): () => void {
    const events = this.#core.state.events
    const fn = listener as (...args: unknown[]) => void
    events.on(event, fn)
    return () => { events.off(event, fn) }
  }
}

/**
 * Creates a Telegram Bot API emulator: the real wire protocol on loopback (or mounted as a
 * node:http handler), deterministic ids, flood control, fault injection, webhook and
 * getUpdates delivery, Stars/provider payments, and a test-user client.
 *
 * @example
 * const tg = createTelegramEmulator({ botUsername: 'shop_bot' })
 * const { url } = await tg.start()          // grammY: new Bot(tg.token, { client: { apiRoot: url } })
 * const alice = tg.user({ firstName: 'Alice' })
 * alice.sendText('/start p_1')
 * const reply = await alice.nextBotMessage()
 */
export function createTelegramEmulator (opts: TelegramEmulatorOptions = {}): TelegramEmulator {
  return new TelegramEmulator(opts)
}

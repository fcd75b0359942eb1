/**
 * The shop bot (STYLE R9): grammY with one retry policy on every Bot API call, the features
 * installed in a fixed order behind one error boundary, sessions over the key-value store.
 *
 * Order: customer record (language, daily uniques) → payments (never rate limited, checklist
 * 36) → the admin chat → the `bot.message` limiter → session → start, account, catalog, orders,
 * support, checkout → fallbacks (unknown text, stale buttons). Every callback query is answered
 * once. Actions go to the customer's activity log without delaying replies (`ctx.track`).
 *
 * @example
 * const shopBot = createShopBot({ token, apiRoot, services, sessions })
 * await shopBot.init() // getMe; a rejected token throws BotTokenRejectedError
 * await shopBot.bot.handleUpdate(update)
 */
import { autoRetry } from '@grammyjs/auto-retry'
import { Bot, BotError, Composer, GrammyError, lazySession, type Middleware, type Transformer } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import { LANGUAGES } from '../../domain/shared/language.js'
import { KvUnavailableError, SessionConflictError, type CachedCustomer, type SessionStore, type UpdateBeginResult, type UpdateEndRequest } from '../../usecases/ports-kv.js'
import { BotContextBase, type BotContext, type BotServices } from './context.js'
import { accountFeature } from './features/account.js'
import { catalogFeature } from './features/catalog.js'
import { checkoutFeature } from './features/checkout.js'
import { ordersFeature } from './features/orders.js'
import { paymentsFeature } from './features/payments.js'
import { startFeature } from './features/start.js'
import { dashboardFeature } from './features/dashboard.js'
import { newsFeature } from './features/news.js'
import { chatPacing } from './chat-pacing.js'
import { classifyErrors, networkRetry } from './api-transformers.js'
import { adminChatFeature, supportFeature } from './features/support.js'
import { checkSession, initialSession, type BotSession } from './session.js'
import { languageFromCode, plain, t, type TextKey } from './texts.js'

/** Commands in the menu, in order (registered per language with setMyCommands). */
export const BOT_COMMANDS = ['catalog', 'orders', 'language', 'help', 'cancel', 'support', 'paysupport', 'news', 'stop_news'] as const

/** Retry bounds of calls made while handling an update (specs/telegram.md §8.6). */
export const REQUEST_RETRY = { maxRetryAttempts: 3, maxDelaySeconds: 30, networkAttempts: 3, networkBackoffMs: 300 }

/** The Bot API rejected the token (401 at start): the process must exit. */
export class BotTokenRejectedError extends Error {
  constructor (options?: { cause?: unknown }) {
    super('BOT_TOKEN was rejected by Telegram (401 Unauthorized): check the token with @BotFather', options)
    this.name = 'BotTokenRejectedError'
  }
}

export interface ShopBotOptions {
  token: string
  apiRoot: string
  services: BotServices
  sessions: SessionStore<BotSession>
  /** The getMe result, when known (tests); otherwise {@link ShopBot.init} asks. */
  botInfo?: UserFromGetMe
  /** Per-call timeout [10 s]. */
  timeoutSeconds?: number
  /**
   * One message a second per chat ({@link chatPacing}); pass the one instance shared with every
   * other API of this process (the broadcasts'). Default: a pacing of this bot's own.
   */
  pacing?: Transformer
  /** Middleware installed after the session, before the shop's features (benchmarks count session writes with it). */
  extraFeature?: Middleware<BotContext>
}

export interface ShopBot {
  bot: Bot<BotContext>
  /** getMe (unless botInfo was given); throws {@link BotTokenRejectedError} on 401. */
  init(signal?: AbortSignal): Promise<void>
  /** setMyCommands for every language, and the default list in DEFAULT_LANGUAGE. */
  registerCommands(signal?: AbortSignal): Promise<void>
  /** Handles one update; rejects only when Telegram should redeliver it (the database was unreachable). */
  handle(update: Parameters<Bot<BotContext>['handleUpdate']>[0]): Promise<void>
  /** Resolves once the best-effort writes (activity log, uniques) of the updates handled so far have finished. */
  settled(): Promise<void>
  /**
   * The update's first key-value step (with {@link BotServices.steps}): claims it under
   * `dedupeKey` and reads what its handler will need, in one round trip. true claimed, false a
   * duplicate, undefined when the store was unreachable (the caller claims it its own way).
   */
  begin(update: Parameters<Bot<BotContext>['handleUpdate']>[0], dedupeKey: string, dedupeTtlMs: number): Promise<boolean | undefined>
}

type Update = Parameters<Bot<BotContext>['handleUpdate']>[0]

/** What the first step read for one update, used by the middleware as it runs. */
interface Prefetch {
  result: UpdateBeginResult
  sessionKey?: string
}

/** The customer an update comes from, when it is a private-chat customer (not the admin chat, not a bot). */
function customerOf (update: Update, adminChatId: number | undefined): number | undefined {
  const u = update as unknown as Record<string, { from?: { id: number, is_bot?: boolean }, chat?: { id: number, type: string }, message?: { chat?: { id: number, type: string } } } | undefined>
  for (const value of Object.values(u)) {
    if (typeof value !== 'object' || value === null || value.from === undefined) continue
    if (value.from.is_bot === true) return undefined
    const chat = value.chat ?? value.message?.chat
    if (chat !== undefined && (chat.type !== 'private' || chat.id === adminChatId)) return undefined
    return value.from.id
  }
  return undefined
}

/** The private chat of a message or a callback query (what `bot.message` limits). */
function limitedChatOf (update: Update): number | undefined {
  const chat = update.message?.chat ?? update.callback_query?.message?.chat
  const from = update.message?.from ?? update.callback_query?.from
  if (from === undefined || chat?.type !== 'private') return undefined
  return from.id
}

/** The error boundary: database outages propagate (redeliver); anything else gets an answer. */
async function onError (err: BotError<BotContext>): Promise<void> {
  const ctx = err.ctx
  const error = err.error
  const { logger } = ctx.services
  if (ctx.services.isDatabaseUnavailable(error)) throw error
  if (error instanceof GrammyError && error.error_code === 403) {
    // the customer blocked the bot (marked by the transformer): an apology cannot reach them, and
    // one sent after they unblock would answer a message they wrote while blocking
    logger.info({ module: 'bot', updateId: ctx.update.update_id, description: error.description }, 'update not answered: the customer blocked the bot')
    return
  }
  let key: TextKey = 'apology'
  if (error instanceof KvUnavailableError || error instanceof SessionConflictError) {
    key = 'tryAgainLater'
    logger.warn({ module: 'bot', updateId: ctx.update.update_id, err: String(error) }, 'session unavailable; asked the customer to try again')
  } else {
    logger.error({ module: 'bot', updateId: ctx.update.update_id, err: error }, 'update handler failed')
  }
  if (ctx.callbackQuery !== undefined && !ctx.callbackAnswered) return await ctx.answerOnce(ctx.t(key), true)
  if (ctx.chat?.type === 'private' && ctx.message !== undefined) {
    await ctx.reply(ctx.t(key), { parse_mode: 'HTML' }).catch((e: unknown) => logger.debug({ module: 'bot', err: String(e) }, 'could not send the apology'))
  }
}

export function createShopBot (options: ShopBotOptions): ShopBot {
  const { services, sessions } = options
  class ShopContext extends BotContextBase {
    override services = services
    override lang = services.settings.defaultLanguage
  }
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo !== undefined ? { botInfo: options.botInfo } : {}),
    client: { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds ?? 10 },
    ContextConstructor: ShopContext as unknown as new (...args: ConstructorParameters<typeof BotContextBase>) => BotContext
  })
  // the most recently installed transformer runs outermost: classify(network(autoRetry(pacing(call)))):
  // every try, retries included, keeps one message a second per chat
  bot.api.config.use(options.pacing ?? chatPacing())
  bot.api.config.use(autoRetry({ maxRetryAttempts: REQUEST_RETRY.maxRetryAttempts, maxDelaySeconds: REQUEST_RETRY.maxDelaySeconds, rethrowHttpErrors: true }))
  bot.api.config.use(networkRetry(REQUEST_RETRY.networkAttempts, REQUEST_RETRY.networkBackoffMs))
  bot.api.config.use(classifyErrors(services))

  const resetKeys = new Set<string>()
  const adapter = sessions.adapter()
  const steps = services.steps
  // sessions read by an update's first step, and the writes held for its last step, by grammY key
  // (updates of one chat run one at a time, so one entry per key is enough)
  const prefetchedSessions = new Map<string, { ver: number, data: unknown }>()
  const heldWrites = new Map<string, { base: { ver: number, data: unknown }, value?: BotSession }>()
  const prefetches = new Map<number, Prefetch>()
  const checked = (key: string, value: BotSession | undefined): BotSession | undefined => {
    const result = checkSession(value)
    if (result.reset) resetKeys.add(key)
    return value === undefined ? undefined : result.session
  }
  const storage = {
    read: async (key: string) => {
      const read = prefetchedSessions.get(key)
      if (read !== undefined) {
        prefetchedSessions.delete(key)
        heldWrites.set(key, { base: read })
        return checked(key, read.data as BotSession | undefined)
      }
      return checked(key, await adapter.read(key))
    },
    write: async (key: string, value: BotSession) => {
      const held = heldWrites.get(key)
      if (held !== undefined) { held.value = value; return }
      await adapter.write(key, value)
    },
    delete: async (key: string) => {
      heldWrites.delete(key)
      await adapter.delete(key)
    }
  }
  // a language chosen in the bot changes the cached customer too
  if (steps !== undefined) {
    const store = services.store
    services.store = {
      ...store,
      setLanguage: async (telegramId, language) => {
        await store.setLanguage(telegramId, language)
        await steps.forgetCustomer(telegramId).catch(() => {})
      },
      markBlocked: async (telegramId, now) => {
        await store.markBlocked(telegramId, now)
        await steps.forgetCustomer(telegramId).catch(() => {})
      }
    }
  }

  const writes = new Set<Promise<void>>()
  // the update's last step: one batch; a session that changed meanwhile is merged and written again
  const finish = async (end: UpdateEndRequest, held: { base: { ver: number, data: unknown }, value?: BotSession } | undefined, key: string | undefined, failed: boolean): Promise<void> => {
    const run = (async () => {
      const { sessionWritten } = await steps!.end(end)
      if (!sessionWritten && held?.value !== undefined && key !== undefined) {
        adapter.seed?.(key, held.base as { ver: number, data: BotSession | undefined })
        await adapter.write(key, held.value)
      }
    })()
    if (end.session !== undefined && !failed) return await run
    // nothing the reply depends on: best effort, like the activity writes before
    const settled = run.catch((err: unknown) => {
      if (err instanceof KvUnavailableError) services.logger.debug({ module: 'bot', err: err.message }, 'best-effort writes skipped: key-value store unavailable')
      else services.logger.warn({ module: 'bot', err }, 'best-effort writes failed')
    })
    writes.add(settled)
    settled.finally(() => writes.delete(settled)).catch(() => {})
  }
  const root = new Composer<BotContext>()
  // every callback query is answered exactly once, whatever the features did
  root.use(async (ctx, next) => {
    await next()
    if (ctx.callbackQuery !== undefined && !ctx.callbackAnswered) await ctx.answerOnce(ctx.t('staleButton'))
  })
  const guarded = root.errorBoundary(onError)
  // the customer record: language, name, last seen, unblocked; the customer counts as active today.
  // With the two-step path a returning customer costs no SQL (the record is cached in the store,
  // last seen written in batches) and the update's writes go out in one batch at its end.
  guarded.use(async (ctx, next) => {
    const from = ctx.from
    const admin = services.settings.adminChatId
    const prefetch = prefetches.get(ctx.update.update_id)
    prefetches.delete(ctx.update.update_id)
    const end: UpdateEndRequest = { activity: [] }
    let cached: CachedCustomer | null | undefined
    if (prefetch !== undefined) {
      ctx.deferredActivity = end.activity as NonNullable<typeof ctx.deferredActivity>
      ctx.prefetchedLimit = prefetch.result.limit
      if (prefetch.sessionKey !== undefined && prefetch.result.session !== undefined) prefetchedSessions.set(prefetch.sessionKey, prefetch.result.session)
    }
    if (from !== undefined && !from.is_bot && (ctx.chat === undefined || ctx.chat.type === 'private') && ctx.chat?.id !== admin) {
      if (ctx.myChatMember?.new_chat_member.status === 'kicked') {
        await services.store.markBlocked(from.id, services.clock.now())
        return
      }
      const username = from.username ?? null
      const firstName = from.first_name ?? null
      cached = prefetch?.result.customer
      const wordsVersion = prefetch?.result.wordsVersion
      if (cached != null && wordsVersion !== undefined && cached.username === username && cached.firstName === firstName) {
        ctx.lang = cached.language
        ctx.customerBlocked = cached.blocked
        ctx.wordsVersion = wordsVersion
        services.lastSeen?.seen(from.id, services.clock.now())
      } else {
        const customer = await services.store.touchCustomer({
          telegramId: from.id,
          ...(from.username !== undefined ? { username: from.username } : {}),
          firstName: from.first_name,
          language: languageFromCode(from.language_code) ?? services.settings.defaultLanguage,
          now: services.clock.now()
        })
        ctx.lang = customer.language
        ctx.customerBlocked = customer.blocked
        ctx.wordsVersion = customer.wordsVersion
        cached = undefined
        if (prefetch !== undefined) {
          end.customer = { id: from.id, value: { language: customer.language, blocked: customer.blocked, username, firstName }, expected: prefetch.result.customerToken ?? '' }
          if (prefetch.result.wordsVersion === undefined) end.wordsVersion = customer.wordsVersion
        }
      }
      if (prefetch !== undefined) end.activeCustomer = from.id
      else ctx.runInBackground('uniques', () => services.uniques.markActive(from.id))
      // exact DAU/WAU/MAU: buffered in process, written in batches (no round trip here)
      services.analytics?.active(from.id)
    }
    let failed = true
    try {
      await next()
      failed = false
    } finally {
      // activity and uniques writes delay neither a reply nor the end of the update; settled() awaits them
      for (const write of ctx.background) {
        writes.add(write)
        write.finally(() => writes.delete(write)).catch(() => {})
      }
      if (prefetch !== undefined && steps !== undefined) {
        const key = prefetch.sessionKey
        const held = key === undefined ? undefined : heldWrites.get(key)
        if (key !== undefined) { heldWrites.delete(key); prefetchedSessions.delete(key) }
        // a language chosen during the update goes to the cache too
        if (from !== undefined && cached != null && cached.language !== ctx.lang) end.customer = { id: from.id, value: { ...cached, language: ctx.lang }, expected: prefetch.result.customerToken ?? '' }
        if (!failed && held?.value !== undefined && key !== undefined) end.session = { key, baseVersion: held.base.ver, value: held.value }
        await finish(end, held, key, failed)
      }
    }
  })
  guarded.use(paymentsFeature)
  guarded.use(adminChatFeature)
  // before the limiter and the block rule: an admin asking for the dashboard is not a customer
  guarded.use(dashboardFeature)
  guarded.use(async (ctx, next) => {
    if (ctx.from === undefined || ctx.chat?.type !== 'private' || (ctx.message === undefined && ctx.callbackQuery === undefined)) return await next()
    const decision = ctx.prefetchedLimit ?? await services.limiter.check('bot.message', [String(ctx.from.id)])
    if (decision.allowed) return await next()
    const waitMs = decision.retryAfterMs < 0 ? 60_000 : decision.retryAfterMs
    const text = ctx.t('slowDown', { seconds: Math.max(1, Math.ceil(waitMs / 1000)) })
    // answered once per window; then quiet until it frees (issue 6 item 2)
    const first = await services.kv.setString(services.kv.keys.key('tg', 'slow', ctx.from.id), '1', { nx: true, ttlMs: Math.max(1000, waitMs) }).catch(() => true)
    if (ctx.callbackQuery !== undefined) await ctx.answerOnce(first ? text.replace(/<[^>]+>/g, '') : undefined)
    else if (first) await ctx.reply(text, { parse_mode: 'HTML' })
  })
  // a customer the merchant blocked gets a polite refusal and nothing else (payments above still complete)
  guarded.use(async (ctx, next) => {
    if (!ctx.customerBlocked) return await next()
    if (ctx.callbackQuery !== undefined) return await ctx.answerOnce(plain(ctx.lang, 'blockedByShop'), true)
    if (ctx.message !== undefined && ctx.chat?.type === 'private') await ctx.reply(ctx.t('blockedByShop'), { parse_mode: 'HTML' })
  })
  guarded.use(lazySession<BotSession, BotContext>({ initial: initialSession, storage }))
  guarded.use(async (ctx, next) => {
    await next()
    const key = ctx.chat?.id !== undefined ? String(ctx.chat.id) : undefined
    if (key !== undefined && resetKeys.delete(key)) await ctx.reply(ctx.t('sessionReset'), { parse_mode: 'HTML' })
  })
  if (options.extraFeature !== undefined) guarded.use(options.extraFeature)
  guarded.use(startFeature, newsFeature, accountFeature, catalogFeature, ordersFeature, supportFeature, checkoutFeature)
  guarded.on('message', async (ctx) => {
    if (ctx.chat.type !== 'private') return
    await ctx.reply(ctx.t('unknownInput'), { parse_mode: 'HTML' })
  })
  bot.use(root)

  let initialized = false
  return {
    bot,
    async init (signal) {
      if (initialized) return
      try {
        await bot.init(signal as never)
        initialized = true
      } catch (err) {
        if (err instanceof GrammyError && err.error_code === 401) throw new BotTokenRejectedError({ cause: err })
        throw err
      }
    },
    async registerCommands (signal) {
      const list = (language: typeof LANGUAGES[number]): Array<{ command: string, description: string }> =>
        BOT_COMMANDS.map((command) => ({ command, description: t(language, `cmd_${command}`) }))
      await bot.api.setMyCommands(list(services.settings.defaultLanguage), {}, signal as never)
      for (const language of LANGUAGES) await bot.api.setMyCommands(list(language), { language_code: language }, signal as never)
    },
    async begin (update, dedupeKey, dedupeTtlMs) {
      if (steps === undefined) return undefined
      const customerId = customerOf(update, services.settings.adminChatId)
      const limited = limitedChatOf(update)
      const chat = update.message?.chat ?? update.callback_query?.message?.chat ?? update.edited_message?.chat
      const sessionKey = customerId !== undefined && chat !== undefined ? String(chat.id) : undefined
      try {
        const result = await steps.begin({
          dedupeKey,
          dedupeTtlMs,
          ...(limited !== undefined ? { limit: { policy: 'bot.message', subject: [String(limited)] } } : {}),
          ...(sessionKey !== undefined ? { sessionKey } : {}),
          ...(customerId !== undefined ? { customerId } : {})
        })
        if (result.claimed) {
          prefetches.set(update.update_id, { result, ...(sessionKey !== undefined ? { sessionKey } : {}) })
        }
        return result.claimed
      } catch (err) {
        if (err instanceof KvUnavailableError) return undefined
        throw err
      }
    },
    async settled () {
      await Promise.all([...writes])
    },
    async handle (update) {
      // an update can come in (webhook) before start-up's getMe answered
      if (!initialized) await this.init()
      try {
        await bot.handleUpdate(update)
      } catch (err) {
        throw err instanceof BotError ? err.error : err
      }
    }
  }
}

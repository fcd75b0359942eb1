/**
 * The bot as a running part of the server: the bot, its update processor, the outbox notifier
 * over it, and the delivery mode (TELEGRAM_MODE): polling starts a getUpdates loop; webhook mode
 * registers `PUBLIC_URL/telegram/webhook` with the secret at start. `init()` asks getMe and fails
 * with "BOT_TOKEN was rejected by Telegram" on 401.
 */
import { Api } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import type { Notifier } from '../../usecases/ports-notifier.js'
import type { Logger } from '../../logger.js'
import type { Metrics } from '../../metrics.js'
import type { BotStore, LastSeenLog, StarsPayments } from '../../usecases/bot-ports.js'
import type { ShopStore } from '../../usecases/ports.js'
import type { OfferConfig } from '../../domain/orders/offered-providers.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ActivityLog, KeyValue, RateLimiter, SessionStore, Uniques, UpdateSteps } from '../../usecases/ports-kv.js'
import type { ShopWordsCache } from '../../usecases/shop-words.js'
import type { BotPhotos } from '../../usecases/product-photos.js'
import type { EventRecorder } from '../../usecases/analytics.js'
import type { CatalogReads } from '../../usecases/catalog-reads.js'
import { BotTokenRejectedError, createShopBot, type ShopBot, type ShopBotOptions } from './bot.js'
import { createAdminChat } from './admin-chat.js'
import { createBotNotifier } from './bot-notifier.js'
import type { BroadcastSender } from '../../usecases/broadcasts/ports.js'
import { broadcastApi, createBroadcastSender } from './broadcast-sender.js'
import { chatPacing } from './chat-pacing.js'
import { createStarsService, type StarsService } from './stars-service.js'
import { ALLOWED_UPDATES, startPolling, type Polling } from './polling.js'
import type { BotSession } from './session.js'
import type { BotSettings } from './context.js'
import { createUpdateProcessor, dedupeKeyOf, UPDATE_DEDUPE_TTL_MS, type UpdateProcessor } from './update-processor.js'

/** How long a quiet getUpdates waits for an update (Telegram's `timeout`, seconds). */
const LONG_POLL_S = 30

export interface TelegramRuntimeOptions {
  token: string
  apiRoot: string
  botInfo?: UserFromGetMe
  /** The smallest gap between two messages to one chat [1 s]. */
  chatGapMs?: number
  /** Middleware installed after the session, before the shop's features (benchmarks, tests). */
  extraFeature?: ShopBotOptions['extraFeature']
  settings: TelegramSettings
  /** A one-time dashboard login link for an admin (`/dashboard`). */
  dashboardLink?: (telegramId: number) => Promise<string>
  logger: Logger
  clock: Clock
  kv: KeyValue
  /** Chat sessions (over the shared key-value store; see {@link initialSession}). */
  sessions: SessionStore<BotSession>
  /** True when an error says the database could not be reached (the update is then redelivered). */
  isDatabaseUnavailable(error: unknown): boolean
  /** The order's signed pay link (`GET /pay/:orderId/:provider?t=`). */
  payUrl(orderId: string, provider: ProviderName): string
  limiter: RateLimiter
  store: BotStore
  shop: ShopStore
  stars: StarsPayments
  offer: OfferConfig
  /** Per-customer activity log (bot actions, payments confirmed through the notifier). */
  activity: Pick<ActivityLog, 'record'>
  /** Daily active customers, marked on each update. */
  uniques: Pick<Uniques, 'markActive'>
  /** Catalog pages and product cards (through the shared cache). */
  catalog: CatalogReads
  /** The shop's own words, held in memory by version. */
  shopWords: ShopWordsCache
  /** Photos Bozor keeps (uploaded once, then sent by file id). */
  photos: BotPhotos
  /** Analytics events of the bot (buffered). */
  analytics?: EventRecorder
  /** The per-update key-value work in two round trips (issue 18); absent: one call at a time. */
  steps?: UpdateSteps
  /** Returning customers' last-seen times, written in batches (flushed at stop). */
  lastSeen?: LastSeenLog
  metrics?: Pick<Metrics, 'telegramUpdates' | 'telegramPendingUpdates' | 'telegramWebhookError'>
  /** How often webhook mode reads getWebhookInfo into the metrics [60 s]. */
  webhookInfoIntervalMs?: number
  /** Called when the bot cannot run (token rejected, a second poller) [log and exit 1]. */
  onFatal?: (error: Error) => void
}

/** What the running bot follows: the bot's settings plus how updates arrive. */
export interface TelegramSettings extends BotSettings {
  /** PUBLIC_URL: the base of pay links and of the webhook. */
  publicUrl: string
  /** TELEGRAM_MODE. */
  mode: 'polling' | 'webhook'
  /** TELEGRAM_WEBHOOK_SECRET (webhook mode). */
  webhookSecret?: string
}

export interface TelegramRuntime {
  /** The bot token (Mini App initData is signed with a key derived from it). */
  readonly token: string
  shopBot: ShopBot
  processor: UpdateProcessor
  notifier: Notifier
  /** Stars invoice links and refunds outside the chat. */
  stars: StarsService
  /** Sends one copy of a broadcast (the worker's and the preview's). */
  broadcasts: BroadcastSender
  init(): Promise<void>
  /** Reads getWebhookInfo into `/metrics` (webhook mode does it every minute). */
  refreshWebhookInfo(): Promise<void>
  /** On listen: getMe (retried while Telegram is unreachable), commands, then the delivery mode, in the background. */
  start(): Promise<void>
  stop(): Promise<void>
}

export function createTelegramRuntime (options: TelegramRuntimeOptions): TelegramRuntime {
  const { settings, logger } = options
  const log = logger.child({ module: 'bot' })
  const publicUrl = settings.publicUrl.replace(/\/+$/, '')
  // one per-chat pacing for every API of this process: the bot's and the broadcasts'
  const pacing = chatPacing(options.chatGapMs !== undefined ? { gapMs: options.chatGapMs } : {})
  const adminChat = createAdminChat({ adminChatId: settings.adminChatId, kv: options.kv, logger: log })
  const shopBot = createShopBot({
    token: options.token,
    apiRoot: options.apiRoot,
    ...(options.botInfo !== undefined ? { botInfo: options.botInfo } : {}),
    ...(options.extraFeature !== undefined ? { extraFeature: options.extraFeature } : {}),
    pacing,
    sessions: options.sessions,
    services: {
      settings,
      isDatabaseUnavailable: options.isDatabaseUnavailable,
      store: options.store,
      shop: options.shop,
      clock: options.clock,
      logger: log,
      limiter: options.limiter,
      kv: options.kv,
      offer: options.offer,
      stars: options.stars,
      activity: options.activity,
      uniques: options.uniques,
      catalog: options.catalog,
      payUrl: options.payUrl,
      adminChat,
      shopWords: options.shopWords,
      photos: options.photos,
      ...(options.dashboardLink !== undefined ? { dashboardLink: options.dashboardLink } : {}),
      ...(options.analytics !== undefined ? { analytics: options.analytics } : {}),
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.lastSeen !== undefined ? { lastSeen: options.lastSeen } : {})
    }
  })
  const metrics = options.metrics
  const inner = createUpdateProcessor({
    kv: options.kv,
    handle: async (update) => {
      try {
        await shopBot.handle(update)
        metrics?.telegramUpdates.inc({ outcome: 'handled' })
      } catch (err) {
        metrics?.telegramUpdates.inc({ outcome: 'failed' })
        throw err
      }
    },
    logger: log,
    now: () => options.clock.now(),
    ...(options.steps !== undefined ? { begin: async (update: Parameters<UpdateProcessor['process']>[0]) => await shopBot.begin(update, dedupeKeyOf(options.kv.keys, update), UPDATE_DEDUPE_TTL_MS) } : {})
  })
  const processor: UpdateProcessor = {
    process: async (update) => {
      const outcome = await inner.process(update)
      if (outcome === 'duplicate') metrics?.telegramUpdates.inc({ outcome: 'duplicate' })
      return outcome
    },
    // updates under way, then the best-effort writes (activity, uniques) they started
    idle: async () => { await inner.idle(); await shopBot.settled() }
  }
  const refreshWebhookInfo = async (): Promise<void> => {
    const info = await shopBot.bot.api.getWebhookInfo()
    metrics?.telegramPendingUpdates.set(info.pending_update_count)
    metrics?.telegramWebhookError.reset()
    metrics?.telegramWebhookError.set({ message: (info.last_error_message ?? '').slice(0, 200) }, info.last_error_date ?? 0)
  }
  let infoTimer: NodeJS.Timeout | undefined
  const notifier = createBotNotifier({
    api: shopBot.bot.api,
    store: options.store,
    adminChat,
    defaultLanguage: settings.defaultLanguage,
    activity: options.activity,
    logger: logger.child({ module: 'notifier' })
  })
  let polling: Polling | undefined
  let started = false
  let stopped = false
  // aborts the start-up calls when the server stops before Telegram answered
  const abort = new AbortController()
  let booting: Promise<void> | undefined
  let wake = (): void => {}
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    if (stopped) return resolve()
    const timer = setTimeout(resolve, ms)
    wake = () => { clearTimeout(timer); resolve() }
  })
  const fatal = options.onFatal ?? ((error: Error): void => {
    log.fatal({ err: error.message }, 'the bot cannot run; exiting')
    process.exit(1)
  })
  return {
    token: options.token,
    shopBot,
    processor,
    notifier,
    stars: createStarsService({ api: shopBot.bot.api, stars: options.stars, clock: options.clock }),
    broadcasts: createBroadcastSender({ api: broadcastApi(options.token, options.apiRoot, pacing), username: () => shopBot.bot.isInited() ? shopBot.bot.botInfo.username : undefined }),
    init: () => shopBot.init(),
    refreshWebhookInfo,
    async start () {
      if (started) return
      started = true
      // The HTTP side (payment callbacks above all) must serve even while Telegram is unreachable:
      // getMe is retried in the background; only a rejected token (401) stops the process.
      booting = (async () => {
        for (let attempt = 0; ; attempt++) {
          if (stopped) return
          try {
            await shopBot.init(abort.signal)
            break
          } catch (err) {
            if (err instanceof BotTokenRejectedError) return fatal(err)
            if (stopped) return
            const waitMs = Math.min(30_000, 1000 * 2 ** attempt)
            log.warn({ err: String(err), retryInMs: waitMs }, 'Telegram is unreachable; retrying getMe')
            await sleep(waitMs)
          }
        }
        if (stopped) return
        await shopBot.registerCommands(abort.signal).catch((err: unknown) => log.warn({ err: String(err) }, 'setMyCommands failed; the command menu may be out of date'))
        if (settings.mode === 'webhook') {
          const url = `${publicUrl}/telegram/webhook`
          try {
            await shopBot.bot.api.setWebhook(url, {
              secret_token: settings.webhookSecret!,
              max_connections: 40,
              allowed_updates: [...ALLOWED_UPDATES],
              drop_pending_updates: false
            }, abort.signal as never)
            log.info({ url }, 'webhook registered')
            await refreshWebhookInfo().catch(() => {})
            infoTimer = setInterval(() => { refreshWebhookInfo().catch((err: unknown) => log.warn({ err: String(err) }, 'getWebhookInfo failed')) }, options.webhookInfoIntervalMs ?? 60_000)
            infoTimer.unref()
          } catch (err) {
            log.error({ err: String(err), url }, 'setWebhook failed: Telegram will not deliver updates until it succeeds (restart to retry)')
          }
          return
        }
        // its own client: Telegram holds a quiet getUpdates for the whole long poll, and the bot's
        // client gives up on a call after 10 s (decision 0076)
        const pollApi = new Api(options.token, { apiRoot: options.apiRoot, timeoutSeconds: LONG_POLL_S + 15 })
        polling = startPolling({ api: pollApi, processor, logger: log, onFatal: fatal, timeoutS: LONG_POLL_S })
        log.info({}, 'polling for updates')
      })()
    },
    async stop () {
      stopped = true
      clearInterval(infoTimer)
      abort.abort()
      wake()
      await booting
      await polling?.stop()
      await processor.idle()
      await options.lastSeen?.flush().catch((err: unknown) => log.warn({ err: String(err) }, 'last-seen times not written at stop'))
    }
  }
}

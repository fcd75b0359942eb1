/**
 * buildApp(deps) returns the fully registered Fastify instance and never listens (STYLE R1):
 * `main.ts` listens, tests call `inject()` on the same app.
 *
 * @example
 * const app = await buildApp(deps)
 * const res = await app.inject({ url: '/healthz' })
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { problemsPlugin } from './http/plugins/problems.js'
import { metricsPlugin } from './http/plugins/metrics.js'
import { healthRoutes } from './http/routes/health.js'
import { adminRoutes } from './http/routes/admin/index.js'
import { backgroundJobs } from './jobs/background-jobs.js'
import { createPostgresShop } from './adapters/postgres/orders-store.js'
import { verifyAdminToken } from './adapters/postgres/admin-tokens.js'
import { paymeRoutes } from './http/routes/payme.js'
import { clickRoutes } from './http/routes/click.js'
import { payRoutes } from './http/routes/pay.js'
import { rateLimitPlugin } from './http/plugins/rate-limit.js'
import { createRateLimiter, type RateLimiter } from './adapters/redis/rate-limiter.js'
import { createCache, type Cache } from './adapters/redis/cache.js'
import { createActivityLog, type ActivityLog } from './adapters/redis/activity.js'
import { createUniques, type Uniques } from './adapters/redis/uniques.js'
import { createPostgresCustomerDirectory } from './adapters/postgres/customer-directory.js'
import { createCatalogReads } from './usecases/catalog-reads.js'
import type { Database } from './adapters/postgres/database.js'
import type { KvStore } from './adapters/redis/kv-store.js'
import type { Clock } from './domain/shared/clock.js'
import { STRIPE_DEFAULT_MIN_AMOUNTS } from './domain/orders/offered-providers.js'
import { createStripeClient } from './adapters/stripe/stripe-client.js'
import { createStripeGateway } from './adapters/stripe/stripe-gateway.js'
import { createRefundStore, createStripeLedger } from './adapters/postgres/stripe-ledger.js'
import { stripeWebhookRoutes } from './http/routes/stripe-webhook.js'
import { stripeRefundProvider, type StripeDeps } from './usecases/stripe-payments.js'
import type { RefundProviders } from './usecases/refund-order.js'
import type { StripeGateway } from './usecases/ports-stripe.js'
import type { UserFromGetMe } from 'grammy/types'
import { createTelegramRuntime, type TelegramRuntime } from './adapters/telegram/runtime.js'
import { createPostgresBotStore } from './adapters/postgres/bot-store.js'
import { createStarsLedger } from './adapters/postgres/stars-ledger.js'
import { telegramWebhookRoutes, webAppAuthRoutes } from './http/routes/telegram.js'
import { viewOptions } from './http/routes/admin/orders.js'
import { createClickMerchantApi } from './adapters/click/click-merchant-api.js'
import { createClickRefundLedger } from './adapters/postgres/click-refunds.js'
import { clickRefundProvider, type ClickReversalGateway } from './usecases/click-reversal.js'
import { clickOutboxHandlers } from './jobs/click-reversal.js'

/** Largest body any route accepts; provider callbacks and admin calls are far smaller. */
export const BODY_LIMIT_BYTES = 256 * 1024

export interface AppDeps {
  config: Config
  logger: Logger
  metrics: Metrics
  database: Database
  kv: KvStore
  clock: Clock
  /** Shared sliding-window limiter; when absent, one is created over `kv` with the configured policies. */
  rateLimiter?: RateLimiter
  /** Shared cache (catalog reads); when absent, one is created over `kv`. */
  cache?: Cache
  /** Stripe API gateway; when absent and Stripe is configured, one over the official SDK. */
  stripeGateway?: StripeGateway
  /**
   * Where the bot talks to: the sandbox's emulator (compose.ts), or a test's. When absent the bot
   * runs only with BOT_TOKEN set, against TELEGRAM_API_ROOT.
   */
  telegram?: { token: string, apiRoot: string, botInfo?: UserFromGetMe, onFatal?: (error: Error) => void }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The bot, when one runs (BOT_TOKEN set or the sandbox emulator attached). */
    telegram: TelegramRuntime | undefined
  }
}

export type App = FastifyInstance

export async function buildApp (deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: toTrustProxy(deps.config.server.trustProxy),
    return503OnClosing: true,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true }
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(problemsPlugin)
  await app.register(metricsPlugin, { metrics: deps.metrics })
  const limiter = deps.rateLimiter ?? createRateLimiter({ kv: deps.kv, policies: deps.config.orders.rateLimits, logger: deps.logger, metrics: deps.metrics, clock: deps.clock })
  await app.register(rateLimitPlugin, { limiter })
  await app.register(healthRoutes, { database: deps.database, kv: deps.kv, metrics: deps.metrics })
  if (deps.config.payme !== undefined) await app.register(paymeRoutes, { payme: deps.config.payme, database: deps.database, clock: deps.clock })
  if (deps.config.click !== undefined) await app.register(clickRoutes, { click: deps.config.click, database: deps.database, clock: deps.clock })
  const stripe = createStripeDeps(deps)
  const clickApi = createClickApi(deps)
  const cache = deps.cache ?? createCache({ kv: deps.kv, cluster: deps.config.redis?.cluster === true, logger: deps.logger })
  const activity = createActivityLog({ kv: deps.kv, clock: deps.clock })
  const telegram = createTelegram(deps, limiter, stripe, { cache, activity, uniques: createUniques({ kv: deps.kv, clock: deps.clock }) })
  app.decorate('telegram', telegram)
  if (stripe !== undefined && deps.config.stripe !== undefined) await app.register(stripeWebhookRoutes, { stripe, webhookSecret: deps.config.stripe.webhookSecret, live: deps.config.stripe.secretKey.startsWith('sk_live_') })
  await app.register(payRoutes, { config: deps.config, database: deps.database, clock: deps.clock, ...(stripe !== undefined ? { stripe } : {}), ...(telegram !== undefined ? { stars: { accepts: (order) => order.total.currency === 'XTR', checkoutUrl: (order, language) => telegram.stars.invoiceLink(order, language) } } : {}) })
  await app.register(adminRoutes, { prefix: '/api/v1', config: deps.config, clock: deps.clock, store: createPostgresShop(deps.database.db), verifyToken: (token) => verifyAdminToken(deps.database.db, token), cache, customers: { activity, customers: createPostgresCustomerDirectory(deps.database.db) }, refunds: { store: createRefundStore(deps.database.db), providers: refundProvidersOf(stripe, telegram, clickApi, deps) }, ...(stripe !== undefined ? { stripe } : {}) })
  if (telegram !== undefined) {
    if (deps.config.bot.mode === 'webhook' && deps.config.bot.webhookSecret !== undefined) {
      await app.register(telegramWebhookRoutes, { secret: deps.config.bot.webhookSecret, processor: telegram.processor })
    }
    await app.register(webAppAuthRoutes, { botToken: telegram.shopBot.bot.token, maxAgeS: deps.config.bot.webappAuthMaxAgeS, clock: deps.clock })
    app.addHook('onListen', async () => { await telegram.start() })
    app.addHook('onClose', async () => { await telegram.stop() })
  }
  await app.register(backgroundJobs, { db: deps.database.db, clock: deps.clock, logger: deps.logger, soleInstance: deps.database.kind === 'pglite', ...(stripe !== undefined ? { stripe } : {}), ...(telegram !== undefined ? { notifier: telegram.notifier } : {}), handlers: clickOutboxHandlers(clickApi) })
  return app as unknown as App
}

/** The bot over the configured (or injected) Bot API, or undefined when there is none. */
function createTelegram (deps: AppDeps, limiter: RateLimiter, stripe: StripeDeps | undefined, shared: { cache: Cache, activity: ActivityLog, uniques: Uniques }): TelegramRuntime | undefined {
  const target = deps.telegram ?? (deps.config.bot.token !== undefined ? { token: deps.config.bot.token, apiRoot: deps.config.bot.apiRoot } : undefined)
  if (target === undefined) return undefined
  const botStore = createPostgresBotStore(deps.database.db)
  return createTelegramRuntime({
    ...target,
    config: deps.config,
    logger: deps.logger,
    clock: deps.clock,
    kv: deps.kv,
    limiter,
    store: botStore,
    catalog: createCatalogReads({ store: botStore, cache: shared.cache }),
    activity: shared.activity,
    uniques: shared.uniques,
    shop: createPostgresShop(deps.database.db),
    stars: createStarsLedger(deps.database.db),
    offer: viewOptions(deps.config, stripe).offer,
    metrics: deps.metrics
  })
}

/** Stripe's use-case deps over the configured SDK client (or the injected gateway). */
function createStripeDeps (deps: AppDeps): StripeDeps | undefined {
  const config = deps.config.stripe
  if (config === undefined) return undefined
  const logger = deps.logger.child({ module: 'stripe' })
  const gateway = deps.stripeGateway ?? createStripeGateway({ stripe: createStripeClient(config), clock: deps.clock, logger, minAmounts: { ...STRIPE_DEFAULT_MIN_AMOUNTS, ...deps.config.stripeMinAmounts } })
  return { ledger: createStripeLedger(deps.database.db), gateway, clock: deps.clock, publicUrl: deps.config.server.publicUrl.replace(/\/$/, ''), logger }
}

/** Click's Merchant API (reversals) when CLICK_MERCHANT_USER_ID is set. */
function createClickApi (deps: AppDeps): ClickReversalGateway | undefined {
  const click = deps.config.click
  if (click?.merchantUserId === undefined) return undefined
  return createClickMerchantApi({ apiBase: click.apiBase, serviceId: click.serviceId, merchantUserId: click.merchantUserId, secretKey: click.secretKey, clock: deps.clock })
}

/**
 * Refunds by provider (DESIGN.md): Stripe by API; Payme only in its cabinet; Click by a whole
 * reversal when its Merchant API is configured (else in its cabinet); Stars by
 * `refundStarPayment` when the bot runs.
 */
function refundProvidersOf (stripe: StripeDeps | undefined, telegram: TelegramRuntime | undefined, clickApi: ClickReversalGateway | undefined, deps: AppDeps): RefundProviders {
  return {
    payme: 'unsupported',
    click: clickApi !== undefined ? clickRefundProvider({ ledger: createClickRefundLedger(deps.database.db), gateway: clickApi, now: () => deps.clock.now() }) : 'unsupported',
    stars: telegram !== undefined ? (request) => telegram.stars.refund(request) : 'unsupported',
    ...(stripe !== undefined ? { stripe: stripeRefundProvider(stripe) } : {})
  }
}

/** Fastify reads a hop count as "trust the n nearest proxies"; its types want a function for that. */
function toTrustProxy (value: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value
  return (_address, hop) => hop < value
}

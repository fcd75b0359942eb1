/**
 * buildApp(services) returns the fully registered Fastify instance and never listens (STYLE R1):
 * `main.ts` listens, tests call `inject()` on the same app. It builds nothing: every store,
 * limiter, cache, provider, the bot and the jobs come built from `compose.ts` (the one
 * composition root); this file only registers plugins and routes over them.
 *
 * @example
 * const app = await buildApp(composeServices({ config, logger, metrics, clock, database, kv }))
 * const res = await app.inject({ url: '/healthz' })
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import type { Clock } from './domain/shared/clock.js'
import type { RateLimiter } from './usecases/ports-kv.js'
import { frameworkErrors, problemsPlugin } from './http/plugins/problems.js'
import { openApiPlugin } from './http/plugins/openapi.js'
import { metricsPlugin } from './http/plugins/metrics.js'
import { securityHeaders } from './http/plugins/security-headers.js'
import { assetRoutes } from './http/routes/assets.js'
import { rateLimitPlugin } from './http/plugins/rate-limit.js'
import { healthRoutes, type Pingable } from './http/routes/health.js'
import { mediaRoutes } from './http/routes/media.js'
import { dashboardRoutes, type DashboardRoutesOptions } from './http/routes/dashboard.js'
import type { PhotoStore } from './usecases/product-photos.js'
import { adminRoutes, type AdminRoutesOptions } from './http/routes/admin/index.js'
import { paymeRoutes, type PaymeRoutesOptions } from './http/routes/payme.js'
import { clickRoutes, type ClickRoutesOptions } from './http/routes/click.js'
import { payRoutes, type PayRoutesOptions } from './http/routes/pay.js'
import { stripeWebhookRoutes, type StripeWebhookOptions } from './http/routes/stripe-webhook.js'
import { telegramWebhookRoutes, webAppAuthRoutes, type TelegramWebhookOptions } from './http/routes/telegram.js'

/** Largest body any route accepts; provider callbacks and admin calls are far smaller. */
export const BODY_LIMIT_BYTES = 256 * 1024

/** The running bot as the HTTP side sees it. */
export interface AppTelegram {
  /** The bot token (Mini App initData is signed with a key derived from it). */
  readonly token: string
  /** Handles webhook updates once each; `idle()` resolves when those under way are done. */
  processor: TelegramWebhookOptions['processor'] & { idle(): Promise<void> }
  /** Reads getWebhookInfo into `/metrics`. */
  refreshWebhookInfo(): Promise<void>
  /** On listen: getMe, commands, then the delivery mode, in the background. */
  start(): Promise<void>
  stop(): Promise<void>
}

/** Everything buildApp registers, built by `composeServices` (src/compose.ts). */
export interface AppServices {
  config: Config
  logger: Logger
  metrics: Metrics
  clock: Clock
  /** What `/readyz` pings. */
  health: { database: Pingable, kv: Pingable }
  /** The shared sliding-window limiter. */
  rateLimiter: RateLimiter
  /** Present when Payme is configured. */
  payme?: PaymeRoutesOptions
  /** Present when Click is configured. */
  click?: ClickRoutesOptions
  /** Present when Stripe is configured. */
  stripeWebhook?: StripeWebhookOptions
  pay: PayRoutesOptions
  admin: AdminRoutesOptions
  /** The merchant's web dashboard at `/` and `/dashboard/...` with its login (decision 0040). */
  dashboard?: DashboardRoutesOptions
  /** Product photos Bozor keeps, served at `/media/photos/:id`. */
  media: { photos: Pick<PhotoStore, 'read'> }
  /** The bot, when one runs (BOT_TOKEN set, or the sandbox's or a test's emulator). */
  telegram?: AppTelegram
  /** The periodic jobs (expiry, outbox, Stripe refunds, audit prune): started on listen, stopped on close. */
  jobs: { start(): void, stop(): Promise<void> }
  /** The bot's analytics events waiting to be written: the rest are written on close, after the bot stopped. */
  analytics?: { close(): Promise<void> }
  /** Sandbox mode only (no BOT_TOKEN): the `/sandbox` routes, built by compose.ts. */
  sandbox?: { routes: (app: FastifyInstance) => Promise<void> }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The bot, when one runs (BOT_TOKEN set or the sandbox emulator attached). */
    telegram: AppTelegram | undefined
  }
}

export type App = FastifyInstance

export async function buildApp (services: AppServices): Promise<App> {
  const { config } = services
  const app = Fastify({
    loggerInstance: services.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: toTrustProxy(config.server.trustProxy),
    return503OnClosing: true,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // a malformed URL is answered as a problem too, not Fastify's default JSON
    frameworkErrors
  }).withTypeProvider<TypeBoxTypeProvider>()

  await app.register(problemsPlugin)
  await app.register(metricsPlugin, { metrics: services.metrics })
  await app.register(securityHeaders)
  await app.register(assetRoutes)
  await app.register(rateLimitPlugin, { limiter: services.rateLimiter })
  // before every route it documents (its onRoute hook collects them)
  await app.register(openApiPlugin, { version: services.admin.settings.version })
  await app.register(healthRoutes, { ...services.health, metrics: services.metrics })
  if (services.payme !== undefined) await app.register(paymeRoutes, services.payme)
  if (services.click !== undefined) await app.register(clickRoutes, services.click)
  const telegram = services.telegram
  app.decorate('telegram', telegram)
  if (services.stripeWebhook !== undefined) await app.register(stripeWebhookRoutes, services.stripeWebhook)
  await app.register(payRoutes, services.pay)
  await app.register(adminRoutes, { prefix: '/api/v1', ...services.admin })
  await app.register(mediaRoutes, services.media)
  if (services.dashboard !== undefined) await app.register(dashboardRoutes, services.dashboard)
  if (telegram !== undefined) {
    if (config.bot.mode === 'webhook' && config.bot.webhookSecret !== undefined) {
      await app.register(telegramWebhookRoutes, { secret: config.bot.webhookSecret, processor: telegram.processor })
    }
    await app.register(webAppAuthRoutes, { botToken: telegram.token, maxAgeS: config.bot.webappAuthMaxAgeS, clock: services.clock })
    app.addHook('onListen', async () => { await telegram.start() })
    app.addHook('onClose', async () => { await telegram.stop() })
  }
  // --- sandbox (DESIGN.md "The sandbox"): every /sandbox route, only in sandbox mode; otherwise they answer 404
  if (services.sandbox !== undefined) await app.register(services.sandbox.routes)
  // --- end sandbox
  app.addHook('onListen', async () => { services.jobs.start() })
  app.addHook('onClose', async () => { await services.jobs.stop() })
  const analytics = services.analytics
  if (analytics !== undefined) app.addHook('onClose', async () => { await analytics.close() })
  return app as unknown as App
}

/** Fastify reads a hop count as "trust the n nearest proxies"; its types want a function for that. */
function toTrustProxy (value: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value
  return (_address, hop) => hop < value
}

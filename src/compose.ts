/**
 * The composition root: the only module that builds concrete adapters (with its helpers in
 * `compose/`). `compose(config)` opens storage following Config.mode (DESIGN.md "Runtime
 * modes": PGlite or PostgreSQL, the memory store or Redis, single node or Cluster, the sandbox
 * emulators or the real services); `composeServices` builds every store, limiter, cache,
 * provider, the bot and the jobs over it, once, for `buildApp`.
 *
 * @example
 * const deps = await compose(config)
 * const app = await buildApp(deps)
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AppServices } from './app.js'
import type { BaseDeps } from './compose/base.js'
import { DASHBOARD_ASSETS_DIR, dashboardLoginLink, tokenVerifierOf, UPLOT_DIR } from './compose/dashboard.js'
import { forgettingCustomers, publishingWords, telegramOf } from './compose/telegram.js'
import type { Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics } from './metrics.js'
import { systemClock, type Clock } from './domain/shared/clock.js'
import { IN_MEMORY, openDatabase, type Database } from './adapters/postgres/database.js'
import { createAdminToken, listAdminTokens, revokeAdminToken, verifyAdminToken } from './adapters/postgres/admin-tokens.js'
import { createDashboardSessionStore } from './adapters/postgres/dashboard-sessions.js'
import { resumeSession, type DashboardLoginDeps } from './usecases/dashboard-login.js'
import { createShopWordsStore, loadPayLinkKey } from './adapters/postgres/app-settings.js'
import { createPostgresCustomerDirectory } from './adapters/postgres/customer-directory.js'
import { createCatalogAdminStore } from './adapters/postgres/catalog-admin-store.js'
import { createOrderAdminStore } from './adapters/postgres/orders-admin-store.js'
import { createCustomerAdminStore } from './adapters/postgres/customers-admin-store.js'
import { createPhotoStore } from './adapters/postgres/product-photos.js'
import { createAdminAudit } from './adapters/postgres/admin-audit.js'
import { isDatabaseUnavailable } from './adapters/postgres/errors.js'
import { createFulfilmentStore } from './adapters/postgres/fulfilment-store.js'
import { createPostgresShop } from './adapters/postgres/orders-store.js'
import { createOutboxQueue, OUTBOX_CHANNEL } from './adapters/postgres/outbox.js'
import { createPayLinkStore } from './adapters/postgres/pay-link-store.js'
import { createProviderAudit } from './adapters/postgres/provider-audit.js'
import { createAnalyticsStore } from './adapters/postgres/analytics-store.js'
import { createEventBuffer } from './jobs/analytics-buffer.js'
import { createActivityLog } from './adapters/redis/activity.js'
import { createCache } from './adapters/redis/cache.js'
import type { KvStore } from './adapters/redis/kv-store.js'
import { createRateLimiter } from './adapters/redis/rate-limiter.js'
import { createSessionStore } from './adapters/redis/session-storage.js'
import { createUpdateSteps } from './adapters/redis/update-steps.js'
import { initialSession, type BotSession } from './adapters/telegram/session.js'
import { createBackgroundJobs, type BackgroundJobs } from './jobs/background-jobs.js'
import { createBroadcastWorker, type BroadcastWorker } from './jobs/broadcast-worker.js'
import { createBroadcastStore } from './adapters/postgres/broadcast-store.js'
import { createBroadcastPacer } from './adapters/redis/broadcast-pacer.js'
import { clickOutboxHandlers } from './jobs/click-reversal.js'
import { createOutboxHandlers } from './jobs/outbox-handlers.js'
import { starsOutboxHandlers } from './jobs/stars-refund.js'
import type { TelegramEmulator } from './sandbox/telegram/index.js'
import { clickRefundProvider } from './usecases/click-reversal.js'
import { clickApiOf, payProvidersOf, refundProvidersOf, stripeDepsOf, viewOptionsOf } from './compose/providers.js'
import { clickLedgerOf, clickRefundLedgerOf, paymeLedgerOf, refundStoreOf, starsRefundStoreOf } from './compose/payments.js'
import { sandboxAdminToken, sandboxBanner, seedSandboxCatalog, startSandboxEmulators, type SandboxEmulators } from './compose/sandbox.js'
import { createSandboxRoutes } from './sandbox/http/sandbox-routes.js'
import type { OffsetClock } from './sandbox/offset-clock.js'
import type { StripeEmulator } from './sandbox/stripe/index.js'
import { expireOrders } from './usecases/expire-orders.js'
import { closeDueStripeCheckouts } from './usecases/stripe-payments.js'
import { createPayLinks } from './compose/pay-links.js'
import { createKv } from './compose/kv.js'
import { controlServicesOf, runControlRequest } from './compose/control.js'
import { CONTROL_SOCKET_FILE, createControlSocket, type ControlSocket } from './compose/control-socket.js'
import { createSandboxRowStore } from './adapters/postgres/sandbox-rows.js'
import { countSandboxRows, totalOf } from './usecases/sandbox-rows.js'

/** Bozor's version: package.json's, one level above `src/` and `dist/`. */
export type { BaseDeps }
export { dashboardLoginLink }

export const BOZOR_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** The services, plus the storage they were built over. */
export interface Services extends Omit<AppServices, 'sandbox'> {
  database: Database
  kv: KvStore
}

/** Sandbox mode (no BOT_TOKEN): the emulators, the offset clock, the admin token and the banner. */
export interface SandboxDeps {
  /** The `/sandbox` routes buildApp registers. */
  routes: NonNullable<AppServices['sandbox']>['routes']
  /** The built-in Bot API emulator the bot talks to, on a loopback port. */
  telegram: TelegramEmulator
  /** The Stripe emulator, when Stripe is simulated. */
  stripe?: StripeEmulator
  clock: OffsetClock
  /** The write admin token kept in DATA_DIR. */
  adminToken: string
  /** How many demo products this start added (0 on a catalog that had products). */
  seeded: number
  /** The start banner (DESIGN.md), printed by `bozor start`. */
  banner: string
}

export interface Deps extends Services {
  sandbox?: SandboxDeps
  /**
   * The control socket `DATA_DIR/bozor.sock` (embedded database only): the CLI's commands reach
   * this server there. Built here, listened on by `startServer`, closed by `close()`.
   */
  control?: ControlSocket
  /** Closes what compose opened, in reverse order. Idempotent. */
  close(): Promise<void>
}

export interface ComposeOptions {
  logger?: Logger
  clock?: Clock
}

/** Opens storage, runs migrations and builds the services; the result is ready for buildApp. */
export async function compose (config: Config, options: ComposeOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger({ level: config.server.logLevel, secrets: config.secrets })
  const metrics = createMetrics()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: logger.child({ module: 'database' }) })
  let kv: KvStore | undefined
  let emulators: SandboxEmulators | undefined
  try {
    await database.migrate()
    let clock = options.clock ?? systemClock
    let telegram: BaseDeps['telegram']
    if (config.mode.telegram === 'sandbox') {
      // the emulators, the sandbox credentials and the offset clock come first: every store is built over them
      emulators = await startSandboxEmulators(config, clock)
      config = emulators.config
      clock = emulators.clock
      telegram = { token: emulators.telegram.token, apiRoot: emulators.telegram.url as string }
    }
    kv = createKv(config, logger, clock)
    const payLinkKey = await loadPayLinkKey(database.db)
    const services = composeServices({ config, logger, metrics, clock, database, kv, payLinkKey, sandboxRows: emulators !== undefined, ...(telegram !== undefined ? { telegram } : {}) })
    const sandbox = emulators === undefined ? undefined : await composeSandbox(services, emulators)
    if (config.mode.telegram === 'real') await reportSandboxRows(services)
    const control = controlSocketOf(services)
    const opened = { kv, emulators }
    let closing: Promise<void> | undefined
    return {
      ...services,
      ...(sandbox !== undefined ? { sandbox } : {}),
      ...(control !== undefined ? { control } : {}),
      close () {
        closing ??= (async () => {
          await control?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the control socket failed'))
          await closeAll(logger, database, opened)
        })()
        return closing
      }
    }
  } catch (error) {
    await closeAll(logger, database, { kv, emulators })
    throw error
  }
}

/** The sandbox's data (demo catalog, admin token) and its routes, over the built services. */
async function composeSandbox (services: Services, emulators: SandboxEmulators): Promise<SandboxDeps> {
  const { config, database, kv, logger } = services
  const db = database.db
  const seeded = await seedSandboxCatalog(db, createCache({ kv, cluster: config.redis?.cluster === true, logger: logger.child({ module: 'cache' }) }))
  if (seeded > 0) logger.info({ products: seeded }, 'sandbox: seeded the demo catalog')
  const adminToken = await sandboxAdminToken(db, config.dataDir, logger)
  // the banner's one-time dashboard link carries the sandbox token: revoking it ends those sessions
  const sandboxTokenId = (await verifyAdminToken(db, adminToken))?.id
  const dashboardLink = await dashboardLoginLink({ store: createDashboardSessionStore(db), clock: emulators.clock }, config.server.publicUrl, { scope: 'write', issuedBy: 'sandbox', ...(sandboxTokenId !== undefined ? { tokenId: sandboxTokenId } : {}) })
  const shop = createPostgresShop(db, { sandbox: true })
  const orders = createPayLinkStore(db)
  const stripe = services.admin.stripe
  const { clock, simulated } = emulators
  const routes = createSandboxRoutes({
    telegram: emulators.telegram,
    clock,
    publicUrl: config.server.publicUrl.replace(/\/+$/, ''),
    orderState: async (orderId) => {
      const order = await orders.readOrder(orderId)
      return order === undefined ? undefined : { id: order.id, state: order.state }
    },
    afterClockAdvance: async () => {
      await expireOrders({ store: shop, now: clock.now(), ...(stripe !== undefined ? { beforeExpire: () => closeDueStripeCheckouts(stripe) } : {}) })
    },
    ...(simulated.payme && config.payme !== undefined ? { payme: { merchantId: config.payme.merchantId, key: config.payme.key } } : {}),
    ...(simulated.click && config.click !== undefined ? { click: { serviceId: config.click.serviceId, secretKey: config.click.secretKey } } : {}),
    ...(emulators.stripe !== undefined && config.stripe?.apiBase !== undefined ? { stripe: { emulator: emulators.stripe, apiBase: `http://${config.stripe.apiBase.host}:${config.stripe.apiBase.port}` } } : {})
  })
  return {
    routes,
    telegram: emulators.telegram,
    ...(emulators.stripe !== undefined ? { stripe: emulators.stripe } : {}),
    clock,
    adminToken,
    seeded,
    banner: sandboxBanner({ publicUrl: config.server.publicUrl, adminToken, chat: true, apiDocs: true, dashboardLink })
  }
}

/**
 * Going live (BOT_TOKEN set) keeps the sandbox's rows and the catalog; the log says how many rows
 * remain and how to drop them (DESIGN.md "The sandbox").
 */
async function reportSandboxRows (services: Services): Promise<void> {
  const left = await countSandboxRows({ store: createSandboxRowStore(services.database.db) })
  if (totalOf(left) === 0) return
  services.logger.warn({ sandboxRows: left },
    `live: ${left.customers} customers, ${left.orders} orders and ${left.events} events made in the sandbox remain (analytics leaves them out); ` +
    'drop them with `bozor sandbox clear`')
}

/** The control socket of a server on the embedded database, over the server's own stores and cache. */
function controlSocketOf (services: Services): ControlSocket | undefined {
  const { config, database, kv, clock, logger } = services
  if (database.kind !== 'pglite' || config.dataDir === IN_MEMORY) return undefined
  const controlLogger = logger.child({ module: 'control' })
  const control = controlServicesOf({ database, kv, cluster: config.redis?.cluster === true, clock, publicUrl: config.server.publicUrl, logger: controlLogger })
  return createControlSocket({
    path: join(config.dataDir, CONTROL_SOCKET_FILE),
    logger: controlLogger,
    handle: async (request) => {
      const response = await runControlRequest(control, request, controlLogger)
      controlLogger.info({ command: (request as { command?: unknown }).command, ok: response.ok, ...(response.ok ? {} : { code: response.error.code }) }, 'control command')
      return response
    }
  })
}

async function closeAll (logger: Logger, database: Database, opened: { kv: KvStore | undefined, emulators: SandboxEmulators | undefined }): Promise<void> {
  await opened.emulators?.close().catch((error: unknown) => logger.warn({ err: error }, 'stopping the sandbox emulators failed'))
  await opened.kv?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the key-value store failed'))
  await database.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the database failed'))
}

/**
 * Builds every service over open storage, once: stores, the limiter and the cache, the
 * providers, the bot, the outbox handlers and the jobs. Tests call it with their own database
 * and key-value store.
 */
export function composeServices (base: BaseDeps): Services {
  const { config, logger, clock, database, kv, metrics } = base
  const db = database.db
  const rateLimiter = base.rateLimiter ?? createRateLimiter({ kv, policies: config.orders.rateLimits, logger: logger.child({ module: 'rate-limit' }), metrics, clock })
  const cache = createCache({ kv, cluster: config.redis?.cluster === true, logger: logger.child({ module: 'cache' }) })
  const activity = createActivityLog({ kv, clock })
  // the bot's two key-value steps per update, and what keeps their customer cache right (issue 18)
  const steps = createUpdateSteps({ kv, policies: config.orders.rateLimits, sessionTtlMs: config.bot.sessionTtlS * 1000, clock })
  // in the sandbox, the customers, orders and events made carry `sandbox = true`
  const marks = { sandbox: base.sandboxRows === true }
  const shop = createPostgresShop(db, marks)
  // provider_audit: state changes write theirs in their own transaction; the rest are queued (issue 18)
  const audit = createProviderAudit(db, {
    onDrop: (n, reason) => { metrics.providerAuditDropped.inc({ reason }, n) },
    logger: logger.child({ module: 'provider-audit' }),
    ...(base.auditFlushMs !== undefined ? { intervalMs: base.auditFlushMs } : {})
  })
  const payLinks = createPayLinks(base.payLinkKey ?? randomBytes(32), config.server.publicUrl)
  const stripe = stripeDepsOf(base, payLinks)
  const clickApi = clickApiOf(config, clock)
  // analytics: sandbox rows counted only while in the sandbox (DESIGN.md "The sandbox")
  const analyticsStore = createAnalyticsStore(db, { timezone: config.analytics.timezone, sandbox: marks.sandbox, includeSandbox: marks.sandbox, retentionDays: config.analytics.eventRetentionDays })
  const analyticsBuffer = createEventBuffer({
    sink: analyticsStore,
    onDrop: (n, reason) => { metrics.analyticsDropped.inc({ reason }, n) },
    logger: logger.child({ module: 'analytics' }),
    now: () => clock.now(),
    ...(base.analyticsFlushMs !== undefined ? { intervalMs: base.analyticsFlushMs } : {})
  })
  const telegram = telegramOf(base, { rateLimiter, cache, activity, stripe, payLinks, analytics: analyticsBuffer, steps })
  const view = viewOptionsOf(config, payLinks, stripe)
  const stars = telegram === undefined
    ? undefined
    : { accepts: (order: { total: { currency: string } }) => order.total.currency === 'XTR', checkoutUrl: (order: Parameters<typeof telegram.stars.invoiceLink>[0], language: Parameters<typeof telegram.stars.invoiceLink>[1]) => telegram.stars.invoiceLink(order, language) }
  const clickRefunds = clickRefundLedgerOf(db)
  const photos = createPhotoStore(db)
  const queue = createOutboxQueue(db)
  const dashboardLogin: DashboardLoginDeps = { store: createDashboardSessionStore(db), clock }
  const broadcastStore = createBroadcastStore(db, marks)
  const broadcastWorker = telegram === undefined
    ? undefined
    : createBroadcastWorker({
      store: broadcastStore,
      sender: telegram.broadcasts,
      pacer: createBroadcastPacer({ kv, rate: config.broadcasts.rate, clock, logger: logger.child({ module: 'broadcasts' }) }),
      clock,
      logger,
      leaseMs: config.outbox.leaseS * 1000,
      soleInstance: database.kind === 'pglite'
    })
  const backgroundJobs = createBackgroundJobs({
    queue,
    handlers: {
      ...createOutboxHandlers(createFulfilmentStore(db)),
      ...clickOutboxHandlers({ ledger: clickRefunds, gateway: clickApi }),
      ...starsOutboxHandlers({ store: starsRefundStoreOf(db), gateway: telegram?.stars })
    },
    shop,
    audit,
    analytics: analyticsStore,
    clock,
    logger,
    soleInstance: database.kind === 'pglite',
    isDatabaseUnavailable,
    outboxLeaseMs: config.outbox.leaseS * 1000,
    outboxWakeups: (onWake) => database.listen(OUTBOX_CHANNEL, onWake),
    ...(stripe !== undefined ? { stripe } : {}),
    ...(telegram !== undefined ? { notifier: telegram.notifier } : {})
  })
  return {
    config,
    logger,
    metrics,
    clock,
    database,
    kv,
    health: { database, kv, ...(config.metricsToken !== undefined ? { metricsToken: config.metricsToken } : {}) },
    rateLimiter,
    ...(config.payme !== undefined ? { payme: { key: config.payme.key, ledger: paymeLedgerOf(db), audit, clock, onUnauthenticated: () => { metrics.providerUnauthenticated.inc({ provider: 'payme' }) } } } : {}),
    // with the Merchant API configured, a payment confirmed too late is reversed automatically
    ...(config.click !== undefined ? { click: { serviceId: config.click.serviceId, secretKey: config.click.secretKey, ledger: clickLedgerOf(db, { autoReverse: config.click.merchantUserId !== undefined }), audit, clock, onUnauthenticated: () => { metrics.providerUnauthenticated.inc({ provider: 'click' }) } } } : {}),
    ...(stripe !== undefined && config.stripe !== undefined ? { stripeWebhook: { stripe, webhookSecret: config.stripe.webhookSecret, live: config.stripe.secretKey.startsWith('sk_live_') } } : {}),
    media: { photos },
    pay: { store: createPayLinkStore(db), providers: payProvidersOf(config, stripe, stars), links: payLinks, defaultLanguage: config.bot.defaultLanguage, clock },
    admin: {
      settings: { ...(config.adminToken !== undefined ? { adminToken: config.adminToken } : {}), orderTtlS: config.orders.ttlS, digitalGoodsStarsOnly: config.bot.digitalGoodsStarsOnly, version: BOZOR_VERSION },
      view,
      clock,
      store: shop,
      orders: createOrderAdminStore(db),
      catalog: createCatalogAdminStore(db),
      audit: createAdminAudit(db),
      shopWords: publishingWords(createShopWordsStore(db), steps),
      photos,
      mediaUrl: `${config.server.publicUrl.replace(/\/+$/, '')}/media/photos`,
      tokens: { list: () => listAdminTokens(db), create: (input) => createAdminToken(db, input), revoke: (id) => revokeAdminToken(db, id), now: () => clock.now() },
      settingsInfo: {
        mode: config.mode.telegram === 'sandbox' ? 'sandbox' : 'live',
        providers: { payme: config.payme !== undefined, click: config.click !== undefined, stripe: config.stripe !== undefined, stars: telegram !== undefined },
        storage: { database: database.kind, kv: config.redis === undefined ? 'memory' : config.redis.cluster ? 'redis-cluster' : 'redis' },
        version: BOZOR_VERSION
      },
      verifyToken: (token) => verifyAdminToken(db, token),
      resumeSession: (sessionId) => resumeSession(dashboardLogin, sessionId),
      cache,
      broadcasts: { store: broadcastStore, clock, defaultLanguage: config.bot.defaultLanguage, ...(telegram !== undefined ? { sender: telegram.broadcasts } : {}) },
      customers: {
        activity,
        customers: createPostgresCustomerDirectory(db),
        store: forgettingCustomers(createCustomerAdminStore(db), steps),
        clock,
        // the bot's sessions (same keys as the bot's store): dropped when a customer is forgotten
        sessions: createSessionStore<BotSession>({ kv, ttlMs: config.bot.sessionTtlS * 1000, initial: initialSession })
      },
      refunds: {
        store: refundStoreOf(db),
        providers: refundProvidersOf({
          ...(stripe !== undefined ? { stripe } : {}),
          ...(clickApi !== undefined ? { click: clickRefundProvider({ ledger: clickRefunds, gateway: clickApi, now: () => clock.now() }) } : {}),
          ...(telegram !== undefined ? { stars: (request) => telegram.stars.refund(request) } : {})
        })
      },
      ...(stripe !== undefined ? { stripe } : {}),
      analytics: { store: analyticsStore, clock, timezone: config.analytics.timezone }
    },
    dashboard: {
      login: dashboardLogin,
      verify: tokenVerifierOf(config.adminToken, (token) => verifyAdminToken(db, token)),
      assetsDir: DASHBOARD_ASSETS_DIR,
      vendorDir: UPLOT_DIR,
      secureCookie: config.server.publicUrl.startsWith('https://'),
      timezone: config.analytics.timezone,
      sandbox: config.mode.telegram === 'sandbox'
    },
    analytics: analyticsBuffer,
    ...(telegram !== undefined ? { telegram } : {}),
    jobs: withAuditFlush(withBroadcastWorker(backgroundJobs, broadcastWorker), audit)
  }
}

/** The jobs, then the provider audit's queue written out, on stop (before the database closes). */
function withAuditFlush (jobs: BackgroundJobs, audit: { close(): Promise<void> }): BackgroundJobs {
  return { start () { jobs.start() }, async stop () { await jobs.stop(); await audit.close() } }
}

/** The periodic jobs and, when a bot runs, the broadcast worker: started and stopped together. */
function withBroadcastWorker (jobs: BackgroundJobs, worker: BroadcastWorker | undefined): BackgroundJobs {
  if (worker === undefined) return jobs
  // stop() is idempotent: the server stops the jobs before closing the pool, and app.ts again on close
  let stopping: Promise<unknown> | undefined
  return {
    start () { jobs.start(); worker.start() },
    async stop () {
      stopping ??= Promise.all([jobs.stop(), worker.stop()])
      await stopping
    }
  }
}

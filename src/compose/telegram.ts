/**
 * The bot's part of the composition root: the grammY runtime over the configured (or injected)
 * Bot API and its stores, and the wrappers that tell the bot's caches about the merchant's changes.
 */
import type { BaseDeps } from './base.js'
import { dashboardLoginLink } from './dashboard.js'
import { starsLedgerOf } from './payments.js'
import { viewOptionsOf } from './providers.js'
import { createShopWordsStore } from '../adapters/postgres/app-settings.js'
import { createPostgresBotStore } from '../adapters/postgres/bot-store.js'
import { createDashboardSessionStore } from '../adapters/postgres/dashboard-sessions.js'
import { isDatabaseUnavailable } from '../adapters/postgres/errors.js'
import { createLastSeenLog } from '../adapters/postgres/last-seen.js'
import { createPostgresShop } from '../adapters/postgres/orders-store.js'
import { createPhotoStore } from '../adapters/postgres/product-photos.js'
import type { createActivityLog } from '../adapters/redis/activity.js'
import type { createCache } from '../adapters/redis/cache.js'
import { createSessionStore } from '../adapters/redis/session-storage.js'
import { createUniques } from '../adapters/redis/uniques.js'
import type { createUpdateSteps } from '../adapters/redis/update-steps.js'
import { createTelegramRuntime, type TelegramRuntime } from '../adapters/telegram/runtime.js'
import { initialSession, type BotSession } from '../adapters/telegram/session.js'
import type { EventBuffer } from '../jobs/analytics-buffer.js'
import { createCatalogReads } from '../usecases/catalog-reads.js'
import type { CustomerAdminStore } from '../usecases/customers-admin.js'
import { createBotPhotos } from '../usecases/product-photos.js'
import type { RateLimiter } from '../usecases/ports-kv.js'
import type { PayLinks } from '../usecases/ports.js'
import { createShopWordsCache, type ShopWordsStore } from '../usecases/shop-words.js'
import type { StripeDeps } from '../usecases/stripe-payments.js'

/** The bot over the configured (or injected) Bot API, or undefined when there is none. */
export function telegramOf (base: BaseDeps, shared: { rateLimiter: RateLimiter, cache: ReturnType<typeof createCache>, activity: ReturnType<typeof createActivityLog>, stripe: StripeDeps | undefined, payLinks: PayLinks, analytics: EventBuffer, steps: ReturnType<typeof createUpdateSteps> }): TelegramRuntime | undefined {
  const { config, database, kv, clock } = base
  const target = base.telegram ?? (config.bot.token !== undefined ? { token: config.bot.token, apiRoot: config.bot.apiRoot } : undefined)
  if (target === undefined) return undefined
  const marks = { sandbox: base.sandboxRows === true }
  const botStore = createPostgresBotStore(database.db, marks)
  return createTelegramRuntime({
    ...target,
    settings: {
      defaultLanguage: config.bot.defaultLanguage,
      ...(config.bot.adminChatId !== undefined ? { adminChatId: config.bot.adminChatId } : {}),
      orderTtlS: config.orders.ttlS,
      digitalGoodsStarsOnly: config.bot.digitalGoodsStarsOnly,
      adminIds: config.bot.adminIds,
      publicUrl: config.server.publicUrl,
      mode: config.bot.mode,
      ...(config.bot.webhookSecret !== undefined ? { webhookSecret: config.bot.webhookSecret } : {})
    },
    logger: base.logger,
    clock,
    kv,
    ...(config.bot.adminIds.length > 0
      ? { dashboardLink: async (telegramId: number) => await dashboardLoginLink({ store: createDashboardSessionStore(database.db), clock }, config.server.publicUrl, { scope: 'write', issuedBy: `bot:${telegramId}` }) }
      : {}),
    sessions: createSessionStore<BotSession>({ kv, ttlMs: config.bot.sessionTtlS * 1000, initial: initialSession }),
    isDatabaseUnavailable,
    payUrl: shared.payLinks.url,
    limiter: shared.rateLimiter,
    store: botStore,
    catalog: createCatalogReads({ store: botStore, cache: shared.cache }),
    shopWords: createShopWordsCache(createShopWordsStore(database.db)),
    photos: createBotPhotos(createPhotoStore(database.db)),
    activity: shared.activity,
    uniques: createUniques({ kv, clock }),
    shop: createPostgresShop(database.db, marks),
    stars: starsLedgerOf(database.db),
    offer: viewOptionsOf(config, shared.payLinks, shared.stripe).offer,
    analytics: shared.analytics,
    steps: shared.steps,
    lastSeen: createLastSeenLog(database.db, {
      ...(base.lastSeenFlushMs !== undefined ? { intervalMs: base.lastSeenFlushMs } : {}),
      onMissing: (ids) => { for (const id of ids) shared.steps.forgetCustomer(id).catch(() => {}) },
      onError: (err) => base.logger.warn({ module: 'bot', err }, 'last-seen times not written')
    }),
    metrics: base.metrics
  })
}

/** The merchant's block, unblock and forget change what the bot caches of a customer: each drops the cached record. */
export function forgettingCustomers (store: CustomerAdminStore, steps: ReturnType<typeof createUpdateSteps>): CustomerAdminStore {
  const forget = async <T>(telegramId: number, result: T): Promise<T> => {
    await steps.forgetCustomer(telegramId).catch(() => {})
    return result
  }
  return {
    ...store,
    setBlocked: async (telegramId, blocked, now) => await forget(telegramId, await store.setBlocked(telegramId, blocked, now)),
    forget: async (telegramId, anonymousId, now) => await forget(telegramId, await store.forget(telegramId, anonymousId, now))
  }
}

/** A change of the shop's words is published to the store, so every instance's next update sees it without SQL. */
export function publishingWords (store: ShopWordsStore, steps: ReturnType<typeof createUpdateSteps>): ShopWordsStore {
  return {
    ...store,
    write: async (change) => {
      const written = await store.write(change)
      await steps.publishWordsVersion(written.version).catch(() => {})
      return written
    }
  }
}

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
import type { Database } from './adapters/postgres/database.js'
import type { KvStore } from './adapters/redis/kv-store.js'
import type { Clock } from './domain/shared/clock.js'

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
  await app.register(payRoutes, { config: deps.config, database: deps.database, clock: deps.clock })
  const cache = deps.cache ?? createCache({ kv: deps.kv, cluster: deps.config.redis?.cluster === true, logger: deps.logger })
  await app.register(adminRoutes, { prefix: '/api/v1', config: deps.config, clock: deps.clock, store: createPostgresShop(deps.database.db), verifyToken: (token) => verifyAdminToken(deps.database.db, token), cache })
  await app.register(backgroundJobs, { db: deps.database.db, clock: deps.clock, logger: deps.logger })
  return app as unknown as App
}

/** Fastify reads a hop count as "trust the n nearest proxies"; its types want a function for that. */
function toTrustProxy (value: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof value !== 'number') return value
  return (_address, hop) => hop < value
}

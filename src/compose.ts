/**
 * Composition root: the only module that picks concrete adapters, following Config.mode
 * (DESIGN.md "Runtime modes"): PGlite or PostgreSQL, the memory store or Redis (single node or
 * Cluster), the sandbox emulators or the real services.
 */
import type { Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { createMetrics, type Metrics } from './metrics.js'
import { openDatabase, type Database } from './adapters/postgres/database.js'
import type { KvStore } from './adapters/redis/kv-store.js'
import { createMemoryKv } from './adapters/redis/memory-kv.js'
import { createRedisKv } from './adapters/redis/redis-kv.js'
import { createRateLimiter, type RateLimiter } from './adapters/redis/rate-limiter.js'
import { createCache, type Cache } from './adapters/redis/cache.js'
import { systemClock, type Clock } from './domain/shared/clock.js'
import { createTelegramEmulator, type TelegramEmulator } from './sandbox/telegram/index.js'

export interface Deps {
  config: Config
  logger: Logger
  metrics: Metrics
  clock: Clock
  database: Database
  kv: KvStore
  rateLimiter: RateLimiter
  /** Shared cache over `kv` (catalog reads). */
  cache: Cache
  /** Sandbox mode (no BOT_TOKEN): the built-in Bot API emulator the bot talks to, on a loopback port. */
  telegram?: { token: string, apiRoot: string, emulator: TelegramEmulator }
  /** Closes what compose opened, in reverse order. Idempotent. */
  close(): Promise<void>
}

export interface ComposeOptions {
  logger?: Logger
  clock?: Clock
}

/** Opens storage and runs migrations; the returned deps are ready for buildApp. */
export async function compose (config: Config, options: ComposeOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger({ level: config.server.logLevel, secrets: config.secrets })
  const clock = options.clock ?? systemClock
  const metrics = createMetrics()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: logger.child({ module: 'database' }) })
  let kv: KvStore | undefined
  try {
    await database.migrate()
    kv = createKv(config, logger, clock)
  } catch (error) {
    await database.close()
    throw error
  }
  const rateLimiter = createRateLimiter({ kv, policies: config.orders.rateLimits, logger: logger.child({ module: 'rate-limit' }), metrics, clock })
  const cache = createCache({ kv, cluster: config.redis?.cluster === true, logger: logger.child({ module: 'cache' }) })
  let telegram: Deps['telegram']
  if (config.mode.telegram === 'sandbox') {
    const emulator = createTelegramEmulator({ clock })
    const { url } = await emulator.start({ host: '127.0.0.1', port: 0 })
    telegram = { token: emulator.token, apiRoot: url, emulator }
  }
  let closing: Promise<void> | undefined
  return {
    config,
    logger,
    metrics,
    clock,
    database,
    kv,
    rateLimiter,
    cache,
    ...(telegram !== undefined ? { telegram } : {}),
    close () {
      closing ??= (async () => {
        await telegram?.emulator.close().catch((error: unknown) => logger.warn({ err: error }, 'stopping the Telegram emulator failed'))
        await kv.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the key-value store failed'))
        await database.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the database failed'))
      })()
      return closing
    }
  }
}

function createKv (config: Config, logger: Logger, clock: Clock): KvStore {
  const kvLogger = logger.child({ module: 'kv' })
  if (config.redis === undefined) return createMemoryKv({ clock, prefix: config.kvPrefix })
  return config.redis.cluster
    ? createRedisKv({ cluster: true, nodes: config.redis.nodes, prefix: config.kvPrefix, logger: kvLogger })
    : createRedisKv({ cluster: false, url: config.redis.url, prefix: config.kvPrefix, logger: kvLogger })
}

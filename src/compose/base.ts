/**
 * What the composition root builds the services over (part of the composition root; `compose.ts`
 * re-exports it for tests that compose their own storage).
 */
import type { Middleware } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import type { BotContext } from '../adapters/telegram/context.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../domain/shared/clock.js'
import type { Database } from '../adapters/postgres/database.js'
import type { KvStore } from '../adapters/redis/kv-store.js'
import type { RateLimiter } from '../usecases/ports-kv.js'
import type { StripeGateway } from '../usecases/ports-stripe.js'

/** What the services are built over: configuration, storage, and what a test may replace. */
export interface BaseDeps {
  config: Config
  logger: Logger
  metrics: Metrics
  clock: Clock
  database: Database
  kv: KvStore
  /** Replaces the limiter built over `kv` with the configured policies. */
  rateLimiter?: RateLimiter
  /** The pay-link signing key kept in the database (compose loads it); a random one when absent (tests). */
  payLinkKey?: Uint8Array
  /** Replaces the Stripe gateway over the official SDK (when Stripe is configured). */
  stripeGateway?: StripeGateway
  /**
   * Where the bot talks to: the sandbox's emulator, or a test's. When absent the bot runs only
   * with BOT_TOKEN set, against TELEGRAM_API_ROOT.
   */
  telegram?: { token: string, apiRoot: string, botInfo?: UserFromGetMe, onFatal?: (error: Error) => void, /** one message a second per chat, unless a test raises the rate */ chatGapMs?: number, /** middleware after the session, before the shop's features (benchmarks count session writes with it) */ extraFeature?: Middleware<BotContext> }
  /** Sandbox mode: the customers, orders and analytics events made carry `sandbox = true` (compose sets it). */
  sandboxRows?: boolean
  /** How long the bot's analytics events wait in memory before a batch is written [1 s] (tests that count statements set it long). */
  analyticsFlushMs?: number
  /** How often returning customers' last-seen times are written [1000 ms]; tests set it long so only stop() writes them. */
  lastSeenFlushMs?: number
  /** How long queued provider audit rows wait before a batch is written [1 s] (tests that count statements set it long). */
  auditFlushMs?: number
}

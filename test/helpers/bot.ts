/**
 * startBotApp(t): the whole app with the bot talking to a fresh Telegram emulator over HTTP,
 * listening on a loopback port (so polling, or the emulator's webhook pushes, run for real),
 * over this leg's storage. Everything is closed in t.after.
 */
import type { TestContext } from 'node:test'
import { loadConfig, type Config } from '../../src/config.js'
import { buildApp, type App } from '../../src/app.js'
import { composeServices, type BaseDeps } from '../../src/compose.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics.js'
import { createRateLimiter } from '../../src/adapters/redis/rate-limiter.js'
import { systemClock, type Clock } from '../../src/domain/shared/clock.js'
import { createTelegramEmulator, type TelegramEmulator, type TelegramEmulatorOptions, type TelegramTestUser, type TgMessage } from '../../src/sandbox/telegram/index.js'
import { captureStream } from './app.js'
import { createTestDb } from './db.js'
import { createTestKv, freePort } from './kv.js'
import { TEST_PAY_LINK_KEY } from './pay-links.js'
import { recordGoldenAnswers } from './golden.js'

export const ADMIN_CHAT_ID = -1001234567890
export const WEBHOOK_SECRET = 'test_webhook_secret-123'

export interface BotAppOptions {
  env?: Record<string, string>
  mode?: 'polling' | 'webhook'
  database?: BaseDeps['database']
  kv?: BaseDeps['kv']
  clock?: Clock
  emulator?: TelegramEmulator
  emulatorOptions?: TelegramEmulatorOptions
  /** Called instead of exiting when polling cannot go on. */
  onFatal?: (error: Error) => void
  /**
   * The smallest gap between two bot messages to one chat [0: tests type faster than people, as
   * with RATE_LIMITS]; the broadcast tests keep the real second.
   */
  chatGapMs?: number
}

export interface BotApp {
  app: App
  config: Config
  emulator: TelegramEmulator
  logs: string[]
  database: BaseDeps['database']
  kv: BaseDeps['kv']
  url: string
}

export async function startBotApp (t: TestContext, options: BotAppOptions = {}): Promise<BotApp> {
  const clock = options.clock ?? systemClock
  const emulator = options.emulator ?? createTelegramEmulator({ clock, ...options.emulatorOptions })
  if (options.emulator === undefined) await emulator.start({ host: '127.0.0.1', port: 0 })
  const port = await freePort()
  const mode = options.mode ?? 'polling'
  const config = loadConfig({
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TELEGRAM_MODE: mode,
    ADMIN_CHAT_ID: String(ADMIN_CHAT_ID),
    PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
    PAYME_KEY: 'payme-test-key',
    CLICK_SERVICE_ID: '1001',
    CLICK_MERCHANT_ID: '2002',
    CLICK_SECRET_KEY: 'click-test-secret',
    ...(mode === 'webhook' ? { TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET } : {}),
    // tests type faster than people: the limiter has its own test
    RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'checkout.attempt': [{ limit: 1000, windowS: 600 }] }),
    ...options.env
  })
  const logs: string[] = []
  const logger = createLogger({ level: config.server.logLevel, secrets: [...config.secrets, emulator.token], destination: captureStream(logs) })
  const database = options.database ?? await createTestDb(t)
  const kv = options.kv ?? await createTestKv(t)
  const metrics = createMetrics()
  const rateLimiter = createRateLimiter({ kv, policies: config.orders.rateLimits, logger, metrics, clock })
  const app = await buildApp(composeServices({
    config,
    logger,
    metrics,
    database,
    kv,
    clock,
    rateLimiter,
    payLinkKey: TEST_PAY_LINK_KEY,
    telegram: { token: emulator.token, apiRoot: emulator.url!, chatGapMs: options.chatGapMs ?? 0, ...(options.onFatal !== undefined ? { onFatal: options.onFatal } : {}) }
  }))
  // golden protocol answers (test/helpers/golden.ts): compared when the test ends
  recordGoldenAnswers(t, app, { wallClock: clock === systemClock })
  t.after(() => app.close())
  // after hooks run in order: the app stops first, then the Telegram it talks to
  if (options.emulator === undefined) t.after(() => emulator.close())
  await app.listen({ port, host: '127.0.0.1' })
  return { app, config, emulator, logs, database, kv, url: `http://127.0.0.1:${port}` }
}

/**
 * The user's next bot message whose text (or caption, or invoice title) matches, skipping up to
 * five others (a welcome, a notice) on the way.
 */
export async function nextMatching (user: TelegramTestUser, match: RegExp, timeoutMs = 30_000): Promise<TgMessage> {
  for (let i = 0; i < 6; i++) {
    const message = await user.nextBotMessage({ timeoutMs })
    if (match.test(message.text ?? message.caption ?? message.invoice?.title ?? '')) return message
  }
  throw new Error(`no bot message matching ${String(match)}`)
}

/**
 * buildTestApp(t): the whole app over this leg's storage (a database of its own, a key prefix of
 * its own), closed in t.after. Options replace single dependencies for a test.
 */
import type { TestContext } from 'node:test'
import { Writable } from 'node:stream'
import { loadConfig, type Config } from '../../src/config.js'
import { buildApp, type App } from '../../src/app.js'
import { composeServices, type BaseDeps } from '../../src/compose.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics } from '../../src/metrics.js'
import { createTestDb } from './db.js'
import { createTestKv } from './kv.js'
import { TEST_PAY_LINK_KEY } from './pay-links.js'
import { systemClock, type Clock } from '../../src/domain/shared/clock.js'
import { createRateLimiter } from '../../src/adapters/redis/rate-limiter.js'
import { recordGoldenAnswers } from './golden.js'

export interface TestAppOptions {
  env?: Record<string, string>
  database?: BaseDeps['database']
  kv?: BaseDeps['kv']
  clock?: Clock
  rateLimiter?: BaseDeps['rateLimiter']
}

export interface TestApp {
  app: App
  config: Config
  /** Every log line the app wrote, as text. */
  logs: string[]
}

export function captureStream (lines: string[]): Writable {
  return new Writable({
    write (chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    }
  })
}

export async function buildTestApp (t: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: 'info', ...options.env })
  const logs: string[] = []
  const logger = createLogger({ level: config.server.logLevel, secrets: config.secrets, destination: captureStream(logs) })
  const database = options.database ?? await createTestDb(t)
  const kv = options.kv ?? await createTestKv(t)
  const metrics = createMetrics()
  const clock = options.clock ?? systemClock
  const rateLimiter = options.rateLimiter ?? createRateLimiter({ kv, policies: config.orders.rateLimits, logger, metrics, clock })
  const app = await buildApp(composeServices({ config, logger, metrics, database, kv, clock, rateLimiter, payLinkKey: TEST_PAY_LINK_KEY }))
  // golden protocol answers (test/helpers/golden.ts): compared when the test ends
  recordGoldenAnswers(t, app, { wallClock: clock === systemClock })
  t.after(() => app.close())
  return { app, config, logs }
}

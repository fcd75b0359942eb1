/**
 * The app as buildTestApp builds it, but with the provider audit's queue written only on stop
 * (`auditFlushMs` of an hour), so a test can count one call's statements without a batch of an
 * earlier call landing in the count; `stop()` writes the queue (what closing the app does).
 * Golden answers are recorded as in buildTestApp.
 */
import type { TestContext } from 'node:test'
import { buildApp, type App } from '../../src/app.js'
import { composeServices, type Services } from '../../src/compose.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/adapters/postgres/database.js'
import type { Clock } from '../../src/domain/shared/clock.js'
import { createLogger } from '../../src/logger.js'
import { createMetrics, type Metrics } from '../../src/metrics.js'
import { captureStream } from '../helpers/app.js'
import { recordGoldenAnswers } from '../helpers/golden.js'
import { createTestKv } from '../helpers/kv.js'
import { TEST_PAY_LINK_KEY } from '../helpers/pay-links.js'

export interface CostApp {
  app: App
  metrics: Metrics
  services: Services
  /** Writes the queued audit rows (the jobs' stop, as on close). */
  flushAudit(): Promise<void>
}

export async function buildCostApp (t: TestContext, env: Record<string, string>, database: Database, clock: Clock): Promise<CostApp> {
  const config = loadConfig({ LOG_LEVEL: 'info', ...env })
  const logs: string[] = []
  const logger = createLogger({ level: config.server.logLevel, secrets: config.secrets, destination: captureStream(logs) })
  const kv = await createTestKv(t)
  const metrics = createMetrics()
  const services = composeServices({ config, logger, metrics, database, kv, clock, payLinkKey: TEST_PAY_LINK_KEY, auditFlushMs: 3_600_000 })
  const app = await buildApp(services)
  recordGoldenAnswers(t, app, { wallClock: false })
  t.after(() => app.close())
  return { app, metrics, services, flushAudit: async () => { await services.jobs.stop() } }
}

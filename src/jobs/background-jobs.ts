/**
 * The expiry job and the outbox worker on unref'd intervals. Started when the server listens
 * (`onListen`, so `inject()` tests never run them) and stopped on close (STYLE R14).
 *
 * @example
 * await app.register(backgroundJobs, { db, clock, logger, orderTtlS })
 */
import type { FastifyInstance } from 'fastify'
import type { Db } from '../adapters/postgres/database.js'
import { createPostgresShop } from '../adapters/postgres/orders-store.js'
import { releaseForeignOutboxLeases } from '../adapters/postgres/outbox.js'
import { pruneProviderAudit } from '../adapters/postgres/provider-audit.js'
import type { Clock } from '../domain/shared/clock.js'
import { expireOrders } from '../usecases/expire-orders.js'
import { closeDueStripeCheckouts, retryPendingStripeRefunds, type StripeDeps } from '../usecases/stripe-payments.js'
import { createLoggingNotifier, type Notifier } from './notifier.js'
import { DEFAULT_HANDLERS, type OutboxHandler } from './outbox-handlers.js'
import { createOutboxWorker, OUTBOX_INSTANCE, type WorkerLogger } from './outbox-worker.js'

export interface BackgroundJobsOptions {
  db: Db
  clock: Clock
  logger: WorkerLogger
  notifier?: Notifier
  /** Outbox handlers added to (or replacing) the default table, e.g. `click.reverse`. */
  handlers?: Readonly<Record<string, OutboxHandler>>
  expiryIntervalMs?: number
  outboxIntervalMs?: number
  /** How often provider audit rows older than 90 days are deleted [1 h]. */
  auditPruneIntervalMs?: number
  /** Stripe's use-case deps: open sessions are expired before their orders, pending refunds resent. */
  stripe?: StripeDeps
  /** How often pending Stripe refunds are sent again [1 min]. */
  stripeRefundIntervalMs?: number
  /**
   * No other process can use this database (the embedded PGlite, guarded by its data-dir lock):
   * outbox leases other processes left are a dead process's and are freed before the first run,
   * instead of waiting for them to expire.
   */
  soleInstance?: boolean
}

/** Starts both loops; `stop()` waits for a run in progress. Idempotent. */
export function startBackgroundJobs (options: BackgroundJobsOptions): { stop(): Promise<void> } {
  const store = createPostgresShop(options.db)
  const worker = createOutboxWorker({ db: options.db, clock: options.clock, logger: options.logger, notifier: options.notifier ?? createLoggingNotifier(options.logger), handlers: { ...DEFAULT_HANDLERS, ...options.handlers } })
  const running = new Set<Promise<unknown>>()
  let leasesFreed = options.soleInstance !== true
  const stripe = options.stripe
  const loop = (name: string, ms: number, work: () => Promise<unknown>): NodeJS.Timeout => {
    let busy = false
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      const run = work().catch((err: unknown) => options.logger.error({ module: 'jobs', job: name, err }, 'background job failed'))
        .finally(() => { busy = false; running.delete(run) })
      running.add(run)
    }, ms)
    timer.unref()
    return timer
  }
  const timers = [
    loop('expiry', options.expiryIntervalMs ?? 30_000, () => expireOrders({ store, now: options.clock.now(), ...(stripe !== undefined ? { beforeExpire: () => closeDueStripeCheckouts(stripe) } : {}) })),
    loop('outbox', options.outboxIntervalMs ?? 1_000, async () => {
      if (!leasesFreed) {
        const freed = await releaseForeignOutboxLeases(options.db, OUTBOX_INSTANCE)
        if (freed > 0) options.logger.info({ module: 'outbox', freed }, 'freed outbox leases of an earlier process')
        leasesFreed = true
      }
      return await worker.runOnce()
    }),
    ...(stripe !== undefined ? [loop('stripe-refunds', options.stripeRefundIntervalMs ?? 60_000, () => retryPendingStripeRefunds(stripe))] : []),
    loop('audit-prune', options.auditPruneIntervalMs ?? 3_600_000, () => pruneProviderAudit(options.db, options.clock.now()))
  ]
  let stopping: Promise<void> | undefined
  return {
    stop () {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t)
        await Promise.allSettled([...running])
      })()
      return stopping
    }
  }
}

/** Fastify plugin: start on listen, stop on close. */
export async function backgroundJobs (app: FastifyInstance, options: BackgroundJobsOptions): Promise<void> {
  let jobs: { stop(): Promise<void> } | undefined
  app.addHook('onListen', async () => { jobs ??= startBackgroundJobs(options) })
  app.addHook('onClose', async () => { await jobs?.stop() })
}

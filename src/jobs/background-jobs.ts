/**
 * The periodic jobs on unref'd intervals: order expiry, the outbox worker, pending Stripe refunds
 * and the provider-audit prune. `app.ts` starts them when the server listens (so `inject()` tests
 * never run them) and stops them on close (STYLE R14); `compose.ts` builds them.
 *
 * @example
 * const jobs = createBackgroundJobs({ queue, handlers, shop, audit, clock, logger })
 * jobs.start()
 * await jobs.stop()
 */
import type { Clock } from '../domain/shared/clock.js'
import { expireOrders } from '../usecases/expire-orders.js'
import type { ShopStore } from '../usecases/ports.js'
import type { Notifier } from '../usecases/ports-notifier.js'
import type { OutboxQueue } from '../usecases/ports-outbox.js'
import { closeDueStripeCheckouts, retryPendingStripeRefunds, type StripeDeps } from '../usecases/stripe-payments.js'
import { createLoggingNotifier } from './notifier.js'
import type { OutboxHandler } from './outbox-handlers.js'
import { createOutboxWorker, OUTBOX_INSTANCE, type WorkerLogger } from './outbox-worker.js'

export interface BackgroundJobsOptions<Tx> {
  /** The outbox table. */
  queue: OutboxQueue<Tx>
  /** Outbox handlers by topic. */
  handlers: Readonly<Record<string, OutboxHandler<Tx>>>
  /** Orders (expiry). */
  shop: ShopStore
  /** Analytics: `maintain(now)` rolls up finished days and removes raw events past EVENT_RETENTION_DAYS. */
  analytics?: { maintain(now: number): Promise<unknown> }
  /** How often analytics maintenance runs [10 min]. */
  analyticsIntervalMs?: number
  /** Provider audit rows: `prune(now)` deletes those older than 90 days. */
  audit: { prune(now: number): Promise<number> }
  clock: Clock
  logger: WorkerLogger
  /** Where deliveries go; without a bot they are only logged. */
  notifier?: Notifier
  /** Tells a "database unreachable" error (the outbox worker retries recording a done step then). */
  isDatabaseUnavailable?: (error: unknown) => boolean
  /**
   * How the outbox worker claims and runs rows [50 per claim, 8 keys at once, 1000 per run];
   * `{ batch: 1, concurrency: 1, maxPerRun: 50 }` with no `outboxWakeups` is the behaviour before
   * decision 0046 (the outbox benchmark's baseline).
   */
  outboxWorker?: { batch?: number, concurrency?: number, maxPerRun?: number }
  /** Outbox lease length [OUTBOX_LEASE_MS]; renewed four times per lease while a row runs. */
  outboxLeaseMs?: number
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
  /**
   * Subscribes to "outbox rows were committed" hints (LISTEN/NOTIFY on PostgreSQL, PGlite's own
   * listener embedded): the worker runs at once instead of at its next poll, which stays as the
   * fallback. Resolves to the unsubscribe function.
   */
  outboxWakeups?: (onWake: () => void) => Promise<() => Promise<void>>
}

export interface BackgroundJobs {
  /** Starts the loops; idempotent. */
  start(): void
  /** Stops the loops and waits for a run in progress; idempotent. */
  stop(): Promise<void>
}

export function createBackgroundJobs<Tx> (options: BackgroundJobsOptions<Tx>): BackgroundJobs {
  let running: { stop(): Promise<void> } | undefined
  let stopped = false
  return {
    start () {
      if (running !== undefined || stopped) return
      running = startLoops(options)
    },
    async stop () {
      stopped = true
      await running?.stop()
    }
  }
}

function startLoops<Tx> (options: BackgroundJobsOptions<Tx>): { stop(): Promise<void> } {
  const { queue, shop } = options
  const leases = options.outboxLeaseMs === undefined ? {} : { leaseMs: options.outboxLeaseMs, leaseRenewMs: Math.max(1000, Math.floor(options.outboxLeaseMs / 4)) }
  const worker = createOutboxWorker({ queue, clock: options.clock, logger: options.logger, notifier: options.notifier ?? createLoggingNotifier(options.logger), handlers: options.handlers, ...leases, ...options.outboxWorker, ...(options.isDatabaseUnavailable !== undefined ? { isUnavailable: options.isDatabaseUnavailable } : {}) })
  const running = new Set<Promise<unknown>>()
  let leasesFreed = options.soleInstance !== true
  const stripe = options.stripe
  const loop = (name: string, ms: number, work: () => Promise<unknown>): { timer: NodeJS.Timeout, kick(): void } => {
    let busy = false
    let again = false
    const tick = (): void => {
      if (busy) { again = true; return }
      busy = true
      again = false
      const run = work().catch((err: unknown) => options.logger.error({ module: 'jobs', job: name, err }, 'background job failed'))
        .finally(() => {
          busy = false
          running.delete(run)
          // a wake-up that came in while running: run once more at once
          if (again && !stopped) tick()
        })
      running.add(run)
    }
    const timer = setInterval(tick, ms)
    timer.unref()
    return { timer, kick: tick }
  }
  let stopped = false
  const outbox = loop('outbox', options.outboxIntervalMs ?? 1_000, async () => {
    if (!leasesFreed) {
      const freed = await queue.releaseForeign(OUTBOX_INSTANCE)
      if (freed > 0) options.logger.info({ module: 'outbox', freed }, 'freed outbox leases of an earlier process')
      leasesFreed = true
    }
    return await worker.runOnce()
  })
  // LISTEN is a hint: polling above stays the truth when it is down
  const unlisten = options.outboxWakeups?.(() => { if (!stopped) outbox.kick() })
    .catch((err: unknown) => { options.logger.warn({ module: 'outbox', err }, 'outbox wake-ups unavailable; polling only'); return undefined })
  const timers = [
    outbox.timer,
    loop('expiry', options.expiryIntervalMs ?? 30_000, () => expireOrders({ store: shop, now: options.clock.now(), ...(stripe !== undefined ? { beforeExpire: () => closeDueStripeCheckouts(stripe) } : {}) })).timer,
    ...(stripe !== undefined ? [loop('stripe-refunds', options.stripeRefundIntervalMs ?? 60_000, () => retryPendingStripeRefunds(stripe)).timer] : []),
    loop('audit-prune', options.auditPruneIntervalMs ?? 3_600_000, () => options.audit.prune(options.clock.now())).timer,
    ...(options.analytics !== undefined ? [loop('analytics', options.analyticsIntervalMs ?? 600_000, () => options.analytics!.maintain(options.clock.now())).timer] : [])
  ]
  let stopping: Promise<void> | undefined
  return {
    stop () {
      stopping ??= (async () => {
        stopped = true
        for (const t of timers) clearInterval(t)
        // rows in flight finish; rows claimed but not started are released to other instances;
        // nothing touches the database after this resolves (the pool closes next)
        worker.stop()
        await (await unlisten)?.().catch(() => {})
        await Promise.allSettled([...running])
      })()
      return stopping
    }
  }
}

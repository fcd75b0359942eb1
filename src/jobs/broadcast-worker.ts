/**
 * The broadcast worker of one instance: every `intervalMs` it runs a round (runBroadcastRound:
 * start what is due, claim and send batches until nothing is left). Every instance runs one;
 * they share the recipients through leases and the pace through the key-value store. `stop()`
 * sends nothing more, waits for the copies in flight to be recorded and frees its leases, so
 * another instance (or the restart) carries on at once.
 *
 * @example
 * const worker = createBroadcastWorker({ store, sender, pacer, clock, logger, leaseMs: 60_000 })
 * worker.start()
 * await worker.stop()
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Clock } from '../domain/shared/clock.js'
import type { BroadcastPacer, BroadcastSender, BroadcastStore } from '../usecases/broadcasts/ports.js'
import { runBroadcastRound } from '../usecases/broadcasts/send-broadcasts.js'
import type { WorkerLogger } from './outbox-worker.js'

export interface BroadcastWorkerOptions {
  store: BroadcastStore
  sender: BroadcastSender
  pacer: BroadcastPacer
  clock: Clock
  logger: WorkerLogger
  /** How long a claimed recipient stays with a worker that stopped renewing (OUTBOX_LEASE_S). */
  leaseMs: number
  /** How often a round starts when the last one found nothing [500 ms]. */
  intervalMs?: number
  /** Recipients per claim [half a second of the pace, 1 to 100]. */
  batchSize?: number
  /** No other process uses this database (PGlite): leases left by an earlier process are freed at start. */
  soleInstance?: boolean
}

export interface BroadcastWorker {
  start(): void
  stop(): Promise<void>
  /** Runs one round now (tests, benchmarks). */
  runOnce(): Promise<{ started: number, sent: number, other: number }>
}

/**
 * This process in lease owners (`host:pid:random`); each worker adds `#n`. Leases of this process
 * are live (several workers may run in one process: tests, benchmarks); others on the embedded
 * database are a dead process's.
 */
const BROADCAST_PROCESS = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
let workers = 0

export function createBroadcastWorker (options: BroadcastWorkerOptions): BroadcastWorker {
  const owner = `${BROADCAST_PROCESS}#${++workers}`
  const log = { info: (obj: object, msg: string) => options.logger.info(obj, msg), warn: (obj: object, msg: string) => options.logger.warn(obj, msg) }
  const batchSize = options.batchSize ?? Math.max(1, Math.min(100, Math.ceil(1000 / options.pacer.intervalMs / 2)))
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let freed = options.soleInstance !== true
  const round = async (): Promise<{ started: number, sent: number, other: number }> => {
    if (!freed) {
      const n = await options.store.releaseForeign(BROADCAST_PROCESS + '#')
      if (n > 0) options.logger.info({ module: 'broadcasts', freed: n }, 'freed broadcast leases of an earlier process')
      freed = true
    }
    return await runBroadcastRound({
      store: options.store,
      sender: options.sender,
      pacer: options.pacer,
      now: () => options.clock.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      owner,
      leaseMs: options.leaseMs,
      batchSize,
      logger: log
    }, () => stopping)
  }
  const runOnce = (): Promise<{ started: number, sent: number, other: number }> => {
    const run = (running ?? Promise.resolve()).catch(() => {}).then(round)
    running = run
    return run
  }
  return {
    start () {
      if (timer !== undefined || stopping) return
      let busy = false
      timer = setInterval(() => {
        if (busy) return
        busy = true
        runOnce().catch((err: unknown) => options.logger.error({ module: 'broadcasts', err }, 'broadcast round failed'))
          .finally(() => { busy = false })
      }, options.intervalMs ?? 500)
      timer.unref()
    },
    async stop () {
      stopping = true
      clearInterval(timer)
      await running?.catch(() => {})
      await options.store.release(owner).catch((err: unknown) => options.logger.warn({ module: 'broadcasts', err }, 'could not free broadcast leases'))
    },
    runOnce
  }
}

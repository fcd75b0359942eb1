/**
 * Works off the outbox (DESIGN.md) without holding a database transaction across a network call
 * (STYLE R8; decision 0010). A row is claimed with a lease in a short transaction (`FOR UPDATE
 * SKIP LOCKED` only there, so several workers and instances share the work and never run one row
 * at once); its topic's handler then runs outside any transaction while a timer renews the
 * lease. Each completed step is recorded in its own short transaction, together with the step's
 * state change, and only while the lease is still this worker's; the row is then marked done, or,
 * when the handler throws, retried later with exponential backoff (`available_at`) and its lease
 * freed. A worker that dies leaves its lease to expire ({@link OUTBOX_LEASE_MS}), and another
 * worker takes the row over; a crash repeats at most the step in flight, never one recorded done
 * (DESIGN.md: only the message being sent may repeat).
 *
 * @example
 * const worker = createOutboxWorker({ queue: createOutboxQueue(db), clock, notifier, logger, handlers })
 * await worker.runOnce() // rows handled
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Clock } from '../domain/shared/clock.js'
import type { ClaimedOutboxRow, OutboxQueue } from '../usecases/ports-outbox.js'
import type { OutboxHandler } from './outbox-handlers.js'
import type { Notifier } from '../usecases/ports-notifier.js'

/**
 * How long a claimed row stays with its worker without a renewal: the longest a crashed
 * worker's row waits before another worker takes it over. The holder renews it every
 * {@link OUTBOX_LEASE_RENEW_MS} while a step runs, so a step may take longer than this (a Bot
 * API call with timeouts and retries can take minutes; a Click reversal call up to 15 s).
 */
export const OUTBOX_LEASE_MS = 10_000

/** How often a worker renews the lease of the row it works on (four chances per lease). */
export const OUTBOX_LEASE_RENEW_MS = 2_500

/**
 * This process's name in lease owners (`host:pid:random`); each claim adds `#n`. The random part
 * tells a restarted process from a dead one with the same host and pid (pid 1 in containers).
 */
export const OUTBOX_INSTANCE = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`

let claims = 0

export interface WorkerLogger { info(obj: object, msg?: string): void, warn(obj: object, msg?: string): void, error(obj: object, msg?: string): void }

export interface OutboxWorkerOptions<Tx> {
  /** The outbox table (adapters/postgres/outbox.ts `createOutboxQueue`). */
  queue: OutboxQueue<Tx>
  clock: Clock
  notifier: Notifier
  logger: WorkerLogger
  /** Handlers by topic (`createOutboxHandlers` and the providers' own). */
  handlers: Readonly<Record<string, OutboxHandler<Tx>>>
  /** Rows claimed at once [50]. */
  batch?: number
  /** Rows (of different ordering keys) delivered at once [8]. */
  concurrency?: number
  /** Rows one run handles at most before it yields to the next tick or wake-up [`batch` × 20]. */
  maxPerRun?: number
  /** First retry delay [1000 ms], doubling per attempt up to `maxBackoffMs` [1 h]. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** Lease length [{@link OUTBOX_LEASE_MS}]. */
  leaseMs?: number
  /**
   * Renewal period while a row runs [{@link OUTBOX_LEASE_RENEW_MS}]; keep it well below
   * `leaseMs`. (A test sets it beyond the lease to stand for a worker that stopped renewing.)
   */
  leaseRenewMs?: number
  /**
   * True for an error meaning "the database is unreachable right now" (adapters/postgres
   * errors.ts). When recording a step or the row's completion fails that way, the worker keeps
   * retrying the record (the step's work is done; redoing it would repeat a message) until it
   * goes through, the lease turns out lost, or the worker stops. Without it a failed record is an
   * attempt's failure, and the step is repeated after the lease expires.
   */
  isUnavailable?: (error: unknown) => boolean
  /** First wait between such retries [250 ms], doubling up to 5 s. */
  recordRetryMs?: number
}

export interface OutboxWorker {
  /** Handles due rows, claimed `batch` at a time, until none is left; returns how many this worker marked done or failed. */
  runOnce(): Promise<number>
  /** Starts no further row; the run under way finishes its rows in flight and frees the leases of the rest. */
  stop(): void
}

/**
 * The chain a row belongs to: rows of one ordering key (set by the writer: the customer's chat,
 * the merchant's chat) run one after another in id order; a row without a key runs by itself.
 */
export function chainOf (row: { id: number, orderingKey?: string | null }): string {
  return row.orderingKey ?? `row:${row.id}`
}

/**
 * The row's lease passed to another worker (this one stopped renewing it for longer than the
 * lease): this worker records nothing more for the row and stops before its next step.
 */
export class OutboxLeaseLostError extends Error {
  override name = 'OutboxLeaseLostError'
}

/** Delay before attempt `attempts + 1`. */
export function backoffMs (attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30))
}

export function createOutboxWorker<Tx> (options: OutboxWorkerOptions<Tx>): OutboxWorker {
  const { queue, clock, logger, handlers } = options
  const batch = options.batch ?? 50
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const maxPerRun = options.maxPerRun ?? batch * 20
  const base = options.baseBackoffMs ?? 1000
  const max = options.maxBackoffMs ?? 3_600_000
  const leaseMs = options.leaseMs ?? OUTBOX_LEASE_MS
  const renewMs = options.leaseRenewMs ?? OUTBOX_LEASE_RENEW_MS

  /**
   * Renews every row a claim holds on one timer (one statement a period) until `stop()`;
   * `lost(id)` once another worker holds that row.
   */
  function keepLeases (lease: string, ids: readonly number[]): { lost(id: number): boolean, stop(): Promise<void> } {
    const held = new Set(ids)
    let renewing: Promise<void> | undefined
    const timer = setInterval(() => {
      if (renewing !== undefined) return
      renewing = queue.renewAll(lease, clock.now() + leaseMs)
        .then((still) => {
          const now = new Set(still)
          for (const id of held) if (!now.has(id)) held.delete(id)
        })
        // a renewal that fails is tried again next period; the lease lasts four periods
        .catch((err: unknown) => logger.warn({ module: 'outbox', lease, err }, 'could not renew the outbox leases'))
        .finally(() => { renewing = undefined })
    }, renewMs)
    timer.unref()
    return {
      lost: (id) => !held.has(id),
      async stop () {
        clearInterval(timer)
        await renewing
      }
    }
  }

  const state = { stopping: false }

  /**
   * Runs `record` (a step's or a row's bookkeeping, after its work was done) again while it fails
   * because the database is unreachable, so an outage does not turn into a repeated message.
   */
  async function recording<T> (row: ClaimedOutboxRow, what: string, record: () => Promise<T>): Promise<T> {
    let waitMs = options.recordRetryMs ?? 250
    let warned = false
    for (;;) {
      try {
        return await record()
      } catch (error) {
        if (state.stopping || options.isUnavailable?.(error) !== true) throw error
        if (!warned) logger.warn({ module: 'outbox', id: row.id, topic: row.topic, err: error }, `database unavailable while recording ${what}; retrying it, so the work done is not repeated`)
        warned = true
        await new Promise((resolve) => setTimeout(resolve, waitMs))
        waitMs = Math.min(waitMs * 2, 5000)
      }
    }
  }

  function leaseLost (row: ClaimedOutboxRow, what: string): OutboxLeaseLostError {
    return new OutboxLeaseLostError(`outbox row ${row.id} (${row.topic}) was taken over by another worker before ${what}; it does the rest`)
  }

  /** Runs one claimed row: `handled` (done or failed) or `lost` (another worker took it over). */
  async function run (row: ClaimedOutboxRow, now: number, leases: { lost(id: number): boolean }): Promise<'handled' | 'lost'> {
    const handler = handlers[row.topic]
    const payload = { ...row.payload }
    const done = Array.isArray(payload.steps) ? [...payload.steps as string[]] : []
    const lease = { lost: () => leases.lost(row.id) }
    let failure: unknown
    try {
      if (handler === undefined) throw new Error(`No handler for outbox topic ${row.topic}`)
      await handler({
        db: queue.db,
        notifier: options.notifier,
        now,
        payload,
        ...(row.customerLanguage !== undefined ? { customerLanguage: row.customerLanguage } : {}),
        async step (name, work, commit) {
          if (done.includes(name)) return
          // never start another network call for a row that is someone else's now
          if (lease.lost()) throw leaseLost(row, `step ${name}`)
          await work()
          const steps = [...done, name]
          // a taken-over row gets neither the progress nor the step's state change from this
          // worker (the new holder does both)
          if (!await recording(row, `step ${name}`, () => queue.recordStep(row.id, row.lease, { ...payload, steps }, clock.now() + leaseMs, commit))) throw leaseLost(row, `recording step ${name}`)
          done.push(name)
          payload.steps = steps
        }
      })
    } catch (error) {
      failure = error ?? new Error('outbox handler failed')
    }
    const log = { module: 'outbox', id: row.id, topic: row.topic }
    if (failure instanceof OutboxLeaseLostError) {
      logger.warn({ ...log, err: failure }, 'outbox lease lost; another worker finishes the row')
      return 'lost'
    }
    if (failure === undefined) {
      if (await recording(row, 'its completion', () => queue.complete(row.id, row.lease, clock.now()))) return 'handled'
      // what the handler did last (a message) may be repeated by the new holder
      logger.warn(log, 'outbox lease lost before the row was marked done; another worker finishes the row')
      return 'lost'
    }
    // from when the attempt failed: a step that ran into timeouts does not retry at once
    const retryAt = clock.now() + backoffMs(row.attempts, base, max)
    logger.warn({ ...log, attempts: row.attempts + 1, err: failure }, 'outbox handler failed; will retry')
    if (await queue.fail(row.id, row.lease, failure instanceof Error ? failure.message : String(failure), retryAt)) return 'handled'
    logger.warn(log, 'outbox lease lost before the failed attempt was recorded; another worker holds the row')
    return 'lost'
  }

  return {
    async runOnce () {
      let count = 0
      while (!state.stopping && count < maxPerRun) {
        const now = clock.now()
        const lease = `${OUTBOX_INSTANCE}#${++claims}`
        const rows = await queue.claimBatch(now, lease, leaseMs, batch)
        if (rows.length === 0) break
        const leases = keepLeases(lease, rows.map((r) => r.id))
        try {
          // rows of one key in id order (the order they were written), keys side by side, at
          // most `concurrency` at once
          const chains = new Map<string, ClaimedOutboxRow[]>()
          for (const row of [...rows].sort((a, b) => a.id - b.id)) {
            const key = chainOf(row)
            const chain = chains.get(key)
            if (chain === undefined) chains.set(key, [row])
            else chain.push(row)
          }
          const queued = [...chains.values()]
          const lanes = Array.from({ length: Math.min(concurrency, queued.length) }, async () => {
            for (let chain = queued.shift(); chain !== undefined; chain = queued.shift()) {
              for (const row of chain) {
                if (state.stopping) return
                // a lost row is not counted: it is another worker's now
                if (await run(row, now, leases) === 'handled') count++
              }
            }
          })
          await Promise.all(lanes)
        } finally {
          await leases.stop()
          // rows left unstarted (stopping) go back to the others at once
          if (state.stopping) await queue.release(lease).catch((err: unknown) => logger.warn({ module: 'outbox', err }, 'could not release outbox leases'))
        }
        // claim again even after a short batch: the rows just handled may have queued more
        // (a reversal's notice to the customer), due now; an empty claim ends the run
      }
      return count
    },
    stop () { state.stopping = true }
  }
}

/**
 * Works off the outbox (DESIGN.md): each row is claimed in its own transaction with
 * `FOR UPDATE SKIP LOCKED` (several workers and instances share the work, a row is never run
 * twice at once), its topic's handler runs, and the row is marked done — or, when the handler
 * throws, retried later with exponential backoff (`available_at`). The handler runs in a savepoint,
 * so a handler whose SQL fails rolls back only its own unfinished work and the attempt is recorded.
 * A multi-step handler commits each completed step before the next one starts (the row is claimed
 * again for it), so a crash repeats at most the step in flight, never one already done (DESIGN.md:
 * only the message being sent may repeat).
 *
 * @example
 * const worker = createOutboxWorker({ db, clock, notifier, logger })
 * await worker.runOnce() // rows handled
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../adapters/postgres/database.js'
import { claimOutbox, completeOutbox, failOutbox, saveOutboxPayload } from '../adapters/postgres/outbox.js'
import type { Clock } from '../domain/shared/clock.js'
import { DEFAULT_HANDLERS, type OutboxHandler } from './outbox-handlers.js'
import type { Notifier } from './notifier.js'

const SAVEPOINT = 'outbox_handler'

export interface WorkerLogger { info(obj: object, msg?: string): void, warn(obj: object, msg?: string): void, error(obj: object, msg?: string): void }

export interface OutboxWorkerOptions {
  db: Db
  clock: Clock
  notifier: Notifier
  logger: WorkerLogger
  handlers?: Readonly<Record<string, OutboxHandler>>
  /** Rows per run [50]. */
  batch?: number
  /** First retry delay [1000 ms], doubling per attempt up to `maxBackoffMs` [1 h]. */
  baseBackoffMs?: number
  maxBackoffMs?: number
}

export interface OutboxWorker {
  /** Handles due rows until none is left or `batch` were handled; returns how many were done or failed. */
  runOnce(): Promise<number>
}

/**
 * Thrown by `step` when a handler reaches a new step after completing one in this transaction:
 * the worker commits the progress so far and claims the row again for the rest.
 */
class CommitBeforeNextStep extends Error {
  override name = 'CommitBeforeNextStep'
}

/** Delay before attempt `attempts + 1`. */
export function backoffMs (attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30))
}

export function createOutboxWorker (options: OutboxWorkerOptions): OutboxWorker {
  const handlers = options.handlers ?? DEFAULT_HANDLERS
  const batch = options.batch ?? 50
  const base = options.baseBackoffMs ?? 1000
  const max = options.maxBackoffMs ?? 3_600_000

  /** `none`: nothing due; `yielded`: a step was committed and the row is due again for the next one. */
  async function runOne (): Promise<'handled' | 'yielded' | 'none'> {
    return await options.db.transaction(async (tx) => {
      const now = options.clock.now()
      const [row] = await claimOutbox(tx as unknown as Db, now, 1)
      if (row === undefined) return 'none'
      const db = tx as unknown as Db
      const handler = handlers[row.topic]
      const payload = { ...row.payload }
      const done = new Set(Array.isArray(payload.steps) ? payload.steps as string[] : [])
      // The handler runs inside a savepoint, moved forward after each completed step: when it
      // fails (even with SQL that aborts the transaction) only its work since the last completed
      // step is rolled back, and the failed attempt can still be recorded in this transaction.
      const savepoint = async (statement: string): Promise<void> => { await db.execute(sql.raw(statement)) }
      await savepoint(`SAVEPOINT ${SAVEPOINT}`)
      let failure: unknown
      let stepped = false
      try {
        if (handler === undefined) throw new Error(`No handler for outbox topic ${row.topic}`)
        await handler({
          db,
          notifier: options.notifier,
          now,
          payload,
          async step (name, work) {
            if (done.has(name)) return
            // one step per transaction: a completed step (a message Telegram has accepted) is
            // committed before the next one's network call, so a crash there cannot repeat it
            if (stepped) throw new CommitBeforeNextStep(`commit before outbox step ${name}`)
            stepped = true
            await work()
            done.add(name)
            payload.steps = [...done]
            await saveOutboxPayload(db, row.id, payload)
            await savepoint(`RELEASE SAVEPOINT ${SAVEPOINT}`)
            await savepoint(`SAVEPOINT ${SAVEPOINT}`)
          }
        })
      } catch (error) {
        failure = error ?? new Error('outbox handler failed')
      }
      if (failure instanceof CommitBeforeNextStep) {
        // keep the completed step and its recorded progress; whatever the handler did after it
        // runs again when the row is claimed for the next step
        await savepoint(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
        return 'yielded'
      }
      if (failure === undefined) {
        await savepoint(`RELEASE SAVEPOINT ${SAVEPOINT}`)
        await completeOutbox(db, row.id, options.clock.now())
      } else {
        await savepoint(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)
        const retryAt = now + backoffMs(row.attempts, base, max)
        options.logger.warn({ module: 'outbox', id: row.id, topic: row.topic, attempts: row.attempts + 1, err: failure }, 'outbox handler failed; will retry')
        await failOutbox(db, row.id, failure instanceof Error ? failure.message : String(failure), retryAt)
      }
      return 'handled'
    })
  }

  return {
    async runOnce () {
      let count = 0
      while (count < batch) {
        const outcome = await runOne()
        if (outcome === 'none') break
        // a yielded row has finitely many steps left, so this loop ends
        if (outcome === 'handled') count++
      }
      return count
    }
  }
}

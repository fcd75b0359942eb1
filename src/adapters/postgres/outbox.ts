/**
 * The outbox table: durable side effects written in the same transaction as a state change
 * (DESIGN.md), worked off by {@link ../../jobs/outbox-worker.ts}. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several workers (and instances) share the work.
 *
 * @example
 * await enqueueOutbox(tx, 'admin.notify', { orderId: '1042', text: 'Check order 1042' }, clock.now())
 */
import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm'
import type { Db } from './database.js'
import { outbox } from './schema.js'

/** Topics of outbox rows. */
export type OutboxTopic = 'order.paid' | 'admin.notify' | 'customer.notify' | 'click.reverse'

export interface OutboxRow {
  id: number
  topic: string
  payload: Record<string, unknown>
  attempts: number
}

/** Writes one outbox row; call it inside the transaction of the state change. */
export async function enqueueOutbox (db: Db, topic: OutboxTopic, payload: Record<string, unknown>, now: number): Promise<number> {
  const rows = await db.insert(outbox).values({ topic, payload, availableAt: new Date(now), createdAt: new Date(now) })
    .returning({ id: outbox.id })
  return rows[0]!.id
}

/**
 * Locks up to `limit` due rows (not done, `available_at ≤ now`), skipping rows another worker
 * holds. Call inside a transaction; the rows stay locked until it ends.
 */
export async function claimOutbox (db: Db, now: number, limit: number): Promise<OutboxRow[]> {
  return await db.select({ id: outbox.id, topic: outbox.topic, payload: outbox.payload, attempts: outbox.attempts })
    .from(outbox)
    .where(and(isNull(outbox.doneAt), lte(outbox.availableAt, new Date(now))))
    .orderBy(asc(outbox.availableAt), asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true })
}

/** Marks a row done (`done_at`). */
export async function completeOutbox (db: Db, id: number, now: number): Promise<void> {
  await db.update(outbox).set({ doneAt: new Date(now), attempts: sql`${outbox.attempts} + 1`, lastError: null })
    .where(eq(outbox.id, id))
}

/** Records a failed attempt and makes the row due again at `retryAt`. */
export async function failOutbox (db: Db, id: number, error: string, retryAt: number): Promise<void> {
  await db.update(outbox).set({ attempts: sql`${outbox.attempts} + 1`, lastError: error.slice(0, 2000), availableAt: new Date(retryAt) })
    .where(eq(outbox.id, id))
}

/** Replaces a row's payload (progress of a multi-step handler), without finishing it. */
export async function saveOutboxPayload (db: Db, id: number, payload: Record<string, unknown>): Promise<void> {
  await db.update(outbox).set({ payload }).where(eq(outbox.id, id))
}

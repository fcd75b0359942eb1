/**
 * Ports of the outbox (DESIGN.md: durable side effects written in the state change's
 * transaction, worked off by workers with leases; decision 0010). The PostgreSQL adapter
 * implements them (src/adapters/postgres/outbox.ts, fulfilment-store.ts); the worker in
 * src/jobs/outbox-worker.ts and its handlers use only these.
 *
 * `Tx` is the storage's transaction handle: the worker passes it from {@link OutboxQueue.recordStep}
 * to a step's `commit`, which hands it back to a store method, so a step's state change commits
 * with its recorded progress. Nothing outside the adapter looks inside it.
 */
import type { Language } from '../domain/shared/language.js'
import type { LocalizedText } from './ports.js'
import type { Order, OrderState, Actor } from '../domain/orders/order.js'

/** Topics of outbox rows. */
export type OutboxTopic = 'order.paid' | 'admin.notify' | 'customer.notify' | 'click.reverse' | 'stars.refund'

export interface OutboxRow {
  id: number
  topic: string
  payload: Record<string, unknown>
  attempts: number
}

/**
 * A row claimed by a worker: `lease` is the claim's owner token, passed to every later write;
 * `orderingKey` (set by the writer) names the rows it must follow, null when none;
 * `customerLanguage`, when the claim read it, the stored language of the customer the payload
 * names (`telegramId`): null for none of ours (the notifier's default applies), absent when not
 * read (the handler looks it up).
 */
export interface ClaimedOutboxRow extends OutboxRow {
  lease: string
  orderingKey?: string | null
  customerLanguage?: Language | null
}

/**
 * The outbox table as a leased queue. Every write of a holder names its lease and changes
 * nothing (answering false) once another worker has taken the row over.
 *
 * @example
 * const row = await queue.claim(clock.now(), 'host:42:ab12cd#1', OUTBOX_LEASE_MS)
 * if (row !== undefined && !await queue.complete(row.id, row.lease, clock.now())) console.log('taken over')
 */
export interface OutboxQueue<Tx> {
  /** The database handle handlers receive as `ctx.db` (no transaction open). */
  readonly db: Tx
  /**
   * Claims the next due row (not done, due, no lease or an expired one) for `owner` until
   * `now + leaseMs`, committed before it returns; rows being claimed elsewhere are skipped.
   */
  claim(now: number, owner: string, leaseMs: number): Promise<ClaimedOutboxRow | undefined>
  /**
   * Claims up to `limit` due rows at once for `owner` (one statement), oldest first, skipping a
   * row while an earlier unfinished row of its ordering key is leased to another worker.
   */
  claimBatch(now: number, owner: string, leaseMs: number, limit: number): Promise<ClaimedOutboxRow[]>
  /** Moves the lease's expiry to `until`; false when the lease is no longer this holder's. */
  renew(id: number, lease: string, until: number): Promise<boolean>
  /** Renews every unfinished row of `lease` until `until`; answers the ids it still holds. */
  renewAll(lease: string, until: number): Promise<number[]>
  /** Frees the leases of `lease`'s unfinished rows; answers how many. */
  release(lease: string): Promise<number>
  /**
   * In one transaction: records a handler's progress (`payload`), extends the lease to `until`
   * and runs `commit` (a step's own state change). False, with nothing written, when the lease
   * is no longer this holder's.
   */
  recordStep(id: number, lease: string, payload: Record<string, unknown>, until: number, commit?: (tx: Tx) => Promise<void>): Promise<boolean>
  /** Marks a row done and frees its lease; false when the lease is no longer this holder's. */
  complete(id: number, lease: string, now: number): Promise<boolean>
  /** Records a failed attempt, makes the row due at `retryAt` and frees the lease; false when not ours. */
  fail(id: number, lease: string, error: string, retryAt: number): Promise<boolean>
  /**
   * Frees every lease of an unfinished row not held by `instance` (owners `instance#n`). Only for
   * a database one process alone can open (PGlite's data-dir lock). Returns how many were freed.
   */
  releaseForeign(instance: string): Promise<number>
}

/** What the `order.paid` and `customer.notify` handlers read and change. */
export interface FulfilmentStore<Tx> {
  /** The customer's stored language, when it is one of ours. */
  customerLanguage(telegramId: number): Promise<Language | undefined>
  /** What digital products deliver, by id. */
  productPayloads(ids: readonly string[]): Promise<Array<{ id: string, title: LocalizedText, payload: string | null }>>
  /** Locks the order row (FOR UPDATE) inside `tx`. */
  lockOrder(tx: Tx, orderId: string): Promise<Order | undefined>
  /** Moves a locked order to `to`, with its history row, inside `tx`. */
  applyTransition(tx: Tx, order: Order, to: OrderState, ctx: { reason: string, actor: Actor, now: number }): Promise<Order>
}

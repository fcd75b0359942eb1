/**
 * The outbox table: durable side effects written in the same transaction as a state change
 * (DESIGN.md), worked off by {@link ../../jobs/outbox-worker.ts}. A worker claims a row with a
 * lease: a short `FOR UPDATE SKIP LOCKED` transaction writes who holds the row and until when,
 * and commits before any network call. Every later write of the holder (progress, done, failed,
 * renewal) names its lease and changes nothing once another worker has taken the row over
 * (decision 0010).
 *
 * @example
 * await enqueueOutbox(tx, 'admin.notify', { orderId: '1042', text: 'Check order 1042' }, clock.now())
 * const row = await claimOutbox(db, clock.now(), 'host:42:ab12cd#1', OUTBOX_LEASE_MS)
 * if (row !== undefined && !await completeOutbox(db, row.id, row.lease, clock.now())) console.log('taken over')
 */
import { and, asc, eq, isNotNull, isNull, lte, not, like, or, sql } from 'drizzle-orm'
import { languageOr } from '../../domain/shared/language.js'
import type { Db } from './database.js'
import { outbox, shopOrder } from './schema.js'
import type { ClaimedOutboxRow, OutboxQueue, OutboxRow, OutboxTopic } from '../../usecases/ports-outbox.js'

export type { ClaimedOutboxRow, OutboxRow, OutboxTopic }

/** The channel a transaction that wrote outbox rows notifies on commit (workers wake at once). */
export const OUTBOX_CHANNEL = 'bozor_outbox'

/**
 * The ordering key a row gets when its writer names none (decision 0062): the customer's chat
 * (`chat:<telegram id>`) from the payload, the merchant's chat (`admin`) for `admin.notify`,
 * else `{ orderId }` for the statement to look up the order's customer; null when the row
 * depends on no other.
 */
export function outboxOrderingKey (topic: string, payload: Record<string, unknown>): string | { orderId: string } | null {
  const chat = payload.telegramId ?? payload.chatId ?? payload.customerTelegramId
  if (typeof chat === 'number' || (typeof chat === 'string' && chat !== '')) return `chat:${chat}`
  if (topic === 'admin.notify') return 'admin'
  const order = payload.orderId
  if ((typeof order === 'string' && /^[0-9]{1,18}$/.test(order)) || (typeof order === 'number' && Number.isSafeInteger(order))) return { orderId: String(order) }
  return null
}

/**
 * Writes one outbox row; call it inside the transaction of the state change. Its ordering key
 * (`options.orderingKey`, else {@link outboxOrderingKey}: an order's row takes its customer's
 * chat) is stored with it, so rows of one chat are delivered in the order they were written. The
 * same statement notifies {@link OUTBOX_CHANNEL}, delivered when the transaction commits (none if
 * it rolls back), so a listening worker starts at once instead of at its next poll.
 */
export async function enqueueOutbox (db: Db, topic: OutboxTopic, payload: Record<string, unknown>, now: number, options: { orderingKey?: string | null } = {}): Promise<number> {
  const derived = options.orderingKey !== undefined ? options.orderingKey : outboxOrderingKey(topic, payload)
  const key = derived === null || typeof derived === 'string'
    ? sql`${derived}::text`
    : sql`(select 'chat:' || customer_telegram_id from ${shopOrder} where ${shopOrder.id} = ${derived.orderId}::bigint)`
  const at = new Date(now).toISOString()
  const result = await db.execute<{ id: number }>(sql`
    with row as (
      insert into ${outbox} (topic, payload, available_at, created_at, ordering_key)
      values (${topic}, ${JSON.stringify(payload)}::jsonb, ${at}::timestamptz, ${at}::timestamptz, ${key})
      returning id
    )
    select row.id, pg_notify(${OUTBOX_CHANNEL}, '') from row`)
  return Number(result.rows[0]!.id)
}

/**
 * Claims up to `limit` due rows for `owner` until `now + leaseMs` in one statement (its own
 * commit), oldest first; rows other workers are claiming are skipped, and so is a row while an
 * earlier unfinished row of its ordering key is leased to another worker (that worker delivers
 * the key's rows in order; this one takes the rest once it is done). The same statement reads
 * the language of the customer each row's payload names (`telegramId`), so the handlers need not
 * look it up per row (decision 0069). Hand-written SQL: its text is built once.
 */
export async function claimOutboxBatch (db: Db, now: number, owner: string, leaseMs: number, limit: number): Promise<ClaimedOutboxRow[]> {
  const at = new Date(now).toISOString()
  const until = new Date(now + leaseMs).toISOString()
  const result = await db.execute<{ id: number | string, topic: string, payload: Record<string, unknown>, attempts: number, ordering_key: string | null, language: string | null }>(sql`
    with claimed as (
      update outbox set lease_owner = ${owner}, lease_expires_at = ${until}::timestamptz
      where id in (
        select o.id from outbox o
        where o.done_at is null and o.available_at <= ${at}::timestamptz
          and (o.lease_expires_at is null or o.lease_expires_at <= ${at}::timestamptz)
          and (o.ordering_key is null or not exists (
            select 1 from outbox prior where prior.ordering_key = o.ordering_key and prior.id < o.id
              and prior.done_at is null and prior.lease_expires_at > ${at}::timestamptz))
        order by o.available_at, o.id
        limit ${limit}
        for update of o skip locked)
      returning id, topic, payload, attempts, available_at, ordering_key)
    select claimed.id, claimed.topic, claimed.payload, claimed.attempts, claimed.ordering_key, c.language
    from claimed
    left join customer c on c.telegram_id = case when claimed.payload->>'telegramId' ~ '^[0-9]{1,18}$' then (claimed.payload->>'telegramId')::bigint end
    order by claimed.available_at, claimed.id`)
  return result.rows.map((r) => ({
    id: Number(r.id),
    topic: r.topic,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) as Record<string, unknown> : r.payload,
    attempts: Number(r.attempts),
    orderingKey: r.ordering_key,
    lease: owner,
    // looked up for a payload naming a customer: theirs, or null (none stored: the default)
    ...(typeof r.payload === 'object' && r.payload !== null && typeof r.payload.telegramId === 'number' ? { customerLanguage: languageOr(r.language, undefined) ?? null } : {})
  }))
}

/** Renews every unfinished row `lease` holds until `until`; answers the ids still held. */
export async function renewOutboxLeases (db: Db, lease: string, until: number): Promise<number[]> {
  const rows = await db.update(outbox).set({ leaseExpiresAt: new Date(until) })
    .where(and(eq(outbox.leaseOwner, lease), isNull(outbox.doneAt))).returning({ id: outbox.id })
  return rows.map((r) => r.id)
}

/** Frees the leases of `lease`'s unfinished rows (a stopping worker hands them to the others at once). */
export async function releaseOutboxLeases (db: Db, lease: string): Promise<number> {
  const rows = await db.update(outbox).set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(outbox.leaseOwner, lease), isNull(outbox.doneAt))).returning({ id: outbox.id })
  return rows.length
}

/**
 * Claims the next due row (not done, `available_at ≤ now`, no lease or an expired one) for
 * `owner` until `now + leaseMs`, in its own short transaction; rows another worker is claiming
 * at the same moment are skipped. Undefined when nothing is due. Pass the plain database, not a
 * transaction: the claim must be committed before the row's work starts.
 */
export async function claimOutbox (db: Db, now: number, owner: string, leaseMs: number): Promise<ClaimedOutboxRow | undefined> {
  const at = new Date(now)
  return await db.transaction(async (tx) => {
    const [row] = await tx.select({ id: outbox.id, topic: outbox.topic, payload: outbox.payload, attempts: outbox.attempts, orderingKey: outbox.orderingKey })
      .from(outbox)
      .where(and(isNull(outbox.doneAt), lte(outbox.availableAt, at), or(isNull(outbox.leaseExpiresAt), lte(outbox.leaseExpiresAt, at))))
      .orderBy(asc(outbox.availableAt), asc(outbox.id))
      .limit(1)
      .for('update', { skipLocked: true })
    if (row === undefined) return undefined
    await tx.update(outbox).set({ leaseOwner: owner, leaseExpiresAt: new Date(now + leaseMs) }).where(eq(outbox.id, row.id))
    return { ...row, lease: owner }
  })
}

/** The row while `lease` still holds it (no other worker took it over) and it is not done. */
function heldBy (id: number, lease: string) {
  return and(eq(outbox.id, id), eq(outbox.leaseOwner, lease), isNull(outbox.doneAt))
}

/** Moves the lease's expiry to `until`; false when the lease is no longer this holder's. */
export async function renewOutboxLease (db: Db, id: number, lease: string, until: number): Promise<boolean> {
  const rows = await db.update(outbox).set({ leaseExpiresAt: new Date(until) }).where(heldBy(id, lease)).returning({ id: outbox.id })
  return rows.length > 0
}

/**
 * Records a handler's progress (`payload`) and extends the lease to `until`; false, with nothing
 * written, when the lease is no longer this holder's. Call it in the transaction of the step's
 * own state change, so both commit or neither does.
 */
export async function saveOutboxProgress (db: Db, id: number, lease: string, payload: Record<string, unknown>, until: number): Promise<boolean> {
  const rows = await db.update(outbox).set({ payload, leaseExpiresAt: new Date(until) }).where(heldBy(id, lease)).returning({ id: outbox.id })
  return rows.length > 0
}

/** Marks a row done (`done_at`) and frees its lease; false when the lease is no longer this holder's. */
export async function completeOutbox (db: Db, id: number, lease: string, now: number): Promise<boolean> {
  const rows = await db.update(outbox)
    .set({ doneAt: new Date(now), attempts: sql`${outbox.attempts} + 1`, lastError: null, leaseOwner: null, leaseExpiresAt: null })
    .where(heldBy(id, lease)).returning({ id: outbox.id })
  return rows.length > 0
}

/**
 * Records a failed attempt, makes the row due again at `retryAt` and frees its lease; false
 * when the lease is no longer this holder's (the new holder's attempt counts, not this one).
 */
export async function failOutbox (db: Db, id: number, lease: string, error: string, retryAt: number): Promise<boolean> {
  const rows = await db.update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error.slice(0, 2000), availableAt: new Date(retryAt), leaseOwner: null, leaseExpiresAt: null })
    .where(heldBy(id, lease)).returning({ id: outbox.id })
  return rows.length > 0
}

/**
 * Frees every lease of an unfinished row not held by `instance` (owners `instance#n`). Only for a
 * database that one process alone can open (PGlite's data-dir lock): any other holder is a dead
 * process, and its rows need not wait for their leases to expire. Returns how many were freed.
 */
export async function releaseForeignOutboxLeases (db: Db, instance: string): Promise<number> {
  const pattern = `${instance.replace(/[\\%_]/g, (c) => `\\${c}`)}#%`
  const rows = await db.update(outbox).set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(isNull(outbox.doneAt), isNotNull(outbox.leaseOwner), not(like(outbox.leaseOwner, pattern))))
    .returning({ id: outbox.id })
  return rows.length
}

/**
 * The outbox table as the worker's leased queue (usecases/ports-outbox.ts) over `db`.
 *
 * @example
 * const worker = createOutboxWorker({ queue: createOutboxQueue(db), clock, notifier, logger, handlers })
 */
export function createOutboxQueue (db: Db): OutboxQueue<Db> {
  return {
    db,
    claim: (now, owner, leaseMs) => claimOutbox(db, now, owner, leaseMs),
    claimBatch: (now, owner, leaseMs, limit) => claimOutboxBatch(db, now, owner, leaseMs, limit),
    renew: (id, lease, until) => renewOutboxLease(db, id, lease, until),
    renewAll: (lease, until) => renewOutboxLeases(db, lease, until),
    release: (lease) => releaseOutboxLeases(db, lease),
    async recordStep (id, lease, payload, until, commit) {
      let held = false
      await db.transaction(async (tx) => {
        const t = tx as unknown as Db
        // the lease check locks the row first; a taken-over row gets neither the progress nor
        // the step's state change from this worker (the new holder does both)
        held = await saveOutboxProgress(t, id, lease, payload, until)
        if (held && commit !== undefined) await commit(t)
      })
      return held
    },
    complete: (id, lease, now) => completeOutbox(db, id, lease, now),
    fail: (id, lease, error, retryAt) => failOutbox(db, id, lease, error, retryAt),
    releaseForeign: (instance) => releaseForeignOutboxLeases(db, instance)
  }
}

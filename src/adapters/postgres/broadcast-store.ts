/**
 * The {@link BroadcastStore} over PostgreSQL/PGlite: broadcasts, the audience query, recipients
 * fixed when sending starts (one `INSERT … SELECT`), claims of pending recipients with
 * `FOR UPDATE SKIP LOCKED` and a lease, and outcomes fenced by the lease (decision 0035).
 *
 * @example
 * const store = createBroadcastStore(database.db, { sandbox: false })
 * const batch = await store.claim({ owner, now: Date.now(), leaseMs: 60_000, limit: 50 })
 */
import { and, desc, eq, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { languageOr } from '../../domain/shared/language.js'
import type { Audience, BroadcastContent, BroadcastCounts, BroadcastState, BroadcastStore, BroadcastView, ClaimedRecipient } from '../../usecases/broadcasts/ports.js'
import type { Db } from './database.js'
import { analyticsEvent, broadcast, broadcastRecipient, customer, product } from './schema.js'

type BroadcastRow = typeof broadcast.$inferSelect

const iso = (ms: number): string => new Date(ms).toISOString()

/** The customers an audience holds: reachable (not blocked, not opted out), filtered. */
function audienceWhere (audience: Audience, now: number, live: boolean): SQL {
  const parts: SQL[] = [
    sql`c.telegram_id > 0`,
    sql`c.blocked_at is null`,
    sql`c.news_opted_out_at is null`,
    sql`c.merchant_blocked_at is null`
  ]
  // once live, the sandbox's emulated customers are no one's chat
  if (live) parts.push(sql`c.sandbox = false`)
  if (audience.language !== undefined) parts.push(sql`c.language = ${audience.language}`)
  if (audience.source !== undefined) parts.push(sql`c.referral_source = ${audience.source}`)
  if (audience.activeWithinDays !== undefined) parts.push(sql`c.last_seen_at >= ${iso(now - audience.activeWithinDays * 86_400_000)}::timestamptz`)
  if (audience.boughtProduct !== undefined) {
    parts.push(sql`exists (select 1 from order_item i join shop_order o on o.id = i.order_id
      where o.customer_telegram_id = c.telegram_id and i.product_id = ${audience.boughtProduct} and o.state in ('paid', 'fulfilled'))`)
  }
  return sql.join(parts, sql` and `)
}

function contentOf (row: Pick<BroadcastRow, 'text' | 'photo' | 'button'>): BroadcastContent {
  return { text: row.text, ...(row.photo !== null ? { photo: row.photo } : {}), ...(row.button !== null ? { button: row.button } : {}) }
}

const EMPTY_COUNTS = { sent: 0, failed: 0, blocked: 0, remaining: 0, skipped: 0, uncertain: 0 }

async function countsOf (db: Db, rows: BroadcastRow[]): Promise<Map<string, BroadcastCounts>> {
  const counts = new Map<string, BroadcastCounts>(rows.map((r) => [r.id, { total: r.total, ...EMPTY_COUNTS }]))
  const started = rows.filter((r) => r.startedAt !== null).map((r) => r.id)
  if (started.length === 0) return counts
  const grouped = await db.select({ id: broadcastRecipient.broadcastId, state: broadcastRecipient.state, n: sql<number>`count(*)::int` })
    .from(broadcastRecipient).where(inArray(broadcastRecipient.broadcastId, started))
    .groupBy(broadcastRecipient.broadcastId, broadcastRecipient.state)
  for (const g of grouped) {
    const c = counts.get(g.id)!
    const n = Number(g.n)
    if (g.state === 'pending' || g.state === 'sending') c.remaining += n
    else if (g.state === 'sent') c.sent += n
    else if (g.state === 'failed') c.failed += n
    else if (g.state === 'blocked') c.blocked += n
    else if (g.state === 'skipped') c.skipped += n
    else if (g.state === 'uncertain') c.uncertain += n
  }
  return counts
}

async function views (db: Db, rows: BroadcastRow[]): Promise<BroadcastView[]> {
  const counts = await countsOf(db, rows)
  return rows.map((r) => ({
    id: r.id,
    state: r.state as BroadcastState,
    content: contentOf(r),
    audience: r.audience,
    ...(r.sendAt !== null ? { sendAt: r.sendAt.getTime() } : {}),
    counts: counts.get(r.id)!,
    createdAt: r.createdAt.getTime(),
    ...(r.startedAt !== null ? { startedAt: r.startedAt.getTime() } : {}),
    ...(r.finishedAt !== null ? { finishedAt: r.finishedAt.getTime() } : {})
  }))
}

export function createBroadcastStore (db: Db, marks: { sandbox: boolean }): BroadcastStore {
  const live = !marks.sandbox
  const pk = (r: { broadcastId: string, telegramId: number }): SQL =>
    and(eq(broadcastRecipient.broadcastId, r.broadcastId), eq(broadcastRecipient.telegramId, r.telegramId))!
  // a recipient this worker holds: pending, or `sending` (its copy is about to go or went out, decision 0059)
  const fenced = (owner: string): SQL => and(eq(broadcastRecipient.leaseOwner, owner), inArray(broadcastRecipient.state, ['pending', 'sending']))!
  return {
    async insert (input) {
      await db.insert(broadcast).values({
        id: input.id,
        text: input.content.text,
        photo: input.content.photo ?? null,
        button: input.content.button ?? null,
        audience: input.audience as Record<string, unknown>,
        sendAt: input.sendAt !== undefined ? new Date(input.sendAt) : null,
        state: 'scheduled',
        createdAt: new Date(input.now)
      })
    },
    async countAudience (audience, now) {
      const result = await db.execute<{ n: number }>(sql`select count(*)::int as n from customer c where ${audienceWhere(audience, now, live)}`)
      return Number(result.rows[0]?.n ?? 0)
    },
    async get (id) {
      const rows = await db.select().from(broadcast).where(eq(broadcast.id, id))
      return (await views(db, rows))[0]
    },
    async list (input) {
      const before = input.before
      const where = before === undefined
        ? undefined
        : or(lt(broadcast.createdAt, new Date(before.at)), and(eq(broadcast.createdAt, new Date(before.at)), lt(broadcast.id, before.id)))
      const rows = await db.select().from(broadcast).where(where).orderBy(desc(broadcast.createdAt), desc(broadcast.id)).limit(input.limit)
      return await views(db, rows)
    },
    async transition (id, next, now) {
      return await db.transaction(async (tx) => {
        const [row] = await tx.select({ state: broadcast.state, startedAt: broadcast.startedAt }).from(broadcast).where(eq(broadcast.id, id)).for('update')
        if (row === undefined) return { changed: false }
        const current = row.state as BroadcastState
        const to = next(current, row.startedAt !== null)
        if (to === undefined || to === current) return { found: current, changed: false }
        await tx.update(broadcast).set({ state: to, ...(to === 'cancelled' ? { finishedAt: new Date(now) } : {}) }).where(eq(broadcast.id, id))
        return { found: current, changed: true }
      })
    },
    async resendUncertain (id, now) {
      return await db.transaction(async (tx) => {
        const [row] = await tx.select({ state: broadcast.state }).from(broadcast).where(eq(broadcast.id, id)).for('update')
        if (row === undefined) return { resent: 0 }
        const found = row.state as BroadcastState
        if (found !== 'sending' && found !== 'paused' && found !== 'done') return { found, resent: 0 }
        const taken = await tx.update(broadcastRecipient)
          .set({ state: 'pending', availableAt: new Date(now), error: null, leaseOwner: null, leaseExpiresAt: null })
          .where(and(eq(broadcastRecipient.broadcastId, id), eq(broadcastRecipient.state, 'uncertain'))).returning({ id: broadcastRecipient.telegramId })
        if (taken.length > 0 && found === 'done') await tx.update(broadcast).set({ state: 'sending', finishedAt: null }).where(eq(broadcast.id, id))
        return { found, resent: taken.length }
      })
    },
    async productImage (productId) {
      const [row] = await db.select({ images: product.images }).from(product).where(eq(product.id, productId))
      if (row === undefined) return undefined
      return row.images[0] ?? null
    },
    async customerLanguage (telegramId) {
      const [row] = await db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId))
      return row === undefined ? undefined : languageOr(row.language, 'en')
    },
    async startDue (now) {
      // each due broadcast in its own transaction, locked and skipped by other instances
      let started = 0
      for (;;) {
        const done = await db.transaction(async (tx) => {
          const due = await tx.execute<{ id: string, audience: Audience }>(sql`select id, audience from broadcast
            where state = 'scheduled' and (send_at is null or send_at <= ${iso(now)}::timestamptz)
            order by created_at limit 1 for update skip locked`)
          const row = due.rows[0]
          if (row === undefined) return true
          const inserted = await tx.execute<{ n: number }>(sql`with fixed as (
              insert into broadcast_recipient (broadcast_id, telegram_id, language, available_at)
              select ${row.id}, c.telegram_id, c.language, ${iso(now)}::timestamptz from customer c where ${audienceWhere(row.audience, now, live)}
              on conflict do nothing returning 1)
            select count(*)::int as n from fixed`)
          const total = Number(inserted.rows[0]?.n ?? 0)
          await tx.update(broadcast).set({ state: 'sending', startedAt: new Date(now), total }).where(eq(broadcast.id, row.id))
          return false
        })
        if (done) return started
        started++
      }
    },
    async claim (input) {
      return await db.transaction(async (tx) => {
        // a copy whose worker died between the intent and the record may or may not have reached the
        // chat: it is marked `uncertain`, never sent blindly again (decision 0059). Never the
        // claimer's own: it is alive and records their outcome even when a slow machine let its
        // leases lapse before a renewal
        await tx.execute(sql`update broadcast_recipient set state = 'uncertain', lease_owner = null, lease_expires_at = null,
            error = 'the worker stopped while this copy was being sent: it may have been delivered'
          where state = 'sending' and lease_expires_at < ${iso(input.now)}::timestamptz and lease_owner <> ${input.owner}`)
        const claimed = await tx.execute<{ broadcast_id: string, telegram_id: number | string, language: string, attempts: number }>(sql`
          with picked as (
            select r.broadcast_id, r.telegram_id from broadcast_recipient r join broadcast b on b.id = r.broadcast_id
            where b.state = 'sending' and r.state = 'pending' and r.available_at <= ${iso(input.now)}::timestamptz
              and (r.lease_expires_at is null or r.lease_expires_at < ${iso(input.now)}::timestamptz)
            order by r.available_at, r.telegram_id
            limit ${input.limit}
            for update of r skip locked)
          update broadcast_recipient r set lease_owner = ${input.owner}, lease_expires_at = ${iso(input.now + input.leaseMs)}::timestamptz
          from picked where r.broadcast_id = picked.broadcast_id and r.telegram_id = picked.telegram_id
          returning r.broadcast_id, r.telegram_id, r.language, r.attempts`)
        if (claimed.rows.length === 0) return []
        const ids = [...new Set(claimed.rows.map((r) => Number(r.telegram_id)))]
        const broadcastIds = [...new Set(claimed.rows.map((r) => r.broadcast_id))]
        const [contents, gone] = await Promise.all([
          tx.select({ id: broadcast.id, text: broadcast.text, photo: broadcast.photo, button: broadcast.button }).from(broadcast).where(inArray(broadcast.id, broadcastIds)),
          tx.select({ id: customer.telegramId }).from(customer)
            .where(and(inArray(customer.telegramId, ids), or(isNotNull(customer.blockedAt), isNotNull(customer.newsOptedOutAt), isNotNull(customer.merchantBlockedAt))))
        ])
        const unreachable = new Set(gone.map((g) => g.id))
        const content = new Map(contents.map((c) => [c.id, contentOf(c)]))
        return claimed.rows.map((r): ClaimedRecipient => ({
          broadcastId: r.broadcast_id,
          telegramId: Number(r.telegram_id),
          language: languageOr(r.language, 'en'),
          attempts: Number(r.attempts),
          content: content.get(r.broadcast_id)!,
          reachable: !unreachable.has(Number(r.telegram_id))
        }))
      })
    },
    async activeWorkers (now) {
      const result = await db.execute<{ n: number }>(sql`select count(distinct r.lease_owner)::int as n from broadcast_recipient r
        join broadcast b on b.id = r.broadcast_id
        where b.state = 'sending' and r.lease_owner is not null and r.lease_expires_at >= ${iso(now)}::timestamptz`)
      return Number(result.rows[0]?.n ?? 0)
    },
    async markSent (recipients, owner, now) {
      if (recipients.length === 0) return new Set()
      const keys = sql.join(recipients.map((r) => sql`(${r.broadcastId}, ${r.telegramId}::bigint)`), sql`, `)
      const rows = await db.transaction(async (tx) => {
        const result = await tx.execute<{ broadcast_id: string, telegram_id: number | string }>(sql`update broadcast_recipient
          set state = 'sent', sent_at = ${iso(now)}::timestamptz, lease_owner = null, lease_expires_at = null
          where (broadcast_id, telegram_id) in (${keys}) and lease_owner = ${owner} and state in ('pending', 'sending')
          returning broadcast_id, telegram_id`)
        // `broadcast.sent` (DESIGN.md analytics) in the same transaction, one per copy marked sent
        if (result.rows.length > 0) {
          await tx.insert(analyticsEvent).values(result.rows.map((r) => ({
            name: 'broadcast.sent', customerTelegramId: Number(r.telegram_id), orderId: null, properties: { broadcastId: r.broadcast_id }, at: new Date(now), sandbox: marks.sandbox
          })))
        }
        return result.rows
      })
      return new Set(rows.map((r) => `${r.broadcast_id}/${Number(r.telegram_id)}`))
    },
    async markOutcome (recipient, owner, outcome, now) {
      if (outcome.kind === 'retry') {
        await db.update(broadcastRecipient)
          .set({ state: 'pending', availableAt: new Date(now + outcome.afterMs), attempts: sql`${broadcastRecipient.attempts} + 1`, error: outcome.error, leaseOwner: null, leaseExpiresAt: null })
          .where(and(pk(recipient), fenced(owner)))
        return
      }
      await db.transaction(async (tx) => {
        const rows = await tx.update(broadcastRecipient)
          .set({ state: outcome.kind, error: outcome.kind === 'skipped' ? null : outcome.error, leaseOwner: null, leaseExpiresAt: null })
          .where(and(pk(recipient), fenced(owner))).returning({ id: broadcastRecipient.telegramId })
        if (outcome.kind === 'blocked' && rows.length > 0) {
          await tx.update(customer).set({ blockedAt: new Date(now) }).where(eq(customer.telegramId, recipient.telegramId))
        }
      })
    },
    async renew (owner, now, leaseMs) {
      await db.update(broadcastRecipient).set({ leaseExpiresAt: new Date(now + leaseMs) }).where(fenced(owner))
    },
    async markSending (recipient, owner) {
      // one statement: the intent is durable before the copy goes, and a paused or cancelled
      // broadcast sends nothing more, from the very next copy (not the next batch)
      const result = await db.execute(sql`update broadcast_recipient r set state = 'sending'
        from broadcast b
        where r.broadcast_id = ${recipient.broadcastId} and r.telegram_id = ${recipient.telegramId}::bigint
          and b.id = r.broadcast_id and b.state = 'sending' and r.lease_owner = ${owner} and r.state = 'pending'
        returning 1 as ok`)
      return result.rows.length > 0
    },
    async unmarkSending (recipient, owner) {
      await db.update(broadcastRecipient).set({ state: 'pending' })
        .where(and(pk(recipient), eq(broadcastRecipient.leaseOwner, owner), eq(broadcastRecipient.state, 'sending')))
    },
    async release (owner) {
      // only pending rows: a `sending` one whose outcome could not be written lapses into `uncertain`
      const rows = await db.update(broadcastRecipient).set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(broadcastRecipient.leaseOwner, owner), eq(broadcastRecipient.state, 'pending'))).returning({ id: broadcastRecipient.telegramId })
      return rows.length
    },
    async releaseForeign (ownerPrefix) {
      // an earlier process's copies in flight at its end are uncertain (decision 0059)
      await db.execute(sql`update broadcast_recipient set state = 'uncertain', lease_owner = null, lease_expires_at = null,
          error = 'the worker stopped while this copy was being sent: it may have been delivered'
        where state = 'sending' and lease_owner is not null and left(lease_owner, ${ownerPrefix.length}) <> ${ownerPrefix}`)
      const result = await db.execute<{ n: number }>(sql`with freed as (
          update broadcast_recipient set lease_owner = null, lease_expires_at = null
          where state = 'pending' and lease_owner is not null and left(lease_owner, ${ownerPrefix.length}) <> ${ownerPrefix} returning 1)
        select count(*)::int as n from freed`)
      return Number(result.rows[0]?.n ?? 0)
    },
    async finish (now) {
      const rows = await db.update(broadcast).set({ state: 'done', finishedAt: new Date(now) })
        .where(and(eq(broadcast.state, 'sending'), sql`not exists (select 1 from broadcast_recipient r where r.broadcast_id = ${broadcast.id} and r.state in ('pending', 'sending'))`))
        .returning({ id: broadcast.id })
      return rows.length
    }
  }
}

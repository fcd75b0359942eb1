/**
 * Analytics in PostgreSQL (decision 0030): the bot's event batches (`analytics_event` rows plus
 * one `analytics_customer_day` row per customer and day), the queries behind the analytics
 * routes, the daily rollup of raw events and their removal after `EVENT_RETENTION_DAYS`.
 * Revenue is read from the ledger (`shop_order`), never from events. Days are counted in
 * `timezone`; once live, rows made in the sandbox are left out (`includeSandbox` false).
 *
 * @example
 * const analytics = createAnalyticsStore(db, { timezone: 'Asia/Tashkent', sandbox: false, includeSandbox: false })
 * await analytics.appendBatch([{ customerTelegramId: 42, at: Date.now(), event: { name: 'bot.started', customerTelegramId: 42, at: Date.now() } }])
 */
import { sql, type SQL } from 'drizzle-orm'
import { addDays, dayIn, daysBetween, stepBitOf, type BotEvent } from '../../domain/analytics/events.js'
import type { AnalyticsStore, FailureRow, SourceRow, TimeseriesMetric } from '../../usecases/analytics.js'
import type { Db } from './database.js'
import { createAnalyticsLedger } from './analytics-ledger.js'
import { analyticsEvent } from './schema.js'
import { analyticsSql } from './analytics-sql.js'

export interface AnalyticsStoreOptions {
  /** TIMEZONE. */
  timezone: string
  /** Rows written now carry `sandbox = true` (sandbox mode). */
  sandbox: boolean
  /** Queries count sandbox rows too (sandbox mode); live, they are left out. */
  includeSandbox: boolean
  /** EVENT_RETENTION_DAYS [400]. */
  retentionDays?: number
}

/** A buffered entry (jobs/analytics-buffer.ts). */
interface Entry { customerTelegramId: number, at: number, event?: BotEvent }

/** Days rolled up per maintenance run, and raw-event rows removed per batch. */
const ROLL_DAYS_PER_RUN = 31
const PRUNE_BATCH = 5000
const PRUNE_BATCHES_PER_RUN = 20

/**
 * Appends one event inside the caller's transaction (the ledger's, or a broadcast worker's:
 * `broadcast.sent` with `{ broadcastId }`). It marks no customer active.
 */
export async function insertAnalyticsEvent (tx: Db, event: BotEvent, marks: { sandbox: boolean }): Promise<void> {
  await tx.insert(analyticsEvent).values({
    name: event.name, customerTelegramId: event.customerTelegramId, orderId: event.orderId ?? null, properties: event.properties ?? {}, at: new Date(event.at), sandbox: marks.sandbox
  })
}

/**
 * The years a range touches, each with its `bit(366)` mask of the range's days (bit n = the
 * year's day n), for `analytics_customer_year` (decision 0059).
 */
export function yearMasks (range: { from: string, to: string }): Array<{ year: number, mask: string }> {
  const out: Array<{ year: number, mask: string }> = []
  for (let year = Number(range.from.slice(0, 4)); year <= Number(range.to.slice(0, 4)); year++) {
    const first = `${year}-01-01`
    const from = range.from > first ? range.from : first
    const last = `${year}-12-31`
    const to = range.to < last ? range.to : last
    const a = daysBetween(first, from)
    const b = daysBetween(first, to)
    out.push({ year, mask: '0'.repeat(a) + '1'.repeat(b - a + 1) + '0'.repeat(366 - b - 1) })
  }
  return out
}

export function createAnalyticsStore (db: Db, options: AnalyticsStoreOptions): AnalyticsStore & {
  appendBatch(entries: readonly Entry[]): Promise<void>
  /**
   * Rolls up finished days and removes raw events past retention; resolves with what it did
   * (`rolled` days of events, `ledgerRolled` days of the ledger's sums, `pruned` raw events).
   */
  maintain(now: number): Promise<{ rolled: number, ledgerRolled: number, pruned: number }>
} {
  const tz = options.timezone
  const ledger = createAnalyticsLedger(db, options)
  const { live, start, end, localDay, rows, num, paidIn } = analyticsSql(db, options)

  // exact distinct customers from one row per customer and year (bit sets of days, decision 0059)
  const ZERO = sql`B'0'::bit(366)`
  const touches = (column: SQL, mask: string): SQL => sql`(${column} & ${mask}::bit(366)) <> ${ZERO}`
  const customerYears = (range: { from: string, to: string }, column: SQL): SQL => {
    const masks = yearMasks(range)
    return sql.join(masks.map(({ year, mask }) => sql`(y.year = ${year} and ${touches(column, mask)})`), sql` or `)
  }
  const yearsOf = (range: { from: string, to: string }): SQL => sql`y.year between ${Number(range.from.slice(0, 4))} and ${Number(range.to.slice(0, 4))}`
  /** One row per customer: sandbox rows count too in sandbox mode, or a range over two years. */
  const onePerCustomer = (range: { from: string, to: string }): boolean => options.includeSandbox || range.from.slice(0, 4) !== range.to.slice(0, 4)

  /**
   * True when no customer was seen, and no day rolled up, after `range.to`: each customer's last
   * days (`analytics_customer_last`) then answer "reached in the range" as "last day ≥ from"
   * (decision 0072). The usual ranges (the last N days) end today.
   */
  const endsAtTheLatest = async (range: { from: string, to: string }): Promise<boolean> => {
    const [latest] = await rows(sql`select to_char(greatest((select max(day) from analytics_customer_day), (select max(day) from analytics_rolled_day)), 'YYYY-MM-DD') as d`)
    return typeof latest?.d !== 'string' || latest.d <= range.to
  }

  const activeCustomers = async (range: { from: string, to: string }): Promise<number> => {
    if (range.from === range.to) {
      const [r] = await rows(sql`select coalesce(sum(a.customers), 0)::int as n from analytics_day_active a where a.day = ${range.from}::date and ${live(sql`a.sandbox`)}`)
      return num(r?.n)
    }
    if (await endsAtTheLatest(range)) {
      const where = sql`c.active >= ${range.from}::date and ${live(sql`c.sandbox`)}`
      const query = options.includeSandbox
        ? sql`select count(distinct c.customer_telegram_id)::int as n from analytics_customer_last c where ${where}`
        : sql`select count(*)::int as n from analytics_customer_last c where ${where}`
      return num((await rows(query))[0]?.n)
    }
    const where = sql`${yearsOf(range)} and ${live(sql`y.sandbox`)} and (${customerYears(range, sql`y.active`)})`
    const query = onePerCustomer(range)
      ? sql`select count(distinct y.customer_telegram_id)::int as n from analytics_customer_year y where ${where}`
      : sql`select count(*)::int as n from analytics_customer_year y where ${where}`
    return num((await rows(query))[0]?.n)
  }

  return {
    async appendBatch (entries) {
      if (entries.length === 0) return
      const events = entries.flatMap((e) => e.event === undefined ? [] : [e.event])
      const days = new Map<string, { day: string, customerTelegramId: number, steps: number }>()
      for (const e of entries) {
        if (e.event?.name === 'broadcast.sent') continue // a message sent is no sign of the customer
        const day = dayIn(e.at, tz)
        const key = `${day}/${e.customerTelegramId}`
        const bit = e.event === undefined ? 0 : stepBitOf(e.event.name)
        const row = days.get(key)
        if (row === undefined) days.set(key, { day, customerTelegramId: e.customerTelegramId, steps: bit })
        else row.steps |= bit
      }
      // the same order everywhere: two instances' batches never deadlock on the same rows
      const dayRows = [...days.values()].sort((a, b) => a.day < b.day ? -1 : a.day > b.day ? 1 : a.customerTelegramId - b.customerTelegramId)
      // hand-written: one JSON parameter per table instead of Drizzle's building of every row (decision 0067)
      const eventRows = JSON.stringify(events.map((e) => ({ n: e.name, c: e.customerTelegramId, o: e.orderId ?? null, p: e.properties ?? {}, a: new Date(e.at).toISOString() })))
      const customerDays = JSON.stringify(dayRows.map((r) => ({ d: r.day, c: r.customerTelegramId, s: r.steps })))
      await db.transaction(async (tx) => {
        if (events.length > 0) {
          await tx.execute(sql`
            insert into analytics_event (name, customer_telegram_id, order_id, properties, at, sandbox)
            select r.n, r.c, r.o, r.p, r.a, ${options.sandbox}
            from jsonb_to_recordset(${eventRows}::jsonb) as r(n text, c bigint, o bigint, p jsonb, a timestamptz)`)
        }
        if (dayRows.length > 0) {
          // a returning customer's day row is written once, not on every batch
          await tx.execute(sql`
            insert into analytics_customer_day as t (day, customer_telegram_id, steps, sandbox)
            select r.d, r.c, r.s, ${options.sandbox}
            from jsonb_to_recordset(${customerDays}::jsonb) as r(d date, c bigint, s integer)
            on conflict (day, customer_telegram_id) do update set steps = t.steps | excluded.steps
            where (t.steps | excluded.steps) <> t.steps`)
        }
      })
    },

    revenue: ledger.revenue,

    async customers (range) {
      const [fresh] = await rows(sql`
        select count(*)::int as n from customer c
        where c.first_seen_at >= ${start(range.from)} and c.first_seen_at < ${end(range.to)} and ${live(sql`c.sandbox`)}`)
      return { new: num(fresh?.n), active: await activeCustomers(range) }
    },

    async daily (metric: TimeseriesMetric, range) {
      let query: SQL
      switch (metric) {
        case 'revenue':
        case 'orders':
          return await ledger.daily(metric, range)
        case 'new_customers':
          query = sql`select ${localDay(sql`c.first_seen_at`)} as date, count(*)::int as value from customer c
            where c.first_seen_at >= ${start(range.from)} and c.first_seen_at < ${end(range.to)} and ${live(sql`c.sandbox`)} group by 1`
          break
        case 'active_customers':
          query = sql`select to_char(a.day, 'YYYY-MM-DD') as date, sum(a.customers)::int as value from analytics_day_active a
            where a.day between ${range.from}::date and ${range.to}::date and ${live(sql`a.sandbox`)} group by a.day having sum(a.customers) > 0`
          break
      }
      return (await rows(query)).map((r) => ({ date: String(r.date), value: num(r.value), ...(r.currency !== undefined ? { currency: String(r.currency) } : {}) }))
    },

    async funnel (range) {
      // a customer counts at every step up to the furthest one reached in the range (decision 0031),
      // from each customer's last days when the range ends at the latest day (decision 0072), else
      // from one row per customer and year: bits of the days of each step; the paid step from the
      // days the analytics job rolled up, and the ledger's raw rows for the other days
      const [mark] = await rows(sql`select to_char(min(day), 'YYYY-MM-DD') as first, to_char(max(day), 'YYYY-MM-DD') as last from analytics_rolled_day`)
      const first = typeof mark?.first === 'string' ? mark.first : undefined
      const last = typeof mark?.last === 'string' ? mark.last : undefined
      const rolled = first !== undefined && last !== undefined && first <= range.to && last >= range.from
        ? { from: first > range.from ? first : range.from, to: last < range.to ? last : range.to }
        : undefined
      const raw: SQL[] = []
      if (rolled === undefined) raw.push(paidIn(range.from, range.to))
      else {
        if (range.from < rolled.from) raw.push(paidIn(range.from, addDays(rolled.from, -1)))
        if (rolled.to < range.to) raw.push(paidIn(addDays(rolled.to, 1), range.to))
      }
      const r = raw.length === 0 ? sql`select null::bigint as id where false` : sql`select distinct o.customer_telegram_id as id from shop_order o where ${sql.join(raw.map((w) => sql`(${w})`), sql` or `)}`
      const paidRaw = sql`y.customer_telegram_id in (select id from r)`
      const latest = await endsAtTheLatest(range)
      let levels: SQL
      if (latest) {
        // each customer's last days: "reached in the range" is "last day ≥ from" (decision 0072);
        // the paid day is of rolled days only, all within the range's end, the others are in r
        const since = (column: string): SQL => sql`${sql.raw(`y.${column}`)} >= ${range.from}::date`
        levels = sql`
          select y.customer_telegram_id as id,
                 case when ${since('paid')} or ${paidRaw} then 5 when ${since('checkout')} then 4 when ${since('product')} then 3
                      when ${since('catalog')} then 2 when ${since('started')} then 1 else 0 end as level
          from analytics_customer_last y where ${live(sql`y.sandbox`)} and (${since('active')} or ${since('paid')} or ${paidRaw})`
      } else {
        const paidBits = rolled === undefined ? sql`false` : customerYears(rolled, sql`y.paid`)
        levels = sql`
          select y.customer_telegram_id as id,
                 case when ${paidBits} or ${paidRaw} then 5
                      when ${customerYears(range, sql`y.checkout`)} then 4 when ${customerYears(range, sql`y.product`)} then 3
                      when ${customerYears(range, sql`y.catalog`)} then 2 when ${customerYears(range, sql`y.started`)} then 1 else 0 end as level
          from analytics_customer_year y where ${yearsOf(range)} and ${live(sql`y.sandbox`)}
            -- most rows are of customers not seen in the range: one or two tests leave them out
            and (${customerYears(range, sql`y.active`)} or ${paidBits} or ${paidRaw})`
      }
      // several rows of one customer (both sandbox marks, or two years) count once, at their furthest step
      const several = options.includeSandbox || (!latest && range.from.slice(0, 4) !== range.to.slice(0, 4))
      // who paid in the range with no row here (never used the bot in it): at the paid step
      const table = latest ? sql`analytics_customer_last y` : sql`analytics_customer_year y`
      const scope = latest ? live(sql`y.sandbox`) : sql`${yearsOf(range)} and ${live(sql`y.sandbox`)}`
      const [found] = await rows(sql`
        with r as (${r}), ${several
          // the levels are worked out before the grouping, which then sorts or hashes two numbers a row
          ? sql`y as materialized (${levels}), c as (select max(y.level) as level from y where y.level > 0 group by y.id)`
          : sql`c as (select y.level from (${levels}) y where y.level > 0)`},
        o as (select count(*)::int as n from r where not exists (select 1 from ${table} where y.customer_telegram_id = r.id and ${scope}))
        select (select n from o) + count(*)::int as l1, (select n from o) + count(*) filter (where level >= 2)::int as l2,
               (select n from o) + count(*) filter (where level >= 3)::int as l3, (select n from o) + count(*) filter (where level >= 4)::int as l4,
               (select n from o) + count(*) filter (where level >= 5)::int as l5 from c`)
      return [num(found?.l1), num(found?.l2), num(found?.l3), num(found?.l4), num(found?.l5)]
    },

    activeCustomers,

    products: ledger.products,

    async sources (range, limit): Promise<SourceRow[]> {
      const [people, money] = await Promise.all([
        rows(sql`
          select c.referral_source as source, count(*)::int as customers from customer c
          where c.referral_source is not null and c.first_seen_at >= ${start(range.from)} and c.first_seen_at < ${end(range.to)} and ${live(sql`c.sandbox`)}
          group by 1`),
        rows(sql`
          select c.referral_source as source, o.currency, count(*)::int as orders, sum(o.total_amount - o.refunded_amount)::float8 as net
          from shop_order o join customer c on c.telegram_id = o.customer_telegram_id
          where c.referral_source is not null and ${paidIn(range.from, range.to)} group by 1, 2 order by 2`)
      ])
      const by = new Map<string, SourceRow>()
      const of = (source: string): SourceRow => {
        let row = by.get(source)
        if (row === undefined) { row = { source, customers: 0, orders: 0, revenue: [] }; by.set(source, row) }
        return row
      }
      for (const r of people) of(String(r.source)).customers = num(r.customers)
      for (const r of money) {
        const row = of(String(r.source))
        row.orders += num(r.orders)
        row.revenue.push({ amount: num(r.net), currency: String(r.currency) })
      }
      return [...by.values()]
        .sort((a, b) => b.customers - a.customers || b.orders - a.orders || (a.source < b.source ? -1 : 1))
        .slice(0, limit)
    },

    async paymentFailures (range): Promise<FailureRow[]> {
      // the days rolled up come from the rollups, the later ones from raw events (constant bounds: index ranges)
      const [mark] = await rows(sql`select to_char(max(day), 'YYYY-MM-DD') as d from analytics_rolled_day`)
      const rolledTo = typeof mark?.d === 'string' ? mark.d : undefined
      const rollupTo = rolledTo !== undefined && rolledTo < range.to ? rolledTo : range.to
      const rawFrom = rolledTo !== undefined && addDays(rolledTo, 1) > range.from ? addDays(rolledTo, 1) : range.from
      const parts: SQL[] = []
      if (rolledTo !== undefined && rollupTo >= range.from) {
        parts.push(sql`select r.provider, r.reason, r.count as n from analytics_daily_event r
          where r.name = 'payment.failed' and r.day between ${range.from}::date and ${rollupTo}::date and ${live(sql`r.sandbox`)}`)
      }
      if (rawFrom <= range.to) {
        parts.push(sql`select coalesce(e.properties->>'provider', '') as provider, coalesce(e.properties->>'reason', '') as reason, count(*) as n from analytics_event e
          where e.name = 'payment.failed' and e.at >= ${start(rawFrom)} and e.at < ${end(range.to)} and ${live(sql`e.sandbox`)} group by 1, 2`)
      }
      if (parts.length === 0) return []
      const found = await rows(sql`select provider, reason, sum(n)::int as count from (${sql.join(parts, sql` union all `)}) t
        group by provider, reason order by count desc, provider, reason`)
      return found.map((r) => ({ provider: String(r.provider), reason: String(r.reason), count: num(r.count) }))
    },

    async maintain (now) {
      const today = dayIn(now, tz)
      const [mark] = await rows(sql`
        select coalesce(to_char(max(day), 'YYYY-MM-DD'),
          (select to_char((min(at) at time zone ${tz})::date - 1, 'YYYY-MM-DD') from analytics_event)) as d from analytics_rolled_day`)
      let rolled = 0
      let day = mark?.d === null || mark?.d === undefined ? undefined : addDays(String(mark.d), 1)
      while (day !== undefined && day < today && rolled < ROLL_DAYS_PER_RUN) {
        const d = day
        await db.transaction(async (tx) => {
          await tx.execute(sql`delete from analytics_daily_event where day = ${d}::date`)
          await tx.execute(sql`
            insert into analytics_daily_event (day, name, provider, reason, sandbox, count)
            select ${d}::date, e.name, coalesce(e.properties->>'provider', ''),
                   case when e.name = 'payment.failed' then coalesce(e.properties->>'reason', '') else '' end, e.sandbox, count(*)
            from analytics_event e where e.at >= ${start(d)} and e.at < ${end(d)} group by 2, 3, 4, 5`)
          // the day's paying customers, as a bit of their year (the funnel's paid step, decision 0059)
          await tx.execute(sql`
            insert into analytics_customer_year as t (customer_telegram_id, year, sandbox, active, started, catalog, product, checkout, paid)
            select o.customer_telegram_id, ${Number(d.slice(0, 4))}, o.sandbox, ${ZERO}, ${ZERO}, ${ZERO}, ${ZERO}, ${ZERO},
                   set_bit(${ZERO}, ${daysBetween(`${d.slice(0, 4)}-01-01`, d)}, 1)
            from shop_order o where o.paid_at >= ${start(d)} and o.paid_at < ${end(d)} group by 1, 3
            on conflict (year, sandbox, customer_telegram_id) do update set paid = t.paid | excluded.paid`)
          await tx.execute(sql`
            insert into analytics_customer_last as t (customer_telegram_id, sandbox, paid)
            select o.customer_telegram_id, o.sandbox, ${d}::date from shop_order o where o.paid_at >= ${start(d)} and o.paid_at < ${end(d)} group by 1, 2
            on conflict (sandbox, customer_telegram_id) do update set paid = greatest(t.paid, excluded.paid)`)
          await tx.execute(sql`insert into analytics_rolled_day (day) values (${d}::date) on conflict do nothing`)
        })
        rolled++
        day = addDays(d, 1)
      }
      // the ledger's sums of finished days (decision 0063), from the first day an order was paid
      let ledgerRolled = 0
      for (let next = await ledger.nextDay(); next !== undefined && next < today && ledgerRolled < ROLL_DAYS_PER_RUN; next = addDays(next, 1)) {
        await ledger.rollDay(next)
        ledgerRolled++
      }
      // raw events past retention go, but only from days already rolled up
      const retention = options.retentionDays ?? 400
      let pruned = 0
      for (let i = 0; i < PRUNE_BATCHES_PER_RUN; i++) {
        const gone = await rows(sql`
          delete from analytics_event where id in (
            select e.id from analytics_event e
            where e.at < ${new Date(now - retention * 86_400_000).toISOString()}::timestamptz
              and e.at < (select (max(day) + 1)::timestamp at time zone ${tz} from analytics_rolled_day)
            limit ${PRUNE_BATCH}) returning id`)
        pruned += gone.length
        if (gone.length < PRUNE_BATCH) break
      }
      return { rolled, ledgerRolled, pruned }
    }
  }
}

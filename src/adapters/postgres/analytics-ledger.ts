/**
 * The analytics routes' ledger figures (revenue, orders per day, products; decision 0031) from the
 * per-day sums of `analytics_sales_day` and `analytics_product_day` for the days the analytics job
 * rolled up, and from `shop_order`'s own rows for the others (today, days before the first rolled
 * day): the answers are the same before and after a roll-up (decision 0063). Triggers on the ledger
 * keep the sums exact under refunds made any later day (migration `analytics-fast`).
 *
 * @example
 * const ledger = createAnalyticsLedger(db, { timezone: 'Asia/Tashkent', includeSandbox: false })
 * await ledger.revenue({ from: '2026-01-01', to: '2026-12-31' })
 */
import { sql, type SQL } from 'drizzle-orm'
import { addDays } from '../../domain/analytics/events.js'
import type { ProductRow, RevenueRow } from '../../usecases/analytics.js'
import type { Db } from './database.js'
import { analyticsSql } from './analytics-sql.js'

interface Range { from: string, to: string }

export interface AnalyticsLedgerOptions { timezone: string, includeSandbox: boolean }

export function createAnalyticsLedger (db: Db, options: AnalyticsLedgerOptions): {
  revenue(range: Range): Promise<RevenueRow[]>
  daily(metric: 'revenue' | 'orders', range: Range): Promise<Array<{ date: string, value: number, currency?: string }>>
  products(range: Range, limit: number): Promise<ProductRow[]>
  /** Rolls the ledger's sums of one finished day (`YYYY-MM-DD`) up, under the triggers' advisory lock. */
  rollDay(day: string): Promise<void>
  /** The next day to roll (the one after the last rolled, or the first day an order was paid), if any. */
  nextDay(): Promise<string | undefined>
} {
  const tz = options.timezone
  const { live, start, end, localDay, rows, num, paidIn } = analyticsSql(db, options)

  /** The range's rolled days (one span: days are rolled in order) and the ledger conditions of the others. */
  const split = async (range: Range): Promise<{ rolled?: Range, raw: SQL | undefined }> => {
    const [mark] = await rows(sql`select to_char(min(day), 'YYYY-MM-DD') as first, to_char(max(day), 'YYYY-MM-DD') as last from analytics_ledger_day`)
    const first = typeof mark?.first === 'string' ? mark.first : undefined
    const last = typeof mark?.last === 'string' ? mark.last : undefined
    if (first === undefined || last === undefined || first > range.to || last < range.from) return { raw: paidIn(range.from, range.to) }
    const rolled = { from: first > range.from ? first : range.from, to: last < range.to ? last : range.to }
    const raw: SQL[] = []
    if (range.from < rolled.from) raw.push(paidIn(range.from, addDays(rolled.from, -1)))
    if (rolled.to < range.to) raw.push(paidIn(addDays(rolled.to, 1), range.to))
    return { rolled, raw: raw.length === 0 ? undefined : sql.join(raw.map((w) => sql`(${w})`), sql` or `) }
  }
  const union = (parts: Array<SQL | undefined>): SQL => {
    const kept = parts.filter((p): p is SQL => p !== undefined)
    return kept.length === 0 ? sql`select null where false` : sql.join(kept, sql` union all `)
  }
  const daysIn = (rolled: Range | undefined, alias: string): SQL | undefined => rolled === undefined
    ? undefined
    : sql`${sql.raw(alias)}.day between ${rolled.from}::date and ${rolled.to}::date and ${live(sql.raw(`${alias}.sandbox`))}`

  return {
    async revenue (range) {
      const { rolled, raw } = await split(range)
      const days = daysIn(rolled, 's')
      const found = await rows(sql`
        select currency, sum(gross)::float8 as gross, sum(refunded)::float8 as refunded, sum(orders)::int as orders from (${union([
          days && sql`select s.currency, s.gross, s.refunded, s.orders from analytics_sales_day s where ${days}`,
          raw && sql`select o.currency, sum(o.total_amount) as gross, sum(o.refunded_amount) as refunded, count(*) as orders from shop_order o where ${raw} group by 1`
        ])}) t(currency, gross, refunded, orders) group by currency having sum(orders) > 0 order by currency`)
      return found.map((r) => ({ currency: String(r.currency), gross: num(r.gross), refunded: num(r.refunded), orders: num(r.orders) }))
    },

    async daily (metric, range) {
      const { rolled, raw } = await split(range)
      const days = daysIn(rolled, 's')
      const found = await rows(sql`
        select date, currency, sum(net)::float8 as net, sum(orders)::int as orders from (${union([
          days && sql`select to_char(s.day, 'YYYY-MM-DD'), s.currency, s.gross - s.refunded, s.orders from analytics_sales_day s where ${days}`,
          raw && sql`select ${localDay(sql`o.paid_at`)}, o.currency, sum(o.total_amount - o.refunded_amount), count(*) from shop_order o where ${raw} group by 1, 2`
        ])}) t(date, currency, net, orders) group by date, currency having sum(orders) > 0`)
      if (metric === 'revenue') return found.map((r) => ({ date: String(r.date), value: num(r.net), currency: String(r.currency) }))
      const perDay = new Map<string, number>()
      for (const r of found) perDay.set(String(r.date), (perDay.get(String(r.date)) ?? 0) + num(r.orders))
      return [...perDay].map(([date, value]) => ({ date, value }))
    },

    async products (range, limit) {
      const { rolled, raw } = await split(range)
      const days = daysIn(rolled, 'd')
      const found = await rows(sql`
        select t.product_id, t.currency, sum(t.units)::int as units, sum(t.revenue)::float8 as revenue,
               coalesce(min(p.title->>'en'), min(t.title), t.product_id) as title
        from (${union([
          days && sql`select d.product_id, d.currency, d.lines, d.units, d.revenue, d.title from analytics_product_day d where ${days}`,
          raw && sql`select i.product_id, i.currency, count(*), sum(i.quantity), sum(i.quantity::bigint * i.unit_amount), min(i.title->>'en')
            from order_item i join shop_order o on o.id = i.order_id where (${raw}) and o.state <> 'refunded' group by 1, 2`
        ])}) t(product_id, currency, lines, units, revenue, title) left join product p on p.id = t.product_id
        group by t.product_id, t.currency having sum(t.lines) > 0 order by units desc, revenue desc, t.product_id limit ${limit}`)
      return found.map((r) => ({ productId: String(r.product_id), title: String(r.title), units: num(r.units), revenue: { amount: num(r.revenue), currency: String(r.currency) } }))
    },

    async rollDay (day) {
      await db.transaction(async (tx) => {
        // the triggers take this lock shared: a ledger change is in these sums or applied to them after
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext('bozor:analytics-ledger'))`)
        await tx.execute(sql`insert into analytics_ledger_day (day, starts_at, ends_at) values (${day}::date, ${start(day)}, ${end(day)})`)
        await tx.execute(sql`
          insert into analytics_sales_day (day, sandbox, currency, orders, gross, refunded)
          select ${day}::date, o.sandbox, o.currency, count(*), sum(o.total_amount), sum(o.refunded_amount)
          from shop_order o where o.paid_at >= ${start(day)} and o.paid_at < ${end(day)} group by 2, 3`)
        await tx.execute(sql`
          insert into analytics_product_day (day, sandbox, product_id, currency, lines, units, revenue, title)
          select ${day}::date, o.sandbox, i.product_id, i.currency, count(*), sum(i.quantity), sum(i.quantity::bigint * i.unit_amount), min(i.title->>'en')
          from order_item i join shop_order o on o.id = i.order_id
          where o.paid_at >= ${start(day)} and o.paid_at < ${end(day)} and o.state <> 'refunded' group by 2, 3, 4`)
      })
    },

    async nextDay () {
      const [mark] = await rows(sql`
        select coalesce(to_char(max(day) + 1, 'YYYY-MM-DD'),
          (select to_char((min(paid_at) at time zone ${tz})::date, 'YYYY-MM-DD') from shop_order)) as d from analytics_ledger_day`)
      return typeof mark?.d === 'string' ? mark.d : undefined
    }
  }
}

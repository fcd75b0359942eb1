/**
 * The SQL fragments both analytics readers share (`analytics-store.ts`, `analytics-ledger.ts`):
 * a day's bounds in `timezone`, a timestamp's local day, the live-rows condition (sandbox rows
 * count only in sandbox mode) and the ledger's paid-in-range condition.
 *
 * @example
 * const q = analyticsSql(db, { timezone: 'Asia/Tashkent', includeSandbox: false })
 * await q.rows(sql`select count(*) from shop_order o where ${q.paidIn('2026-01-01', '2026-01-31')}`)
 */
import { sql, type SQL } from 'drizzle-orm'
import type { Db } from './database.js'

export type Row = Record<string, unknown>

export interface AnalyticsSql {
  /** True for a row that counts: any row in sandbox mode, else one made live. */
  live(column: SQL): SQL
  /** The first instant of `day` (`YYYY-MM-DD`) in the timezone. */
  start(day: string): SQL
  /** The first instant after `day`. */
  end(day: string): SQL
  /** A timestamp column's local day as `YYYY-MM-DD`. */
  localDay(column: SQL): SQL
  rows(query: SQL): Promise<Row[]>
  num(value: unknown): number
  /** Orders (`o`) paid from `from` to `to`, both days included, that count. */
  paidIn(from: string, to: string): SQL
}

export function analyticsSql (db: Db, options: { timezone: string, includeSandbox: boolean }): AnalyticsSql {
  const tz = options.timezone
  const live = (column: SQL): SQL => options.includeSandbox ? sql`true` : sql`${column} = false`
  const start = (day: string): SQL => sql`(${day}::date::timestamp at time zone ${tz})`
  const end = (day: string): SQL => sql`((${day}::date + 1)::timestamp at time zone ${tz})`
  return {
    live,
    start,
    end,
    localDay: (column) => sql`to_char((${column} at time zone ${tz})::date, 'YYYY-MM-DD')`,
    rows: async (query) => (await db.execute(query)).rows as Row[],
    num: (value) => Number(value ?? 0),
    paidIn: (from, to) => sql`o.paid_at >= ${start(from)} and o.paid_at < ${end(to)} and ${live(sql`o.sandbox`)}`
  }
}

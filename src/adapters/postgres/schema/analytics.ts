import { sql } from 'drizzle-orm'
import { bigint, boolean, customType, date, index, integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core'
import { timestamptz } from './columns.js'

/**
 * One row per customer and day (in `TIMEZONE`) on which they used the bot: DAU, WAU and MAU are
 * exact distinct counts over it (decision 0030). `steps` is a bit set of the funnel steps reached
 * that day (1 start, 2 catalog, 4 product, 8 checkout). Written in batches by the bot's event
 * buffer (`insert … on conflict do update set steps = steps | excluded.steps`), never per update.
 */
export const analyticsCustomerDay = pgTable('analytics_customer_day', {
  day: date('day', { mode: 'string' }).notNull(),
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }).notNull(),
  steps: integer('steps').notNull().default(0),
  /** Recorded in sandbox mode: left out of analytics once live. */
  sandbox: boolean('sandbox').notNull().default(false)
}, (t) => [
  primaryKey({ name: 'analytics_customer_day_pkey', columns: [t.day, t.customerTelegramId] }),
  index('analytics_customer_day_customer_idx').on(t.customerTelegramId),
  // live queries (sandbox rows left out) count distinct customers from the index alone
  index('analytics_customer_day_live_idx').on(t.day, t.customerTelegramId, t.steps).where(sql`${t.sandbox} = false`)
])

/**
 * Daily counts of raw events by name and two dimensions (`payment.failed`: provider and reason),
 * built by the analytics job for every day before today that is not rolled up yet. The rollups
 * stay when raw events older than `EVENT_RETENTION_DAYS` are removed.
 */
export const analyticsDailyEvent = pgTable('analytics_daily_event', {
  day: date('day', { mode: 'string' }).notNull(),
  name: text('name').notNull(),
  provider: text('provider').notNull().default(''),
  reason: text('reason').notNull().default(''),
  sandbox: boolean('sandbox').notNull().default(false),
  count: bigint('count', { mode: 'number' }).notNull()
}, (t) => [
  primaryKey({ name: 'analytics_daily_event_pkey', columns: [t.day, t.name, t.provider, t.reason, t.sandbox] }),
  index('analytics_daily_event_name_day_idx').on(t.name, t.day)
])

/** The days `analytics_daily_event` holds (rolled up once the day is over, in `TIMEZONE`). */
export const analyticsRolledDay = pgTable('analytics_rolled_day', {
  day: date('day', { mode: 'string' }).primaryKey(),
  rolledAt: timestamptz('rolled_at').notNull().defaultNow()
})

/** A bit per day of a year (bit n = the year's day n, from 0 = 1 January), as `bit(366)`. */
const yearDays = customType<{ data: string, driverData: string }>({ dataType: () => 'bit(366)' })

/**
 * The days of a year on which a customer was active, and reached each funnel step, as bit sets
 * (decision 0059): one row per customer, year (in `TIMEZONE`) and sandbox mark, kept in step with
 * `analytics_customer_day` by statement triggers on it (migration `analytics-rollups`), so every
 * writer (the bot's batches, sandbox clear, a customer's erasure) keeps it exact. Distinct
 * customers over any range are one count over about one row per customer and year.
 */
export const analyticsCustomerYear = pgTable('analytics_customer_year', {
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }).notNull(),
  year: smallint('year').notNull(),
  sandbox: boolean('sandbox').notNull(),
  active: yearDays('active').notNull(),
  started: yearDays('started').notNull(),
  catalog: yearDays('catalog').notNull(),
  product: yearDays('product').notNull(),
  checkout: yearDays('checkout').notNull(),
  /**
   * Days on which an order of theirs was paid (in the order's sandbox mark): written by the
   * analytics job when it rolls a finished day up (it alone knows TIMEZONE's day of `paid_at`).
   */
  paid: yearDays('paid').notNull().default(sql`B'0'::bit(366)`)
}, (t) => [
  primaryKey({ name: 'analytics_customer_year_pkey', columns: [t.year, t.sandbox, t.customerTelegramId] })
])

/**
 * The last day (in `TIMEZONE`) on which a customer was active and reached each funnel step, one
 * row per customer and sandbox mark (decision 0072): a range that ends on or after the last day
 * any customer was seen (the usual "last N days") asks of each customer only "last day ≥ from",
 * with no bit sets and no grouping over years. Kept by statement triggers on
 * `analytics_customer_day` like `analytics_customer_year` (migration `analytics-last-days`);
 * `paid` by the analytics job when it rolls a finished day up. A step never reached is null.
 */
export const analyticsCustomerLast = pgTable('analytics_customer_last', {
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }).notNull(),
  sandbox: boolean('sandbox').notNull(),
  active: date('active', { mode: 'string' }),
  started: date('started', { mode: 'string' }),
  catalog: date('catalog', { mode: 'string' }),
  product: date('product', { mode: 'string' }),
  checkout: date('checkout', { mode: 'string' }),
  paid: date('paid', { mode: 'string' })
}, (t) => [
  primaryKey({ name: 'analytics_customer_last_pkey', columns: [t.sandbox, t.customerTelegramId] })
])

/** Customers active per day and sandbox mark (the `active_customers` series), kept by the same triggers. */
export const analyticsDayActive = pgTable('analytics_day_active', {
  day: date('day', { mode: 'string' }).notNull(),
  sandbox: boolean('sandbox').notNull(),
  customers: integer('customers').notNull()
}, (t) => [
  primaryKey({ name: 'analytics_day_active_pkey', columns: [t.day, t.sandbox] })
])

/**
 * The finished days (in `TIMEZONE`) whose ledger sums `analytics_sales_day` and
 * `analytics_product_day` hold (decision 0063), with the day's bounds as instants: the triggers on
 * `shop_order` and `order_item` find the day of a `paid_at` without knowing TIMEZONE.
 */
export const analyticsLedgerDay = pgTable('analytics_ledger_day', {
  day: date('day', { mode: 'string' }).primaryKey(),
  startsAt: timestamptz('starts_at').notNull(),
  endsAt: timestamptz('ends_at').notNull()
}, (t) => [
  index('analytics_ledger_day_starts_idx').on(t.startsAt)
])

/**
 * Per rolled day, sandbox mark and currency: the orders paid that day, their totals and what of
 * them is refunded so far (decision 0031). Kept exact by row triggers on `shop_order` (a refund
 * made any later day updates its sale's day, in the ledger's transaction).
 */
export const analyticsSalesDay = pgTable('analytics_sales_day', {
  day: date('day', { mode: 'string' }).notNull(),
  sandbox: boolean('sandbox').notNull(),
  currency: text('currency').notNull(),
  orders: integer('orders').notNull(),
  gross: bigint('gross', { mode: 'number' }).notNull(),
  refunded: bigint('refunded', { mode: 'number' }).notNull()
}, (t) => [
  primaryKey({ name: 'analytics_sales_day_pkey', columns: [t.day, t.sandbox, t.currency] })
])

/**
 * Per rolled day, sandbox mark, product and currency: the items of the orders paid that day and
 * not fully refunded (`lines` item rows, `units`, `revenue` = quantity × unit price), kept by the
 * same triggers and by one on `order_item`. `title` is the least English item title seen.
 */
export const analyticsProductDay = pgTable('analytics_product_day', {
  day: date('day', { mode: 'string' }).notNull(),
  sandbox: boolean('sandbox').notNull(),
  productId: text('product_id').notNull(),
  currency: text('currency').notNull(),
  lines: integer('lines').notNull(),
  units: bigint('units', { mode: 'number' }).notNull(),
  revenue: bigint('revenue', { mode: 'number' }).notNull(),
  title: text('title')
}, (t) => [
  primaryKey({ name: 'analytics_product_day_pkey', columns: [t.day, t.sandbox, t.productId, t.currency] })
])

/**
 * The analytics routes' use cases (DESIGN.md "The merchant's half", Analytics): each parses the
 * day range in `TIMEZONE` and asks the store. Revenue comes from the ledger (orders), per
 * currency, never summed across currencies, net of refunds; customer counts are exact distinct
 * counts over one row per active customer and day; event counts come from the daily rollups plus
 * the raw events of the days not rolled up yet (decision 0030).
 *
 * @example
 * const overview = await analyticsOverview({ store, clock, timezone: 'UTC' }, { from: '2026-01-01', to: '2026-01-31' })
 */
import { addDays, dayIn, daysBetween, funnelOf, isDay, rangeOf, type BotEvent, type DayRange, type FunnelStep } from '../domain/analytics/events.js'
import type { Clock } from '../domain/shared/clock.js'
import { validationError } from '../domain/shared/errors.js'
import type { Money } from '../domain/shared/money.js'

/** Revenue of the orders paid in a range, per currency (minor units). */
export interface RevenueRow { currency: string, gross: number, refunded: number, orders: number }

export type TimeseriesMetric = 'revenue' | 'orders' | 'new_customers' | 'active_customers'

export interface ProductRow { productId: string, title: string, units: number, revenue: Money }
export interface SourceRow { source: string, customers: number, orders: number, revenue: Money[] }
export interface FailureRow { provider: string, reason: string, count: number }

/** The analytics queries (adapters/postgres/analytics-store.ts). Days are `YYYY-MM-DD` in `TIMEZONE`. */
export interface AnalyticsStore {
  /** Orders paid in the range: gross, refunded so far, count, per currency. */
  revenue(range: DayRange): Promise<RevenueRow[]>
  /** Customers first seen in the range, and distinct customers active in it. */
  customers(range: DayRange): Promise<{ new: number, active: number }>
  /** One value per day (per currency for revenue), days without any left out. */
  daily(metric: TimeseriesMetric, range: DayRange): Promise<Array<{ date: string, value: number, currency?: string }>>
  /** Distinct customers per funnel step, in FUNNEL_STEPS order. */
  funnel(range: DayRange): Promise<number[]>
  /** Distinct customers active in the range. */
  activeCustomers(range: DayRange): Promise<number>
  /** Products of the orders paid in the range (fully refunded ones left out), by units then revenue. */
  products(range: DayRange, limit: number): Promise<ProductRow[]>
  /** Per referral code: customers first seen in the range, their paid orders and net revenue in it. */
  sources(range: DayRange, limit: number): Promise<SourceRow[]>
  /** `payment.failed` events per provider and reason. */
  paymentFailures(range: DayRange): Promise<FailureRow[]>
}

export interface AnalyticsDeps {
  store: AnalyticsStore
  clock: Clock
  /** TIMEZONE: the IANA zone analytics counts days in. */
  timezone: string
}

export interface RangeQuery { from?: string | undefined, to?: string | undefined }

function rangeFor (deps: AnalyticsDeps, query: RangeQuery): DayRange {
  return rangeOf(query, dayIn(deps.clock.now(), deps.timezone))
}

/** `GET /analytics/overview`. */
export async function analyticsOverview (deps: AnalyticsDeps, query: RangeQuery): Promise<{
  revenue: Array<RevenueRow & { net: number }>, customers: { new: number, active: number }, averageOrder: Money[]
}> {
  const range = rangeFor(deps, query)
  const [revenue, customers] = await Promise.all([deps.store.revenue(range), deps.store.customers(range)])
  const rows = revenue.map((r) => ({ ...r, net: r.gross - r.refunded }))
  return {
    revenue: rows,
    customers,
    averageOrder: rows.filter((r) => r.orders > 0).map((r) => ({ amount: Math.round(r.net / r.orders), currency: r.currency }))
  }
}

/** `GET /analytics/timeseries`: every day of the range, zero where nothing happened (revenue: per currency seen). */
export async function analyticsTimeseries (deps: AnalyticsDeps, query: RangeQuery & { metric: TimeseriesMetric }): Promise<{ points: Array<{ date: string, value: number, currency?: string }> }> {
  const range = rangeFor(deps, query)
  const rows = await deps.store.daily(query.metric, range)
  const days = Array.from({ length: daysBetween(range.from, range.to) + 1 }, (_, i) => addDays(range.from, i))
  if (query.metric !== 'revenue') {
    const byDay = new Map(rows.map((r) => [r.date, r.value]))
    return { points: days.map((date) => ({ date, value: byDay.get(date) ?? 0 })) }
  }
  const currencies = [...new Set(rows.map((r) => r.currency ?? ''))].sort()
  const byKey = new Map(rows.map((r) => [`${r.date}/${r.currency ?? ''}`, r.value]))
  return { points: days.flatMap((date) => currencies.map((currency) => ({ date, value: byKey.get(`${date}/${currency}`) ?? 0, currency }))) }
}

/** `GET /analytics/funnel`. */
export async function analyticsFunnel (deps: AnalyticsDeps, query: RangeQuery): Promise<{ steps: Array<{ step: FunnelStep, customers: number, conversion: number }> }> {
  return { steps: funnelOf(await deps.store.funnel(rangeFor(deps, query))) }
}

/** `GET /analytics/active?date`: the day's, the 7 days' and the 30 days' distinct customers ending on `date` [today]. */
export async function analyticsActive (deps: AnalyticsDeps, query: { date?: string | undefined }): Promise<{ dau: number, wau: number, mau: number }> {
  if (query.date !== undefined && !isDay(query.date)) throw validationError([{ field: 'date', message: 'must be a calendar day YYYY-MM-DD' }])
  const day = query.date ?? dayIn(deps.clock.now(), deps.timezone)
  const [dau, wau, mau] = await Promise.all([0, 6, 29].map((back) => deps.store.activeCustomers({ from: addDays(day, -back), to: day })))
  return { dau: dau!, wau: wau!, mau: mau! }
}

/** `GET /analytics/products`. */
export async function analyticsProducts (deps: AnalyticsDeps, query: RangeQuery & { limit?: number | undefined }): Promise<{ items: ProductRow[] }> {
  return { items: await deps.store.products(rangeFor(deps, query), query.limit ?? 20) }
}

/** `GET /analytics/sources`. */
export async function analyticsSources (deps: AnalyticsDeps, query: RangeQuery & { limit?: number | undefined }): Promise<{ items: SourceRow[] }> {
  return { items: await deps.store.sources(rangeFor(deps, query), query.limit ?? 50) }
}

/** `GET /analytics/payment-failures`. */
export async function analyticsPaymentFailures (deps: AnalyticsDeps, query: RangeQuery): Promise<{ items: FailureRow[] }> {
  return { items: await deps.store.paymentFailures(rangeFor(deps, query)) }
}

/**
 * Where bot events go: `record` never blocks nor throws (a bounded buffer written in batches);
 * `active` marks the customer active today without an event row. The broadcast worker records
 * `broadcast.sent` the same way (or inside its transaction with the store's `appendInTx`).
 */
export interface EventRecorder {
  record(event: BotEvent): void
  active(telegramId: number): void
}

/**
 * Analytics events (DESIGN.md "The merchant's half", Analytics): names, the funnel's steps, the
 * failure reasons of `payment.failed`, and the date-range rules of the analytics routes.
 * Pure: no I/O.
 */
import { validationError } from '../shared/errors.js'

/** The contract's event names, dotted and past tense. */
export const EVENT_NAMES = [
  'bot.started', 'catalog.opened', 'product.viewed', 'checkout.started',
  'order.placed', 'payment.failed', 'order.paid', 'order.refunded', 'broadcast.sent'
] as const
export type EventName = typeof EVENT_NAMES[number]

/** An event the bot records (buffered, written in batches). */
export interface BotEvent {
  name: EventName
  customerTelegramId: number
  /** Epoch ms. */
  at: number
  properties?: Record<string, unknown>
  orderId?: string
}

/** Funnel steps in order; the first four are bits of `analytics_customer_day.steps`, `paid` comes from the ledger. */
export const FUNNEL_STEPS = ['start', 'catalog', 'product', 'checkout', 'paid'] as const
export type FunnelStep = typeof FUNNEL_STEPS[number]

/** The bit of a bot event's funnel step (0: the event only marks the customer active). */
export function stepBitOf (name: EventName): number {
  switch (name) {
    case 'bot.started': return 1
    case 'catalog.opened': return 2
    case 'product.viewed': return 4
    case 'checkout.started': return 8
    default: return 0
  }
}

/**
 * Distinct customers per step → the funnel with each step's conversion from the one before
 * (the first step's is 1; 0 after an empty step), rounded to four places.
 */
export function funnelOf (customers: readonly number[]): Array<{ step: FunnelStep, customers: number, conversion: number }> {
  return FUNNEL_STEPS.map((step, i) => {
    const n = customers[i] ?? 0
    const before = i === 0 ? n : customers[i - 1] ?? 0
    const conversion = i === 0 ? (n > 0 ? 1 : 0) : before > 0 ? Math.round((n / before) * 10_000) / 10_000 : 0
    return { step, customers: n, conversion }
  })
}

/** The longest range an analytics route answers, in days (both ends included). */
export const MAX_RANGE_DAYS = 731

/** A range of calendar days (`YYYY-MM-DD`, both ends included) in `TIMEZONE`. */
export interface DayRange { from: string, to: string }

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** Whether `text` is a real calendar day `YYYY-MM-DD` (years 2000–9999). */
export function isDay (text: string): boolean {
  const m = DAY.exec(text)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (y < 2000) return false
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/** Days from `from` to `to` (0 when equal). */
export function daysBetween (from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000)
}

/** `day` moved by `n` days. */
export function addDays (day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
}

/** The calendar day of `at` (epoch ms) in the IANA zone `timeZone`. */
export function dayIn (at: number, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD; a formatter costs far more to build than to use (the webhook's
  // profile had 4 % of its samples here), so one is kept per zone
  let format = dayFormats.get(timeZone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(timeZone, format)
  }
  return format.format(at)
}
const dayFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * The range the query asks for: `from` and `to` are days; missing, `to` is today and `from` 29
 * days before it. Throws 400 ERR_VALIDATION for a malformed day, `from` after `to`, or a range
 * longer than {@link MAX_RANGE_DAYS}.
 */
export function rangeOf (query: { from?: string | undefined, to?: string | undefined }, today: string): DayRange {
  const errors = []
  for (const field of ['from', 'to'] as const) {
    const value = query[field]
    if (value !== undefined && !isDay(value)) errors.push({ field, message: 'must be a calendar day YYYY-MM-DD' })
  }
  if (errors.length > 0) throw validationError(errors)
  const to = query.to ?? (query.from !== undefined && daysBetween(query.from, today) < 0 ? query.from : today)
  const from = query.from ?? addDays(to, -29)
  if (daysBetween(from, to) < 0) throw validationError([{ field: 'from', message: 'must not be after to' }])
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw validationError([{ field: 'to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }])
  return { from, to }
}

/**
 * The reason a failed payment is counted under: the card's failure (`declined`,
 * `insufficient_funds`, `expired_card`), `not_completed` for an abandoned checkout, or the
 * provider's own code (`payme_cancel_<n>`, `click_error_<n>`, `timed_out`).
 */
export type FailureReason = string

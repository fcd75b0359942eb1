/**
 * TypeBox schemas of the analytics routes (DESIGN.md "The merchant's half", Analytics). Days are
 * `YYYY-MM-DD` in `TIMEZONE`; a range is both ends included, at most 731 days, `from` ≤ `to`
 * (the use case checks the calendar and the order: 400 ERR_VALIDATION).
 */
import { Type } from 'typebox'
import { Money } from './admin.js'

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day YYYY-MM-DD in TIMEZONE', examples: ['2026-01-31'] })
const Count = Type.Integer({ minimum: 0 })
const Amount = Type.Integer({ minimum: 0, description: 'minor units' })

export const RangeQuery = Type.Object({
  from: Type.Optional({ ...Day, description: 'first day, included [to minus 29 days]' }),
  to: Type.Optional({ ...Day, description: 'last day, included [today]' })
}, { additionalProperties: false })

export const TimeseriesQuery = Type.Object({
  metric: Type.Union([Type.Literal('revenue'), Type.Literal('orders'), Type.Literal('new_customers'), Type.Literal('active_customers')]),
  from: Type.Optional(Day),
  to: Type.Optional(Day)
}, { additionalProperties: false })

export const TopQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'rows [products 20, sources 50]' }))
}, { additionalProperties: false })

export const ActiveQuery = Type.Object({
  date: Type.Optional({ ...Day, description: 'the day counted [today]; WAU and MAU end on it' })
}, { additionalProperties: false })

export const Overview = Type.Object({
  revenue: Type.Array(Type.Object({ currency: Type.String(), gross: Amount, refunded: Amount, net: Amount, orders: Count }, { additionalProperties: false }),
    { description: 'orders paid in the range, per currency (never summed across currencies); refunded: what of them was refunded' }),
  customers: Type.Object({ new: Count, active: Count }, { additionalProperties: false }),
  averageOrder: Type.Array(Money, { description: 'net revenue per paid order, per currency' })
}, { additionalProperties: false })

export const Timeseries = Type.Object({
  points: Type.Array(Type.Object({ date: Day, value: Type.Integer({ minimum: 0 }), currency: Type.Optional(Type.String()) }, { additionalProperties: false }),
    { description: 'every day of the range (revenue: one point per day and currency, net of refunds)' })
}, { additionalProperties: false })

export const Funnel = Type.Object({
  steps: Type.Array(Type.Object({
    step: Type.Union([Type.Literal('start'), Type.Literal('catalog'), Type.Literal('product'), Type.Literal('checkout'), Type.Literal('paid')]),
    customers: Count,
    conversion: Type.Number({ minimum: 0, maximum: 1, description: 'share of the step before (the first: 1)' })
  }, { additionalProperties: false }))
}, { additionalProperties: false })

export const Active = Type.Object({ dau: Count, wau: Count, mau: Count }, { additionalProperties: false })

export const Products = Type.Object({
  items: Type.Array(Type.Object({ productId: Type.String(), title: Type.String(), units: Count, revenue: Money }, { additionalProperties: false }))
}, { additionalProperties: false })

export const Sources = Type.Object({
  items: Type.Array(Type.Object({ source: Type.String(), customers: Count, orders: Count, revenue: Type.Array(Money) }, { additionalProperties: false }))
}, { additionalProperties: false })

export const PaymentFailures = Type.Object({
  items: Type.Array(Type.Object({ provider: Type.String(), reason: Type.String(), count: Count }, { additionalProperties: false }))
}, { additionalProperties: false })

import { createCheckoutSession, CREATE_SESSION_FIELDS, expireCheckoutSession, lineItemsList } from './checkout-sessions.js'
import { EmulatorError, resourceMissing } from './errors.js'
import { p, type FieldSpec } from './params.js'
import { attemptPayment, cancelPaymentIntent, CANCEL_INTENT_FIELDS, CONFIRM_FIELDS, createPaymentIntent, CREATE_INTENT_FIELDS } from './payment-intents.js'
import { createRefund, CREATE_REFUND_FIELDS } from './refunds.js'
import { expandObject, type EmulatorState, type RequestRef, type StripeObject } from './state.js'

/** What a route handler sees. */
export interface RouteContext {
  state: EmulatorState
  params: Record<string, unknown>
  id: string
  request: RequestRef
  /** Whether every delivery of the event reached an endpoint (for `delivery_success`). */
  deliverySucceeded: (eventId: string) => boolean
}

/** One `/v1` endpoint. */
export interface Route {
  method: 'GET' | 'POST'
  pattern: RegExp
  fields: Record<string, FieldSpec>
  handle: (ctx: RouteContext) => unknown
}

function get<T> (map: Map<string, T>, kind: string, id: string): T {
  const found = map.get(id)
  if (found === undefined) throw resourceMissing(kind, id)
  return found
}

function expand (ctx: RouteContext, object: StripeObject): StripeObject {
  const paths = (ctx.params.expand ?? []) as string[]
  const out = expandObject(ctx.state, object, paths.filter((path) => path !== 'line_items'))
  if (object.object === 'checkout.session' && paths.includes('line_items')) out.line_items = lineItemsList(ctx.state, object.id)
  return out
}

function confirm (ctx: RouteContext, intent: StripeObject): StripeObject {
  const result = attemptPayment(ctx.state, intent, {
    paymentMethod: ctx.params.payment_method as string | undefined,
    returnUrl: ctx.params.return_url as string | undefined,
    errorOnRequiresAction: ctx.params.error_on_requires_action as boolean | undefined
  }, ctx.request)
  if (!result.ok) throw new EmulatorError(402, result.error, { executed: true })
  return expand(ctx, intent)
}

function list (ctx: RouteContext, items: StripeObject[], url: string): Record<string, unknown> {
  const limit = Math.min(Math.max((ctx.params.limit as number | undefined) ?? 10, 1), 100)
  let start = 0
  if (ctx.params.starting_after !== undefined) start = items.findIndex((item) => item.id === ctx.params.starting_after) + 1
  const page = items.slice(start, start + limit)
  return { object: 'list', data: page.map((item) => expand(ctx, item)), has_more: start + limit < items.length, url }
}

function createdMatches (created: number, filter: unknown): boolean {
  if (filter === undefined) return true
  if (typeof filter === 'string') return created === Number(filter)
  const f = filter as Record<string, string>
  return (f.gte === undefined || created >= Number(f.gte)) && (f.gt === undefined || created > Number(f.gt)) &&
    (f.lte === undefined || created <= Number(f.lte)) && (f.lt === undefined || created < Number(f.lt))
}

function typeMatches (type: string, pattern: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern
}

const ID = '([A-Za-z0-9_]+)'
const LIST = { limit: p.integer(), starting_after: p.string(), ending_before: p.string() }

/** The `/v1` endpoints the emulator implements (specs/stripe.md §11.3). */
export const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, fields: CREATE_SESSION_FIELDS, handle: (ctx) => expand(ctx, createCheckoutSession(ctx.state, ctx.params)) },
  {
    method: 'GET',
    pattern: /^\/v1\/checkout\/sessions$/,
    fields: { ...LIST, payment_intent: p.string(), status: p.enum(['open', 'complete', 'expired']), created: p.any() },
    handle: (ctx) => list(ctx, [...ctx.state.sessions.values()].reverse().filter((s) =>
      (ctx.params.payment_intent === undefined || s.payment_intent === ctx.params.payment_intent) &&
      (ctx.params.status === undefined || s.status === ctx.params.status)), '/v1/checkout/sessions')
  },
  { method: 'GET', pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`), fields: {}, handle: (ctx) => expand(ctx, get(ctx.state.sessions, 'checkout.session', ctx.id)) },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/checkout/sessions/${ID}/line_items$`),
    fields: LIST,
    handle: (ctx) => { get(ctx.state.sessions, 'checkout.session', ctx.id); return lineItemsList(ctx.state, ctx.id) }
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/checkout/sessions/${ID}/expire$`),
    fields: {},
    handle: (ctx) => expand(ctx, expireCheckoutSession(ctx.state, get(ctx.state.sessions, 'checkout.session', ctx.id), ctx.request))
  },
  {
    method: 'POST',
    pattern: /^\/v1\/payment_intents$/,
    fields: CREATE_INTENT_FIELDS,
    handle: (ctx) => {
      const intent = createPaymentIntent(ctx.state, ctx.params, ctx.request)
      return ctx.params.confirm === true ? confirm(ctx, intent) : expand(ctx, intent)
    }
  },
  { method: 'GET', pattern: new RegExp(`^/v1/payment_intents/${ID}$`), fields: { client_secret: p.string() }, handle: (ctx) => expand(ctx, get(ctx.state.intents, 'payment_intent', ctx.id)) },
  { method: 'POST', pattern: new RegExp(`^/v1/payment_intents/${ID}/confirm$`), fields: CONFIRM_FIELDS, handle: (ctx) => confirm(ctx, get(ctx.state.intents, 'payment_intent', ctx.id)) },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/payment_intents/${ID}/cancel$`),
    fields: CANCEL_INTENT_FIELDS,
    handle: (ctx) => expand(ctx, cancelPaymentIntent(ctx.state, get(ctx.state.intents, 'payment_intent', ctx.id), ctx.params.cancellation_reason as string | undefined, ctx.request))
  },
  { method: 'POST', pattern: /^\/v1\/refunds$/, fields: CREATE_REFUND_FIELDS, handle: (ctx) => expand(ctx, createRefund(ctx.state, ctx.params, ctx.request)) },
  { method: 'GET', pattern: new RegExp(`^/v1/refunds/${ID}$`), fields: {}, handle: (ctx) => expand(ctx, get(ctx.state.refunds, 'refund', ctx.id)) },
  { method: 'GET', pattern: new RegExp(`^/v1/charges/${ID}$`), fields: {}, handle: (ctx) => expand(ctx, get(ctx.state.charges, 'charge', ctx.id)) },
  { method: 'GET', pattern: new RegExp(`^/v1/events/${ID}$`), fields: {}, handle: (ctx) => get(ctx.state.events, 'event', ctx.id) },
  {
    method: 'GET',
    pattern: /^\/v1\/events$/,
    fields: { ...LIST, type: p.string(), types: p.array(p.string()), created: p.any(), delivery_success: p.boolean() },
    handle: (ctx) => {
      const types = (ctx.params.types ?? (ctx.params.type === undefined ? [] : [ctx.params.type])) as string[]
      const events = [...ctx.state.events.values()].reverse().filter((e) =>
        (types.length === 0 || types.some((t) => typeMatches(e.type, t))) &&
        createdMatches(e.created, ctx.params.created) &&
        (ctx.params.delivery_success === undefined || ctx.deliverySucceeded(e.id) === ctx.params.delivery_success))
      return list({ ...ctx, params: { ...ctx.params, expand: [] } }, events as unknown as StripeObject[], '/v1/events')
    }
  }
]

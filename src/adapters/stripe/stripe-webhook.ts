/**
 * Inbound Stripe webhooks (specs/stripe.md §6): verification of the raw body with the SDK's
 * `constructEvent`, the livemode check, and translation into {@link StripeWebhookEvent}.
 */
import Stripe from 'stripe'
import { Type, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import type { StripeWebhookEvent, CardError } from '../../usecases/ports-stripe.js'
import { fromStripeAmount } from './stripe-amount.js'

/** Why a delivery was refused (answered 400, nothing recorded). */
export class StripeWebhookRejected extends Error {
  override name = 'StripeWebhookRejected'
}

/**
 * Verifies `rawBody` against the `Stripe-Signature` header (default tolerance, 300 s, judged
 * at `nowMs`) and checks `livemode` against the key's mode. Throws {@link StripeWebhookRejected}.
 *
 * @example
 * const event = verifyStripeWebhook(buffer, request.headers['stripe-signature'], { secret, live: false, nowMs: clock.now() })
 */
export function verifyStripeWebhook (rawBody: Buffer | string, header: string | string[] | undefined, opts: { secret: string, live: boolean, nowMs: number }): Stripe.Event {
  const signature = Array.isArray(header) ? header.join(',') : header
  if (signature === undefined || signature.trim() === '') throw new StripeWebhookRejected('No Stripe-Signature header')
  let event: Stripe.Event
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, opts.secret, undefined, undefined, opts.nowMs)
  } catch (error) {
    throw new StripeWebhookRejected(`Stripe signature check failed: ${(error as Error).message.slice(0, 200)}`)
  }
  if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || typeof event.type !== 'string') {
    throw new StripeWebhookRejected('The body is not a Stripe event')
  }
  if (event.livemode !== opts.live) throw new StripeWebhookRejected(`Event ${event.id} has livemode=${String(event.livemode)} but the key is ${opts.live ? 'live' : 'test'}: the endpoint is misconfigured`)
  return event
}

const str = (v: unknown): string | null => typeof v === 'string' && v !== '' ? v : null
const idOf = (v: unknown): string | null => typeof v === 'string' ? v : str((v as { id?: unknown } | null)?.id)

function orderIdOf (object: { metadata?: Record<string, string> | null, client_reference_id?: string | null }): string | null {
  return str(object.metadata?.order_id) ?? str(object.client_reference_id)
}

const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const

// What translateStripeEvent reads of each handled type's object (more fields may be there). A
// signed event whose object does not have them (null, a string, an amount that is not an
// integer) cannot be applied: it is ignored (200, recorded once by id) instead of failing (500)
// and being retried by Stripe for days.
const Nullable = (schema: TSchema): TSchema => Type.Optional(Type.Union([schema, Type.Null()]))
const Id = Type.String({ minLength: 1, maxLength: 255 })
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$' })
const Amount = Type.Integer({ minimum: 0 })
const Metadata = Nullable(Type.Record(Type.String(), Type.Unknown()))
const Ref = Nullable(Type.Union([Type.String(), Type.Object({ id: Type.String() })]))
const Text = Nullable(Type.String())
const SESSION = Type.Object({ id: Id, payment_status: Text, amount_total: Nullable(Amount), currency: Nullable(Currency), metadata: Metadata, client_reference_id: Text, payment_intent: Ref })
const REFUND = Type.Object({ id: Text, status: Text, amount: Amount, currency: Currency, metadata: Metadata, payment_intent: Ref, failure_reason: Text })
const DISPUTE = Type.Object({ id: Id, amount: Amount, currency: Currency, metadata: Metadata, payment_intent: Ref, charge: Ref, reason: Text, status: Text, evidence_details: Nullable(Type.Object({ due_by: Nullable(Type.Integer()) })) })
const OBJECT_SHAPES: Readonly<Record<string, TSchema>> = {
  'checkout.session.completed': SESSION,
  'checkout.session.async_payment_succeeded': SESSION,
  'checkout.session.async_payment_failed': SESSION,
  'checkout.session.expired': SESSION,
  'payment_intent.succeeded': Type.Object({ id: Id, amount_received: Amount, currency: Currency, metadata: Metadata }),
  'payment_intent.payment_failed': Type.Object({ id: Id, metadata: Metadata, last_payment_error: Nullable(Type.Object({ code: Text, decline_code: Text, message: Text })) }),
  'charge.refunded': Type.Object({ id: Id, amount_refunded: Amount, currency: Currency, metadata: Metadata, payment_intent: Ref }),
  'refund.created': REFUND,
  'refund.updated': REFUND,
  'refund.failed': REFUND,
  'charge.refund.updated': REFUND,
  'charge.dispute.created': DISPUTE,
  'charge.dispute.closed': DISPUTE
}

/** Marks an ignored event whose object was not what its type promises (the route logs it once). */
export const MALFORMED = '(malformed object)'

/** The event in the core's vocabulary; unhandled types, and handled ones with a malformed object, become `ignored`. */
export function translateStripeEvent (event: Stripe.Event): StripeWebhookEvent {
  const created = (event as { created?: unknown }).created
  const base = { eventId: event.id, at: typeof created === 'number' && Number.isSafeInteger(created) ? created * 1000 : 0 }
  const object = (event as { data?: { object?: unknown } }).data?.object as Record<string, unknown>
  const shape = Object.hasOwn(OBJECT_SHAPES, event.type) ? OBJECT_SHAPES[event.type] : undefined
  if (shape !== undefined && (base.at === 0 || !Value.Check(shape, object))) return { type: 'ignored', ...base, eventType: `${event.type} ${MALFORMED}` }
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const s = object as unknown as Stripe.Checkout.Session
      const paid = s.payment_status === 'paid' || s.payment_status === 'no_payment_required'
      return {
        type: 'checkout.completed',
        ...base,
        orderId: orderIdOf(s),
        sessionId: s.id,
        paid,
        paymentIntentId: idOf(s.payment_intent),
        amount: s.amount_total === null || s.currency === null ? null : fromStripeAmount(s.amount_total, s.currency)
      }
    }
    case 'checkout.session.async_payment_failed': {
      const s = object as unknown as Stripe.Checkout.Session
      return { type: 'checkout.async_failed', ...base, orderId: orderIdOf(s), sessionId: s.id }
    }
    case 'checkout.session.expired': {
      const s = object as unknown as Stripe.Checkout.Session
      return { type: 'checkout.expired', ...base, orderId: orderIdOf(s), sessionId: s.id }
    }
    case 'payment_intent.succeeded': {
      const pi = object as unknown as Stripe.PaymentIntent
      return { type: 'intent.succeeded', ...base, orderId: orderIdOf(pi), paymentIntentId: pi.id, amount: fromStripeAmount(pi.amount_received, pi.currency) }
    }
    case 'payment_intent.payment_failed': {
      const pi = object as unknown as Stripe.PaymentIntent
      const e = pi.last_payment_error
      const error: CardError | null = e === null || e === undefined ? null : { code: e.code ?? 'card_declined', declineCode: str(e.decline_code), message: e.message ?? '' }
      return { type: 'intent.failed', ...base, orderId: orderIdOf(pi), paymentIntentId: pi.id, error }
    }
    case 'charge.refunded': {
      const ch = object as unknown as Stripe.Charge
      return { type: 'charge.refunded', ...base, orderId: orderIdOf(ch), paymentIntentId: idOf(ch.payment_intent), amountRefunded: fromStripeAmount(ch.amount_refunded, ch.currency) }
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
    case 'charge.refund.updated': {
      const r = object as unknown as Stripe.Refund
      const status = REFUND_STATUSES.find((s) => s === r.status)
      if (status === undefined || typeof r.id !== 'string') return { type: 'ignored', ...base, eventType: `${event.type} (status ${String(r.status)})` }
      return {
        type: 'refund.status',
        ...base,
        eventType: event.type,
        orderId: str(r.metadata?.order_id),
        refundId: r.id,
        ledgerRefundId: str(r.metadata?.refund_id),
        paymentIntentId: idOf(r.payment_intent),
        status,
        amount: fromStripeAmount(r.amount, r.currency),
        failureReason: str(r.failure_reason)
      }
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const d = object as unknown as Stripe.Dispute
      return {
        type: event.type === 'charge.dispute.created' ? 'dispute.created' : 'dispute.closed',
        ...base,
        orderId: str(d.metadata?.order_id),
        disputeId: d.id,
        paymentIntentId: idOf(d.payment_intent),
        chargeId: idOf(d.charge),
        amount: fromStripeAmount(d.amount, d.currency),
        reason: str(d.reason) ?? 'unknown',
        status: str(d.status) ?? 'unknown',
        dueBy: typeof d.evidence_details?.due_by === 'number' ? d.evidence_details.due_by * 1000 : null
      }
    }
    default:
      return { type: 'ignored', ...base, eventType: event.type }
  }
}

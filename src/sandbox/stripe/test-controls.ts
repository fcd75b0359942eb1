import type { Clock } from '../../domain/shared/clock.js'
import { expireCheckoutSession, payCheckoutSession, settleCheckoutSession, sweepExpiredSessions, completeSessionFor } from './checkout-sessions.js'
import { makeEvent } from './emulator-state.js'
import type { StripeErrorBody } from './errors.js'
import type { IdGenerator } from './ids.js'
import { finishAuthentication } from './payment-intents.js'
import { failRefund } from './refunds.js'
import { findObject, type EmulatorState, type StripeEvent, type StripeObject } from './state.js'
import { signPayload, type DeliveryOptions, type WebhookDelivery, type WebhookDispatcher, type WebhookEndpoint } from './webhooks.js'

/** Result of {@link StripeTestControls.completeCheckout}. */
export interface CheckoutCompletion {
  /** Snapshots after the attempt. */
  session: StripeObject
  paymentIntent: StripeObject
  /** The card error shown on the page for a decline (the session stays `open`). */
  error?: StripeErrorBody
}

/** Test and sandbox controls of the emulator (no HTTP involved). */
export interface StripeTestControls {
  /** Registers an endpoint; `secret` defaults to the emulator's webhook secret. */
  addWebhookEndpoint(url: string, opts?: { secret?: string, enabledEvents?: string[] }): WebhookEndpoint
  removeWebhookEndpoint(id: string): void
  /** What the hosted page does when the customer picks a test card (default `pm_card_visa`). */
  completeCheckout(sessionId: string, opts?: { paymentMethod?: string }): CheckoutCompletion
  /** Settles a session completed `unpaid` with `pm_delayed_success`/`pm_delayed_failure`. */
  settleDelayedPayment(sessionId: string, outcome?: 'succeeded' | 'failed'): StripeObject
  /** Completes or fails 3-D Secure for an intent in `requires_action`. */
  authenticatePaymentIntent(paymentIntentId: string, approve?: boolean): StripeObject
  /** Expires an open session as Stripe does at `expires_at` (emits `checkout.session.expired`). */
  expireCheckoutSession(sessionId: string): StripeObject
  /** Expires every open session whose `expires_at` passed by the clock. */
  runExpiry(): void
  /** Turns a succeeded or pending refund `failed` (emits `refund.failed`, `refund.updated`, `charge.refund.updated`). */
  failRefund(refundId: string): StripeObject
  /** Creates and delivers an event of any type around `object` (duplicates, delays, bad signatures). */
  sendEvent(type: string, object: Record<string, unknown>, opts?: DeliveryOptions): StripeEvent
  /** Delivers an existing event again, with the same id. */
  redeliver(eventId: string, opts?: DeliveryOptions): StripeEvent
  /** Holds automatic deliveries until `resumeWebhooks` (optionally reversed: out of order). */
  pauseWebhooks(): void
  resumeWebhooks(opts?: { reverse?: boolean }): void
  /** Resolves with the first recorded or future delivery attempt matching `predicate`. */
  waitForDelivery(predicate: (d: WebhookDelivery) => boolean, opts?: { timeoutMs?: number }): Promise<WebhookDelivery>
  /** Resolves once no webhook delivery or retry is pending. */
  idle(): Promise<void>
  /** `Stripe-Signature` for `payload` (default: now by the clock, the emulator's secret). */
  signPayload(payload: string, opts?: { timestamp?: number, secret?: string }): string
  /** A copy of any stored object or event by id. */
  retrieve(id: string): StripeObject | undefined
  /** Events emitted so far, oldest first, optionally of one type. */
  listEvents(type?: string): StripeEvent[]
}

function need<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Stripe emulator: no such ${what}`)
  return value
}

export function createTestControls (deps: {
  state: EmulatorState, dispatcher: WebhookDispatcher, ids: IdGenerator, webhookSecret: string, clock: Clock
}): StripeTestControls {
  const { state, dispatcher } = deps
  const session = (id: string): StripeObject => { sweepExpiredSessions(state); return need(state.sessions.get(id), `checkout session ${id}`) }
  return {
    addWebhookEndpoint (url, opts = {}) {
      const endpoint: WebhookEndpoint = { id: deps.ids.next('we_'), url, secret: opts.secret ?? deps.webhookSecret, enabledEvents: opts.enabledEvents ?? ['*'] }
      dispatcher.endpoints.push(endpoint)
      return endpoint
    },
    removeWebhookEndpoint (id) {
      const i = dispatcher.endpoints.findIndex((e) => e.id === id)
      if (i >= 0) dispatcher.endpoints.splice(i, 1)
    },
    completeCheckout (sessionId, opts = {}) {
      const result = payCheckoutSession(state, session(sessionId), opts.paymentMethod ?? 'pm_card_visa')
      return {
        session: structuredClone(session(sessionId)),
        paymentIntent: structuredClone(result.intent),
        ...(!result.ok && { error: result.error })
      }
    },
    settleDelayedPayment: (sessionId, outcome) => structuredClone(settleCheckoutSession(state, session(sessionId), outcome)),
    authenticatePaymentIntent (id, approve = true) {
      const intent = need(state.intents.get(id), `payment intent ${id}`)
      finishAuthentication(state, intent, approve)
      completeSessionFor(state, intent)
      return structuredClone(intent)
    },
    expireCheckoutSession: (sessionId) => structuredClone(expireCheckoutSession(state, session(sessionId))),
    runExpiry: () => sweepExpiredSessions(state),
    failRefund: (refundId) => structuredClone(failRefund(state, refundId)),
    sendEvent (type, object, opts = {}) {
      const event = makeEvent(deps.ids, deps.clock, { type, object: object as StripeObject, pendingWebhooks: dispatcher.matching(type).length })
      state.events.set(event.id, event)
      dispatcher.dispatch(event, opts)
      return structuredClone(event)
    },
    redeliver (eventId, opts = {}) {
      const event = need(state.events.get(eventId), `event ${eventId}`)
      dispatcher.dispatch(event, opts)
      return structuredClone(event)
    },
    pauseWebhooks: () => dispatcher.pause(),
    resumeWebhooks: (opts) => dispatcher.resume(opts),
    waitForDelivery: (predicate, opts = {}) => dispatcher.waitFor(predicate, opts.timeoutMs),
    idle: () => dispatcher.idle(),
    signPayload: (payload, opts = {}) => signPayload(payload, opts.secret ?? deps.webhookSecret, opts.timestamp ?? Math.floor(deps.clock.now() / 1000)),
    retrieve: (id) => { const found = findObject(state, id); return found === undefined ? undefined : structuredClone(found) },
    listEvents: (type) => [...state.events.values()].filter((e) => type === undefined || e.type === type).map((e) => structuredClone(e))
  }
}

import type { Clock } from '../../domain/shared/clock.js'
import type { IdGenerator } from './ids.js'

/** The API version the emulator renders objects and events in (the SDK's pinned one). */
export const API_VERSION = '2026-10-28.endive'

/** Any Stripe object as it goes over the wire. */
export type StripeObject = { id: string, object: string } & Record<string, unknown>

/** The API request that caused a change, copied into `event.request`. */
export interface RequestRef { id: string | null, idempotency_key: string | null }

/** A Stripe Event (specs/stripe.md §6.5). */
export interface StripeEvent {
  id: string
  object: 'event'
  api_version: string
  created: number
  data: { object: StripeObject, previous_attributes?: Record<string, unknown> }
  livemode: false
  pending_webhooks: number
  request: RequestRef
  type: string
}

export interface LineItem {
  id: string
  priceId: string
  productId: string
  name: string
  description: string | null
  unitAmount: number
  quantity: number
  currency: string
}

/** Emulator-only data of a Checkout Session that is not part of its wire shape. */
export interface SessionExtras {
  lineItems: LineItem[]
  intentMetadata: Record<string, string>
  intentDescription: string | null
}

/**
 * The emulator's whole state and the few services the handlers share. One per emulator;
 * handlers mutate the objects in place and call `emit` for each event Stripe would send.
 */
export interface EmulatorState {
  ids: IdGenerator
  clock: Clock
  minimums: Readonly<Record<string, number>>
  sessions: Map<string, StripeObject>
  sessionExtras: Map<string, SessionExtras>
  intents: Map<string, StripeObject>
  charges: Map<string, StripeObject>
  refunds: Map<string, StripeObject>
  events: Map<string, StripeEvent>
  /** PaymentIntents waiting in `processing` for a delayed method to settle, with the outcome. */
  pendingSettle: Map<string, 'succeeded' | 'failed'>
  /** Absolute URL of an emulator-hosted page, e.g. `hostedUrl('/checkout/cs_test_…')`. */
  hostedUrl(path: string): string
  /** Records an event (a snapshot of `object`) and hands it to webhook delivery. */
  emit(type: string, object: StripeObject, request?: RequestRef, previous?: Record<string, unknown>): StripeEvent
}

/** Current Unix time in seconds by the emulator's clock. */
export function nowSeconds (state: Pick<EmulatorState, 'clock'>): number {
  return Math.floor(state.clock.now() / 1000)
}

export const NO_REQUEST: RequestRef = { id: null, idempotency_key: null }

/** Finds any stored object by id, for `expand[]` and event lookups. */
export function findObject (state: EmulatorState, id: string): StripeObject | undefined {
  return state.sessions.get(id) ?? state.intents.get(id) ?? state.charges.get(id) ?? state.refunds.get(id) ??
    (state.events.get(id) as StripeObject | undefined)
}

/**
 * Applies `expand[]` paths (`latest_charge`, `payment_intent.latest_charge`) to a copy of `object`,
 * replacing id strings by the objects they name.
 */
export function expandObject (state: EmulatorState, object: StripeObject, paths: readonly string[]): StripeObject {
  const copy = structuredClone(object)
  for (const path of paths) {
    const [head = '', ...rest] = path.split('.')
    const value = copy[head]
    if (typeof value === 'string') {
      const found = findObject(state, value)
      if (found !== undefined) copy[head] = rest.length > 0 ? expandObject(state, found, [rest.join('.')]) : structuredClone(found)
    } else if (value !== null && typeof value === 'object' && rest.length > 0) {
      copy[head] = expandObject(state, value as StripeObject, [rest.join('.')])
    }
  }
  return copy
}

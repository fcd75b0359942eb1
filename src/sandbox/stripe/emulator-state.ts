import type { Clock } from '../../domain/shared/clock.js'
import type { IdGenerator } from './ids.js'
import { API_VERSION, type EmulatorState, type RequestRef, type StripeEvent, type StripeObject } from './state.js'
import type { WebhookDispatcher } from './webhooks.js'

/** Builds an Event around a snapshot of `object` (specs/stripe.md §6.5). */
export function makeEvent (ids: IdGenerator, clock: Clock, input: {
  type: string, object: StripeObject, pendingWebhooks: number, request?: RequestRef, previous?: Record<string, unknown>
}): StripeEvent {
  return {
    id: ids.next('evt_'),
    object: 'event',
    api_version: API_VERSION,
    created: Math.floor(clock.now() / 1000),
    data: { object: structuredClone(input.object), ...(input.previous !== undefined && { previous_attributes: input.previous }) },
    livemode: false,
    pending_webhooks: input.pendingWebhooks,
    request: input.request ?? { id: null, idempotency_key: null },
    type: input.type
  }
}

/** Builds the shared state; `emit` records each event and hands it to the dispatcher. */
export function createEmulatorState (deps: {
  ids: IdGenerator
  clock: Clock
  minimums: Readonly<Record<string, number>>
  hostedUrl: (path: string) => string
  dispatcher: WebhookDispatcher
}): EmulatorState {
  const state: EmulatorState = {
    ids: deps.ids,
    clock: deps.clock,
    minimums: deps.minimums,
    sessions: new Map(),
    sessionExtras: new Map(),
    intents: new Map(),
    charges: new Map(),
    refunds: new Map(),
    events: new Map(),
    pendingSettle: new Map(),
    hostedUrl: deps.hostedUrl,
    emit (type, object, request, previous) {
      const event = makeEvent(deps.ids, deps.clock, { type, object, request, previous, pendingWebhooks: deps.dispatcher.matching(type).length })
      state.events.set(event.id, event)
      deps.dispatcher.dispatch(event)
      return event
    }
  }
  return state
}

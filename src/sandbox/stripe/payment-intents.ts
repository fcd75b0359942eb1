import { checkAmount, checkCurrency } from './currency.js'
import { invalidRequest, type StripeErrorBody } from './errors.js'
import { p, type FieldSpec } from './params.js'
import { findPaymentMethod, paymentMethodObject, type TestPaymentMethod } from './payment-methods.js'
import { NO_REQUEST, nowSeconds, type EmulatorState, type RequestRef, type StripeObject } from './state.js'
import { createCharge } from './charges.js'

export const CONFIRM_FIELDS: Record<string, FieldSpec> = {
  payment_method: p.string(),
  return_url: p.string(),
  error_on_requires_action: p.boolean(),
  off_session: p.string(),
  payment_method_options: p.any(),
  mandate_data: p.any(),
  receipt_email: p.string(),
  setup_future_usage: p.enum(['off_session', 'on_session']),
  shipping: p.any()
}

/** Parameters of `POST /v1/payment_intents` (no `payment_method_types`: gone since 2026-09-30). */
export const CREATE_INTENT_FIELDS: Record<string, FieldSpec> = {
  ...CONFIRM_FIELDS,
  amount: p.integer(true),
  currency: p.string(true),
  automatic_payment_methods: p.object({ enabled: p.boolean(true), allow_redirects: p.enum(['always', 'never']) }),
  allowed_payment_method_types: p.array(p.string()),
  excluded_payment_method_types: p.array(p.string()),
  metadata: p.metadata(),
  description: p.string(),
  statement_descriptor: p.string(),
  statement_descriptor_suffix: p.string(),
  capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
  confirmation_method: p.enum(['automatic', 'manual']),
  confirm: p.boolean(),
  customer: p.string()
}
export const CANCEL_INTENT_FIELDS: Record<string, FieldSpec> = {
  cancellation_reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'])
}

/** Builds a PaymentIntent in `requires_payment_method` (or `requires_confirmation` with a method). */
export function newPaymentIntent (state: EmulatorState, input: {
  amount: number,
  currency: string,
  metadata: Record<string, string>,
  description: string | null,
  automaticPaymentMethods?: Record<string, unknown> | null,
  receiptEmail?: string | null
}): StripeObject {
  const id = state.ids.next('pi_')
  const intent: StripeObject = {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    automatic_payment_methods: input.automaticPaymentMethods ?? null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${state.ids.secret(id)}`,
    confirmation_method: 'automatic',
    created: nowSeconds(state),
    currency: input.currency,
    customer: null,
    description: input.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    payment_method: null,
    payment_method_types: ['card'],
    receipt_email: input.receiptEmail ?? null,
    status: 'requires_payment_method'
  }
  state.intents.set(id, intent)
  return intent
}

/** `POST /v1/payment_intents`: validates §4 amounts, creates, and confirms when `confirm=true`. */
export function createPaymentIntent (state: EmulatorState, params: Record<string, unknown>, request: RequestRef): StripeObject {
  const currency = checkCurrency(params.currency as string)
  checkAmount(params.amount as number, currency, state.minimums)
  if (params.capture_method === 'manual') throw invalidRequest('The Bozor Stripe emulator does not support capture_method=manual.', 'capture_method')
  if (params.confirm !== true && params.payment_method === undefined) {
    for (const key of ['return_url', 'error_on_requires_action', 'off_session']) {
      if (params[key] !== undefined) throw invalidRequest(`You passed ${key} but did not set confirm=true.`, key)
    }
  }
  if (params.payment_method !== undefined) findPaymentMethod(params.payment_method as string)
  else if (params.confirm === true) {
    throw invalidRequest('You cannot confirm this PaymentIntent because it\'s missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.', 'payment_method', 'payment_intent_unexpected_state')
  }
  const intent = newPaymentIntent(state, {
    amount: params.amount as number,
    currency,
    metadata: (params.metadata ?? {}) as Record<string, string>,
    description: (params.description ?? null) as string | null,
    automaticPaymentMethods: (params.automatic_payment_methods ?? null) as Record<string, unknown> | null,
    receiptEmail: (params.receipt_email ?? null) as string | null
  })
  if (params.payment_method !== undefined) {
    intent.payment_method = params.payment_method
    intent.status = 'requires_confirmation'
  }
  state.emit('payment_intent.created', intent, request)
  return intent
}

/** Result of one payment attempt: a decline carries the card error body Stripe answers with 402. */
export type AttemptResult = { ok: true, intent: StripeObject } | { ok: false, intent: StripeObject, error: StripeErrorBody }

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action']

function succeed (state: EmulatorState, intent: StripeObject, pm: TestPaymentMethod, request: RequestRef): void {
  const charge = createCharge(state, intent, pm, null)
  Object.assign(intent, {
    status: 'succeeded',
    amount_received: intent.amount,
    latest_charge: charge.id,
    payment_method: pm.id,
    last_payment_error: null,
    next_action: null
  })
  state.emit('charge.succeeded', charge, request)
  state.emit('payment_intent.succeeded', intent, request)
}

function fail (state: EmulatorState, intent: StripeObject, pm: TestPaymentMethod, failure: { code: string, declineCode?: string, message: string }, request: RequestRef): StripeErrorBody {
  const charge = createCharge(state, intent, pm, failure)
  const docUrl = `https://stripe.com/docs/error-codes/${failure.code.replaceAll('_', '-')}`
  const lastError: StripeErrorBody = {
    type: 'card_error',
    code: failure.code,
    ...(failure.declineCode !== undefined && { decline_code: failure.declineCode }),
    message: failure.message,
    charge: charge.id,
    doc_url: docUrl,
    payment_method: paymentMethodObject(pm, nowSeconds(state))
  }
  Object.assign(intent, { status: 'requires_payment_method', latest_charge: charge.id, payment_method: null, last_payment_error: lastError, next_action: null })
  state.emit('charge.failed', charge, request)
  state.emit('payment_intent.payment_failed', intent, request)
  return { ...lastError, payment_intent: structuredClone(intent) }
}

/**
 * Confirms `intent` with a test PaymentMethod (specs/stripe.md §2.3, §11.1). Never throws for a
 * decline: the caller decides between a 402 (API) and an error on the hosted page.
 */
export function attemptPayment (state: EmulatorState, intent: StripeObject, input: {
  paymentMethod?: string, returnUrl?: string, errorOnRequiresAction?: boolean
}, request: RequestRef = NO_REQUEST): AttemptResult {
  if (!CONFIRMABLE.includes(intent.status as string)) {
    throw invalidRequest(`You cannot confirm this PaymentIntent because it has a status of ${String(intent.status)}.`, undefined, 'payment_intent_unexpected_state')
  }
  const pmId = input.paymentMethod ?? (intent.payment_method as string | null)
  if (pmId === null || pmId === undefined) {
    throw invalidRequest('You cannot confirm this PaymentIntent because it\'s missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.', undefined, 'payment_intent_unexpected_state')
  }
  const pm = findPaymentMethod(pmId)
  const outcome = pm.outcome
  switch (outcome.kind) {
    case 'succeed':
      succeed(state, intent, pm, request)
      return { ok: true, intent }
    case 'decline':
      return { ok: false, intent, error: fail(state, intent, pm, outcome, request) }
    case 'authenticate':
      if (input.errorOnRequiresAction === true) {
        const failure = { code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' }
        return { ok: false, intent, error: fail(state, intent, pm, failure, request) }
      }
      Object.assign(intent, {
        status: 'requires_action',
        payment_method: pm.id,
        last_payment_error: null,
        next_action: { type: 'redirect_to_url', redirect_to_url: { url: state.hostedUrl(`/3ds/${intent.id}`), return_url: input.returnUrl ?? null } }
      })
      state.emit('payment_intent.requires_action', intent, request)
      return { ok: true, intent }
    case 'delayed':
      Object.assign(intent, { status: 'processing', payment_method: pm.id, last_payment_error: null, next_action: null, payment_method_types: ['sepa_debit'] })
      state.pendingSettle.set(intent.id, outcome.settle)
      state.emit('payment_intent.processing', intent, request)
      return { ok: true, intent }
  }
}

/** Finishes 3-D Secure on an intent in `requires_action` (the emulator's authentication page). */
export function finishAuthentication (state: EmulatorState, intent: StripeObject, approve: boolean): AttemptResult {
  if (intent.status !== 'requires_action') throw invalidRequest(`This PaymentIntent has a status of ${String(intent.status)}; nothing to authenticate.`, undefined, 'payment_intent_unexpected_state')
  const pm = findPaymentMethod(intent.payment_method as string)
  if (approve) {
    succeed(state, intent, { ...pm, outcome: { kind: 'succeed' } }, NO_REQUEST)
    return { ok: true, intent }
  }
  const lastError: StripeErrorBody = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: paymentMethodObject(pm, nowSeconds(state))
  }
  Object.assign(intent, { status: 'requires_payment_method', payment_method: null, next_action: null, last_payment_error: lastError })
  state.emit('payment_intent.payment_failed', intent, NO_REQUEST)
  return { ok: false, intent, error: { ...lastError, payment_intent: structuredClone(intent) } }
}

/** Settles a `processing` intent paid with a delayed method; returns whether it succeeded. */
export function settleIntent (state: EmulatorState, intent: StripeObject, outcome?: 'succeeded' | 'failed'): boolean {
  const planned = state.pendingSettle.get(intent.id)
  if (intent.status !== 'processing' || planned === undefined) throw new Error(`PaymentIntent ${intent.id} is not waiting for a delayed payment`)
  state.pendingSettle.delete(intent.id)
  const pm = findPaymentMethod(intent.payment_method as string)
  if ((outcome ?? planned) === 'succeeded') {
    succeed(state, intent, pm, NO_REQUEST)
    return true
  }
  fail(state, intent, pm, { code: 'payment_method_provider_decline', message: 'The payment was declined by the customer\'s bank.' }, NO_REQUEST)
  return false
}

/** `POST /v1/payment_intents/:id/cancel` (specs/stripe.md §2.3). */
export function cancelPaymentIntent (state: EmulatorState, intent: StripeObject, reason: string | undefined, request: RequestRef): StripeObject {
  if (intent.status === 'succeeded' || intent.status === 'canceled') {
    throw invalidRequest(`You cannot cancel this PaymentIntent because it has a status of ${String(intent.status)}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`, undefined, 'payment_intent_unexpected_state')
  }
  state.pendingSettle.delete(intent.id)
  Object.assign(intent, { status: 'canceled', canceled_at: nowSeconds(state), cancellation_reason: reason ?? null, next_action: null })
  state.emit('payment_intent.canceled', intent, request)
  return intent
}

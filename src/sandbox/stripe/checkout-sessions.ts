import { checkAmount, checkCurrency, MAX_AMOUNT } from './currency.js'
import { invalidRequest, missingParameter, resourceMissing } from './errors.js'
import { p, type FieldSpec } from './params.js'
import { attemptPayment, newPaymentIntent, settleIntent, cancelPaymentIntent, type AttemptResult } from './payment-intents.js'
import { NO_REQUEST, nowSeconds, type EmulatorState, type LineItem, type RequestRef, type StripeObject } from './state.js'

const MIN_EXPIRY_S = 30 * 60
const MAX_EXPIRY_S = 24 * 60 * 60

/** Parameters of `POST /v1/checkout/sessions` (payment mode). */
export const CREATE_SESSION_FIELDS: Record<string, FieldSpec> = {
  mode: p.enum(['payment', 'setup', 'subscription'], true),
  line_items: p.array(p.object({
    price: p.string(),
    price_data: p.object({
      currency: p.string(true),
      unit_amount: p.integer(),
      product: p.string(),
      product_data: p.object({ name: p.string(true), description: p.string(), images: p.array(p.string()), metadata: p.metadata() }),
      tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified'])
    }),
    quantity: p.integer(),
    adjustable_quantity: p.any(),
    tax_rates: p.any()
  })),
  currency: p.string(),
  success_url: p.string(),
  cancel_url: p.string(),
  client_reference_id: p.string(),
  customer: p.string(),
  customer_email: p.string(),
  locale: p.string(),
  metadata: p.metadata(),
  expires_at: p.integer(),
  payment_intent_data: p.object({
    metadata: p.metadata(),
    description: p.string(),
    receipt_email: p.string(),
    statement_descriptor: p.string(),
    statement_descriptor_suffix: p.string(),
    capture_method: p.enum(['automatic', 'automatic_async', 'manual']),
    setup_future_usage: p.enum(['off_session', 'on_session'])
  }),
  excluded_payment_method_types: p.array(p.string()),
  payment_method_options: p.any(),
  allow_promotion_codes: p.boolean(),
  billing_address_collection: p.enum(['auto', 'required']),
  submit_type: p.enum(['auto', 'book', 'donate', 'pay', 'subscribe']),
  ui_mode: p.enum(['hosted', 'hosted_page']),
  custom_text: p.any(),
  phone_number_collection: p.any(),
  after_expiration: p.any()
}

function checkUrl (value: unknown, param: string): void {
  if (value === undefined) return
  if (!URL.canParse((value as string).replace('{CHECKOUT_SESSION_ID}', 'x'))) throw invalidRequest('Not a valid URL', param, 'url_invalid')
}

function buildLineItems (state: EmulatorState, params: Record<string, unknown>): LineItem[] {
  const raw = params.line_items as Array<Record<string, any>> | undefined
  if (raw === undefined || raw.length === 0) throw missingParameter('line_items')
  return raw.map((item, i) => {
    const at = `line_items[${i}]`
    if (item.price !== undefined) throw resourceMissing('price', item.price as string, `${at}[price]`)
    const data = item.price_data as Record<string, any> | undefined
    if (data === undefined) throw missingParameter(`${at}[price_data]`)
    if (data.product !== undefined) throw resourceMissing('product', data.product as string, `${at}[price_data][product]`)
    if (data.product_data === undefined) throw missingParameter(`${at}[price_data][product_data]`)
    if (data.unit_amount === undefined) throw missingParameter(`${at}[price_data][unit_amount]`)
    if (item.quantity === undefined) throw missingParameter(`${at}[quantity]`)
    const unitAmount = data.unit_amount as number
    if (unitAmount < 0 || unitAmount > MAX_AMOUNT) throw invalidRequest(`Invalid integer: ${unitAmount}`, `${at}[price_data][unit_amount]`, 'parameter_invalid_integer')
    if ((item.quantity as number) < 1) throw invalidRequest('This value must be greater than or equal to 1.', `${at}[quantity]`, 'parameter_invalid_integer')
    return {
      id: state.ids.next('li_'),
      priceId: state.ids.next('price_'),
      productId: state.ids.next('prod_'),
      name: data.product_data.name as string,
      description: (data.product_data.description ?? null) as string | null,
      unitAmount,
      quantity: item.quantity as number,
      currency: checkCurrency(data.currency as string, `${at}[price_data][currency]`)
    }
  })
}

/** `POST /v1/checkout/sessions`: validates §3.1 and §4 and returns an `open` session with a hosted `url`. */
export function createCheckoutSession (state: EmulatorState, params: Record<string, unknown>): StripeObject {
  if (params.mode !== 'payment') throw invalidRequest(`The Bozor Stripe emulator supports only mode=payment, not ${String(params.mode)}.`, 'mode')
  const lineItems = buildLineItems(state, params)
  const currency = params.currency === undefined ? lineItems[0]?.currency as string : checkCurrency(params.currency as string)
  lineItems.forEach((item, i) => {
    if (item.currency !== currency) throw invalidRequest('All line items must use the same currency as the Checkout Session.', `line_items[${i}][price_data][currency]`)
  })
  const total = lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0)
  checkAmount(total, currency, state.minimums, 'line_items')
  checkUrl(params.success_url, 'success_url')
  checkUrl(params.cancel_url, 'cancel_url')
  const created = nowSeconds(state)
  const expiresAt = (params.expires_at as number | undefined) ?? created + MAX_EXPIRY_S
  if (expiresAt < created + MIN_EXPIRY_S) throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at')
  if (expiresAt > created + MAX_EXPIRY_S) throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at')
  const intentData = (params.payment_intent_data ?? {}) as Record<string, unknown>
  if (intentData.capture_method === 'manual') throw invalidRequest('The Bozor Stripe emulator does not support capture_method=manual.', 'payment_intent_data[capture_method]')
  const id = state.ids.next('cs_test_')
  const session: StripeObject = {
    id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: params.allow_promotion_codes ?? null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: params.billing_address_collection ?? null,
    cancel_url: params.cancel_url ?? null,
    client_reference_id: params.client_reference_id ?? null,
    client_secret: null,
    created,
    currency,
    customer: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: params.customer_email ?? null,
    expires_at: expiresAt,
    invoice: null,
    livemode: false,
    locale: params.locale ?? null,
    metadata: params.metadata ?? {},
    mode: 'payment',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    status: 'open',
    submit_type: params.submit_type ?? null,
    subscription: null,
    success_url: params.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: state.hostedUrl(`/checkout/${id}`)
  }
  state.sessions.set(id, session)
  state.sessionExtras.set(id, {
    lineItems,
    intentMetadata: (intentData.metadata ?? {}) as Record<string, string>,
    intentDescription: (intentData.description ?? null) as string | null
  })
  return session
}

/** The `line_items` list of a session, as `expand[]=line_items` and `listLineItems` return it. */
export function lineItemsList (state: EmulatorState, sessionId: string): Record<string, unknown> {
  const items = state.sessionExtras.get(sessionId)?.lineItems ?? []
  return {
    object: 'list',
    data: items.map((item) => ({
      id: item.id,
      object: 'item',
      amount_discount: 0,
      amount_subtotal: item.unitAmount * item.quantity,
      amount_tax: 0,
      amount_total: item.unitAmount * item.quantity,
      currency: item.currency,
      description: item.name,
      price: {
        id: item.priceId,
        object: 'price',
        active: false,
        currency: item.currency,
        livemode: false,
        metadata: {},
        product: item.productId,
        type: 'one_time',
        unit_amount: item.unitAmount,
        unit_amount_decimal: String(item.unitAmount)
      },
      quantity: item.quantity
    })),
    has_more: false,
    url: `/v1/checkout/sessions/${sessionId}/line_items`
  }
}

/** `POST /v1/checkout/sessions/:id/expire`; only `open` sessions (§3.3). Cancels the session's intent. */
export function expireCheckoutSession (state: EmulatorState, session: StripeObject, request: RequestRef = NO_REQUEST): StripeObject {
  if (session.status !== 'open') {
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${String(session.status)}\`.`, undefined, undefined, true)
  }
  const intent = state.intents.get(session.payment_intent as string)
  if (intent !== undefined && intent.status !== 'succeeded' && intent.status !== 'canceled') cancelPaymentIntent(state, intent, 'abandoned', request)
  Object.assign(session, { status: 'expired', url: null })
  state.emit('checkout.session.expired', session, request)
  return session
}

/** Expires every `open` session whose `expires_at` has passed by the clock, emitting the events. */
export function sweepExpiredSessions (state: EmulatorState): void {
  const now = nowSeconds(state)
  for (const session of state.sessions.values()) {
    if (session.status === 'open' && (session.expires_at as number) <= now) expireCheckoutSession(state, session)
  }
}

/** Completes the session whose intent just succeeded or went `processing` (delayed method). */
export function completeSessionFor (state: EmulatorState, intent: StripeObject): StripeObject | undefined {
  const session = [...state.sessions.values()].find((s) => s.payment_intent === intent.id)
  if (session === undefined || session.status !== 'open') return session
  if (intent.status !== 'succeeded' && intent.status !== 'processing') return session
  Object.assign(session, {
    status: 'complete',
    payment_status: intent.status === 'succeeded' ? 'paid' : 'unpaid',
    url: null,
    customer_details: { address: null, email: session.customer_email ?? 'sandbox@example.com', name: 'Sandbox Customer', phone: null, tax_exempt: 'none', tax_ids: [] }
  })
  state.emit('checkout.session.completed', session)
  return session
}

/**
 * The customer submits the hosted page with a test PaymentMethod: creates the session's
 * PaymentIntent on first submit (deferred creation), confirms it and completes the session.
 */
export function payCheckoutSession (state: EmulatorState, session: StripeObject, paymentMethod: string): AttemptResult {
  if (session.status !== 'open') throw new Error(`Checkout Session ${session.id} is ${String(session.status)}, not open`)
  let intent = state.intents.get(session.payment_intent as string)
  if (intent === undefined) {
    const extras = state.sessionExtras.get(session.id)
    intent = newPaymentIntent(state, {
      amount: session.amount_total as number,
      currency: session.currency as string,
      metadata: structuredClone(extras?.intentMetadata ?? {}),
      description: extras?.intentDescription ?? null
    })
    session.payment_intent = intent.id
    state.emit('payment_intent.created', intent)
  }
  const result = attemptPayment(state, intent, { paymentMethod, returnUrl: state.hostedUrl(`/checkout/${session.id}/return`) })
  completeSessionFor(state, intent)
  return result
}

/** Settles a session completed `unpaid` with a delayed method: async_payment_succeeded / _failed. */
export function settleCheckoutSession (state: EmulatorState, session: StripeObject, outcome?: 'succeeded' | 'failed'): StripeObject {
  const intent = state.intents.get(session.payment_intent as string)
  if (session.status !== 'complete' || session.payment_status !== 'unpaid' || intent === undefined) {
    throw new Error(`Checkout Session ${session.id} has no delayed payment to settle`)
  }
  if (settleIntent(state, intent, outcome)) {
    session.payment_status = 'paid'
    state.emit('checkout.session.async_payment_succeeded', session, undefined, { payment_status: 'unpaid' })
  } else {
    state.emit('checkout.session.async_payment_failed', session)
  }
  return session
}

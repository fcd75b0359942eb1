import { checkAmount, formatAmount } from './currency.js'
import { invalidRequest, resourceMissing } from './errors.js'
import { p, type FieldSpec } from './params.js'
import { nowSeconds, type EmulatorState, type RequestRef, type StripeObject } from './state.js'

/** Parameters of `POST /v1/refunds`. */
export const CREATE_REFUND_FIELDS: Record<string, FieldSpec> = {
  payment_intent: p.string(),
  charge: p.string(),
  amount: p.integer(),
  reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer']),
  metadata: p.metadata(),
  instructions_email: p.string()
}

function chargeFor (state: EmulatorState, params: Record<string, unknown>): StripeObject {
  if (params.charge !== undefined) {
    const charge = state.charges.get(params.charge as string)
    if (charge === undefined) throw resourceMissing('charge', params.charge as string, 'charge')
    return charge
  }
  const intentId = params.payment_intent as string
  const intent = state.intents.get(intentId)
  if (intent === undefined) throw resourceMissing('payment_intent', intentId, 'payment_intent')
  const charge = intent.status === 'succeeded' ? state.charges.get(intent.latest_charge as string) : undefined
  if (charge === undefined) {
    throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, 'payment_intent')
  }
  return charge
}

/**
 * `POST /v1/refunds` (specs/stripe.md §10): full by default, partial refunds while their sum stays
 * within the charge; over-refund → 400 on `amount`; a fully refunded charge → `charge_already_refunded`.
 */
export function createRefund (state: EmulatorState, params: Record<string, unknown>, request: RequestRef): StripeObject {
  if (params.charge === undefined && params.payment_intent === undefined) {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', undefined, 'parameter_missing')
  }
  const charge = chargeFor(state, params)
  if (charge.status !== 'succeeded') throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge')
  const currency = charge.currency as string
  const captured = charge.amount_captured as number
  const already = charge.amount_refunded as number
  if (charge.refunded === true || already >= captured) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded')
  }
  const remaining = captured - already
  const amount = (params.amount as number | undefined) ?? remaining
  if (params.amount !== undefined) checkAmount(amount, currency, {}, 'amount')
  if (amount > remaining) {
    throw invalidRequest(`Refund amount (${formatAmount(amount, currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, currency)})`, 'amount', 'amount_too_large')
  }
  const id = state.ids.next('re_')
  const refund: StripeObject = {
    id,
    object: 'refund',
    amount,
    balance_transaction: state.ids.next('txn_'),
    charge: charge.id,
    created: nowSeconds(state),
    currency,
    destination_details: { type: 'card', card: { type: 'refund', reference_status: 'pending' } },
    metadata: params.metadata ?? {},
    payment_intent: charge.payment_intent,
    reason: params.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null
  }
  state.refunds.set(id, refund)
  const previous = { amount_refunded: already, refunded: false }
  charge.amount_refunded = already + amount
  charge.refunded = already + amount >= captured
  state.emit('refund.created', refund, request)
  state.emit('charge.refunded', charge, request, previous)
  return refund
}

/**
 * Marks a succeeded (or pending) refund `failed` later (a closed card), as Stripe can (§10): the
 * refund gets `failure_reason` and a `failure_balance_transaction`, the charge's
 * `amount_refunded` drops by its amount, and Stripe's three events follow — `refund.failed`
 * (not an update: no `previous_attributes`), then `refund.updated` and the older
 * `charge.refund.updated`, both with `previous_attributes.status`.
 */
export function failRefund (state: EmulatorState, refundId: string): StripeObject {
  const refund = state.refunds.get(refundId)
  if (refund === undefined) throw new Error(`No such refund: ${refundId}`)
  const previous = refund.status as string
  if (previous !== 'succeeded' && previous !== 'pending') throw new Error(`Refund ${refundId} is ${previous}; only a succeeded or pending refund can fail`)
  const charge = state.charges.get(refund.charge as string)
  refund.status = 'failed'
  refund.failure_reason = 'expired_or_canceled_card'
  refund.failure_balance_transaction = state.ids.next('txn_')
  if (charge !== undefined) {
    charge.amount_refunded = Math.max((charge.amount_refunded as number) - (refund.amount as number), 0)
    charge.refunded = false
  }
  const changed = { status: previous, failure_reason: null, failure_balance_transaction: null }
  state.emit('refund.failed', refund)
  state.emit('refund.updated', refund, undefined, changed)
  state.emit('charge.refund.updated', refund, undefined, changed)
  return refund
}

import type { TestPaymentMethod } from './payment-methods.js'
import { nowSeconds, type EmulatorState, type StripeObject } from './state.js'

/** Creates the Charge of one payment attempt: `succeeded`, or `failed` with the decline reason. */
export function createCharge (state: EmulatorState, intent: StripeObject, pm: TestPaymentMethod,
  failure: { code: string, declineCode?: string, message: string } | null): StripeObject {
  const id = state.ids.next('ch_')
  const ok = failure === null
  const isCard = pm.brand !== 'sepa_debit'
  const charge: StripeObject = {
    id,
    object: 'charge',
    amount: intent.amount,
    amount_captured: ok ? intent.amount : 0,
    amount_refunded: 0,
    balance_transaction: ok ? state.ids.next('txn_') : null,
    billing_details: { address: null, email: null, name: null, phone: null },
    captured: ok,
    created: nowSeconds(state),
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_code: ok ? null : failure.code,
    failure_message: ok ? null : failure.message,
    livemode: false,
    metadata: structuredClone(intent.metadata),
    outcome: ok
      ? { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' }
      : {
          network_status: 'declined_by_network',
          reason: failure.declineCode ?? failure.code,
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined'
        },
    paid: ok,
    payment_intent: intent.id,
    payment_method: pm.id,
    payment_method_details: isCard
      ? { type: 'card', card: { brand: pm.brand, last4: pm.last4, exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' } }
      : { type: 'sepa_debit', sepa_debit: { last4: pm.last4, country: 'DE' } },
    receipt_email: intent.receipt_email ?? null,
    refunded: false,
    status: ok ? 'succeeded' : 'failed'
  }
  state.charges.set(id, charge)
  return charge
}

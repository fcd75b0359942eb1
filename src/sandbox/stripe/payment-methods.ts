import { resourceMissing } from './errors.js'

/** What happens when a test PaymentMethod is confirmed (specs/stripe.md §11.1). */
export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline', code: string, declineCode?: string, message: string }
  | { kind: 'authenticate' }
  | { kind: 'delayed', settle: 'succeeded' | 'failed' }

export interface TestPaymentMethod {
  id: string
  brand: string
  last4: string
  outcome: CardOutcome
}

const DECLINED = 'Your card was declined.'

function decline (code: string, declineCode: string | undefined, message: string): CardOutcome {
  return { kind: 'decline', code, ...(declineCode !== undefined && { declineCode }), message }
}

const TABLE: Array<[string[], string, string, CardOutcome]> = [
  [['pm_card_visa'], 'visa', '4242', { kind: 'succeed' }],
  [['pm_card_mastercard'], 'mastercard', '4444', { kind: 'succeed' }],
  [['pm_card_chargeDeclined', 'pm_card_visa_chargeDeclined'], 'visa', '0002', decline('card_declined', 'generic_decline', DECLINED)],
  [['pm_card_chargeDeclinedInsufficientFunds', 'pm_card_visa_chargeDeclinedInsufficientFunds'], 'visa', '9995',
    decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.')],
  [['pm_card_chargeDeclinedLostCard', 'pm_card_visa_chargeDeclinedLostCard'], 'visa', '9987', decline('card_declined', 'lost_card', DECLINED)],
  [['pm_card_chargeDeclinedStolenCard', 'pm_card_visa_chargeDeclinedStolenCard'], 'visa', '9979', decline('card_declined', 'stolen_card', DECLINED)],
  [['pm_card_chargeDeclinedExpiredCard', 'pm_card_visa_chargeDeclinedExpiredCard'], 'visa', '0069',
    decline('expired_card', 'expired_card', 'Your card has expired.')],
  [['pm_card_chargeDeclinedIncorrectCvc', 'pm_card_visa_chargeDeclinedIncorrectCvc'], 'visa', '0127',
    decline('incorrect_cvc', 'incorrect_cvc', 'Your card\'s security code is incorrect.')],
  [['pm_card_chargeDeclinedProcessingError', 'pm_card_visa_chargeDeclinedProcessingError'], 'visa', '0119',
    decline('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.')],
  [['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required', 'pm_card_authenticationRequiredOnSetup'], 'visa', '3184', { kind: 'authenticate' }],
  // Emulator-only delayed methods (a bank debit): the Checkout Session completes `unpaid` and settles later.
  [['pm_delayed_success'], 'sepa_debit', '3000', { kind: 'delayed', settle: 'succeeded' }],
  [['pm_delayed_failure'], 'sepa_debit', '3002', { kind: 'delayed', settle: 'failed' }]
]

const BY_ID = new Map<string, TestPaymentMethod>()
for (const [ids, brand, last4, outcome] of TABLE) {
  for (const id of ids) BY_ID.set(id, { id, brand, last4, outcome })
}

/** Looks up a test PaymentMethod id; unknown ids answer 404 `resource_missing` like Stripe. */
export function findPaymentMethod (id: string): TestPaymentMethod {
  const found = BY_ID.get(id)
  if (found === undefined) throw resourceMissing('PaymentMethod', id, 'payment_method')
  return found
}

/** The PaymentMethod object Stripe embeds in `last_payment_error` and card errors. */
export function paymentMethodObject (pm: TestPaymentMethod, created: number): Record<string, unknown> {
  const isCard = pm.brand !== 'sepa_debit'
  return {
    id: pm.id,
    object: 'payment_method',
    type: isCard ? 'card' : 'sepa_debit',
    created,
    livemode: false,
    metadata: {},
    billing_details: { address: null, email: null, name: null, phone: null },
    ...(isCard
      ? { card: { brand: pm.brand, last4: pm.last4, exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' } }
      : { sepa_debit: { last4: pm.last4, country: 'DE' } })
  }
}

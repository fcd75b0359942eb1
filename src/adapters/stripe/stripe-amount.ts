/**
 * The one place where Bozor's minor units become Stripe's and back (STYLE R7, specs/stripe.md §4).
 * Bozor counts ISO 4217 minor units; Stripe agrees except for ISK (two decimals at Stripe,
 * whole krónur only) and MGA (zero-decimal at Stripe). Three-decimal totals must end in 0.
 *
 * @example
 * toStripeAmount(money(1234, 'USD'), {}) // { amount: 1234, currency: 'usd' }
 * toStripeAmount(money(500, 'JPY'), {})  // { amount: 500, currency: 'jpy' }
 */
import { ProviderError } from '../../domain/payments/payment.js'
import { STRIPE_DEFAULT_MIN_AMOUNTS, STRIPE_MAX_AMOUNT } from '../../domain/orders/offered-providers.js'
import { money, type Money } from '../../domain/shared/money.js'

/** Stripe's zero-decimal currencies (specs/stripe.md §4). */
export const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'])
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND'])

/** Bozor units per Stripe unit (ISK: 1 króna = 100 at Stripe; MGA: 100 Bozor units = 1 at Stripe). */
function factor (currency: string): { toStripe: number, fromStripe: number } {
  if (currency === 'ISK') return { toStripe: 100, fromStripe: 1 / 100 }
  if (currency === 'MGA') return { toStripe: 1 / 100, fromStripe: 100 }
  return { toStripe: 1, fromStripe: 1 }
}

/**
 * Checks `total` against the minimum (config `STRIPE_MIN_AMOUNTS` over the defaults), the
 * 8-digit cap and the currency's rules, and converts it. Throws `ProviderError`
 * ERR_PAYMENT_AMOUNT_TOO_SMALL / _TOO_LARGE / _INVALID before any call.
 */
export function toStripeAmount (total: Money, minAmounts: Readonly<Record<string, number>>): { amount: number, currency: string } {
  const min = minAmounts[total.currency] ?? STRIPE_DEFAULT_MIN_AMOUNTS[total.currency]
  const details = { amount: total.amount, currency: total.currency }
  if (min === undefined || total.amount < min) {
    throw new ProviderError('stripe', min === undefined
      ? `Stripe has no configured minimum for ${total.currency}; set STRIPE_MIN_AMOUNTS to offer it`
      : `The total ${total.amount} ${total.currency} is below Stripe's minimum charge of ${min}`, { code: 'ERR_PAYMENT_AMOUNT_TOO_SMALL', details: { ...details, minimum: min ?? null } })
  }
  const line = toStripeUnits(total)
  if (line.amount > STRIPE_MAX_AMOUNT) {
    throw new ProviderError('stripe', `The total ${total.amount} ${total.currency} is above Stripe's 8-digit maximum`, { code: 'ERR_PAYMENT_AMOUNT_TOO_LARGE', details: { ...details, maximum: STRIPE_MAX_AMOUNT } })
  }
  return line
}

/** Converts one amount (a line price) without bound checks; throws ERR_PAYMENT_AMOUNT_INVALID when Stripe cannot take it exactly. */
export function toStripeUnits (value: Money): { amount: number, currency: string } {
  const { toStripe } = factor(value.currency)
  const amount = value.amount * toStripe
  const invalid = !Number.isSafeInteger(amount) || (THREE_DECIMAL.has(value.currency) && value.amount % 10 !== 0)
  if (invalid) {
    throw new ProviderError('stripe', `${value.amount} ${value.currency} cannot be charged exactly at Stripe (${value.currency === 'MGA' ? 'whole ariary only' : 'the last minor digit must be 0'})`,
      { code: 'ERR_PAYMENT_AMOUNT_INVALID', details: { amount: value.amount, currency: value.currency } })
  }
  return { amount, currency: value.currency.toLowerCase() }
}

/** Stripe's amount and lower-case currency back to Bozor's {@link Money}. */
export function fromStripeAmount (amount: number, currency: string): Money {
  const code = currency.toUpperCase()
  return money(Math.round(amount * factor(code).fromStripe), code)
}

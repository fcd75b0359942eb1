import type { Money } from '../shared/money.js'
import { STARS_CURRENCY } from '../shared/money.js'
import type { ProviderName } from '../payments/payment.js'

/** Stripe's amount field holds at most eight digits (specs/stripe.md §4). */
export const STRIPE_MAX_AMOUNT = 99_999_999

/**
 * Stripe's published minimums in minor units (specs/stripe.md §4) plus DESIGN.md's UZS
 * default. `STRIPE_MIN_AMOUNTS` overrides or extends it per currency.
 */
export const STRIPE_DEFAULT_MIN_AMOUNTS: Readonly<Record<string, number>> = {
  USD: 50,
  EUR: 50,
  GBP: 30,
  JPY: 50,
  AUD: 50,
  CAD: 50,
  CHF: 50,
  SGD: 50,
  NZD: 50,
  BRL: 50,
  INR: 50,
  HKD: 400,
  MXN: 1000,
  THB: 1000,
  MYR: 200,
  PLN: 200,
  RON: 200,
  AED: 200,
  BGN: 100,
  DKK: 250,
  NOK: 300,
  SEK: 300,
  CZK: 1500,
  HUF: 17500,
  UZS: 1_000_000
}

export interface OfferConfig {
  /** Providers whose settings are complete (or simulated in sandbox mode). */
  configured: readonly ProviderName[]
  /** Merged over {@link STRIPE_DEFAULT_MIN_AMOUNTS}. */
  stripeMinAmounts?: Readonly<Record<string, number>>
  /** `DIGITAL_GOODS_STARS_ONLY`. */
  digitalGoodsStarsOnly?: boolean
}

/** The part of an order the offer depends on. */
export interface OfferInput {
  total: Money
  /** True when any item is a digital product. */
  hasDigital?: boolean
  /** True when any item is a physical product (never invoiced in XTR). */
  hasPhysical?: boolean
}

/** True when Stripe can take `total`: a known minimum ≤ amount ≤ 99 999 999. */
export function isWithinStripeBounds (total: Money, minAmounts: Readonly<Record<string, number>> = {}): boolean {
  const min = minAmounts[total.currency] ?? STRIPE_DEFAULT_MIN_AMOUNTS[total.currency]
  // A currency without a known minimum is not offered through Stripe: set STRIPE_MIN_AMOUNTS.
  return min !== undefined && total.amount >= min && total.amount <= STRIPE_MAX_AMOUNT
}

/**
 * Which providers an order is offered, in display order (DESIGN.md):
 * - UZS: Payme, Click, and Stripe while the total lies within Stripe's bounds;
 * - XTR: Telegram Stars only, and only without physical goods;
 * - any other currency: Stripe within the same bounds;
 * - with `digitalGoodsStarsOnly`, an order with digital goods is offered Stars only.
 * Only configured providers are listed.
 *
 * @example
 * offeredProviders({ total: money(12_500_000, 'UZS') }, { configured: ['payme', 'click', 'stripe'] }) // ['payme', 'click', 'stripe']
 */
export function offeredProviders (input: OfferInput, config: OfferConfig): ProviderName[] {
  const { total } = input
  const stripe = isWithinStripeBounds(total, config.stripeMinAmounts)
  let offer: ProviderName[]
  if (total.currency === STARS_CURRENCY) offer = input.hasPhysical === true ? [] : ['stars']
  else if (config.digitalGoodsStarsOnly === true && input.hasDigital === true) offer = []
  else if (total.currency === 'UZS') offer = stripe ? ['payme', 'click', 'stripe'] : ['payme', 'click']
  else offer = stripe ? ['stripe'] : []
  if (total.amount <= 0) return []
  return offer.filter((p) => config.configured.includes(p))
}

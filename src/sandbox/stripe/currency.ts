import { invalidRequest } from './errors.js'

/** Stripe's zero-decimal currencies (specs/stripe.md §4). UZS is not among them. */
export const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'])
/** Three-decimal currencies: the last minor digit must be 0. */
export const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd'])

/** Published minimum charge amounts in minor units; UZS is an approximation of $0.50. */
export const DEFAULT_MINIMUM_AMOUNTS: Readonly<Record<string, number>> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  jpy: 50,
  aud: 50,
  cad: 50,
  chf: 50,
  sgd: 50,
  nzd: 50,
  brl: 50,
  inr: 50,
  hkd: 400,
  mxn: 1000,
  thb: 1000,
  myr: 200,
  pln: 200,
  ron: 200,
  aed: 200,
  bgn: 100,
  dkk: 250,
  nok: 300,
  sek: 300,
  czk: 1500,
  huf: 17500,
  uzs: 650000
}

/** The maximum of Stripe's eight-digit amount field. */
export const MAX_AMOUNT = 99_999_999

const SUPPORTED = new Set(('usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd ' +
  'cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils ' +
  'inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn ' +
  'nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb ' +
  'tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw').split(' '))

/** Number of minor digits Stripe uses for a (lower-case) currency. */
export function minorDigits (currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0
  if (THREE_DECIMAL.has(currency)) return 3
  return 2
}

/** Lower-cases and checks a currency code; unknown codes answer Stripe's `Invalid currency`. */
export function checkCurrency (raw: string, param = 'currency'): string {
  const currency = raw.toLowerCase()
  if (!SUPPORTED.has(currency)) {
    throw invalidRequest(`Invalid currency: ${currency}. Stripe currently supports these currencies: ${[...SUPPORTED].join(', ')}`, param)
  }
  return currency
}

/** Formats minor units for messages: `formatAmount(50, 'usd')` → `$0.50`-style `0.50 usd`. */
export function formatAmount (amount: number, currency: string): string {
  const digits = minorDigits(currency)
  const whole = digits === 0 ? String(amount) : `${Math.trunc(amount / 10 ** digits)}.${String(amount % 10 ** digits).padStart(digits, '0')}`
  return currency === 'usd' ? `$${whole}` : `${whole} ${currency}`
}

/**
 * Enforces specs/stripe.md §4 on an amount in minor units: positive integer, at most eight
 * digits (`amount_too_large`), at least the currency's minimum (`amount_too_small`), the
 * three-decimal rule and the ISK whole-krónur rule.
 */
export function checkAmount (amount: number, currency: string, minimums: Readonly<Record<string, number>>, param = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 1) {
    throw invalidRequest('This value must be greater than or equal to 1.', param, 'parameter_invalid_integer')
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${formatAmount(MAX_AMOUNT, currency)}`, param, 'amount_too_large')
  }
  const minimum = minimums[currency]
  if (minimum !== undefined && amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)}`, param, 'amount_too_small')
  }
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw invalidRequest(`Amounts in ${currency} must be a multiple of 10 minor units (the last digit must be 0).`, param, 'invalid_charge_amount')
  }
  if (currency === 'isk' && amount % 100 !== 0) {
    throw invalidRequest('ISK amounts must be whole krónur (a multiple of 100).', param, 'invalid_charge_amount_no_decimal_compatible')
  }
}

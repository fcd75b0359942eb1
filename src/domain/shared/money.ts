import { currencyExponent, STARS_CURRENCY } from './currencies.js'
import { DomainError } from './errors.js'

export { CURRENCY_EXPONENTS, STARS_CURRENCY, currencyExponent, isKnownCurrency } from './currencies.js'

/**
 * An amount of money: an integer count of the currency's minor unit (tiyin for UZS, cents
 * for USD, stars for XTR) and an upper-case currency code. Never a float (STYLE R7).
 *
 * @example
 * const price = money(1_500_000, 'UZS') // 15 000,00 so'm
 */
export interface Money {
  readonly amount: number
  readonly currency: string
}

/** Languages Bozor speaks to customers. */
export type Language = 'en' | 'ru' | 'uz'

/** True for an integer JavaScript represents exactly (|n| ≤ 2^53 − 1). */
export function isSafeAmount (value: unknown): value is number {
  return Number.isSafeInteger(value)
}

/** The minor-unit exponent of `currency`; throws `ERR_MONEY_CURRENCY` for an unknown code. */
export function exponentOf (currency: string): number {
  const exponent = currencyExponent(currency)
  if (exponent === undefined) {
    throw new DomainError('ERR_MONEY_CURRENCY', `Unknown currency "${currency}": use an upper-case ISO 4217 code or XTR`, { currency })
  }
  return exponent
}

/** Builds a checked {@link Money}: `amount` a safe integer, `currency` known. */
export function money (amount: number, currency: string): Money {
  exponentOf(currency)
  if (!isSafeAmount(amount)) {
    throw new DomainError('ERR_MONEY_AMOUNT', `Amount ${String(amount)} is not a whole number of minor units of ${currency}`, { currency })
  }
  return Object.freeze({ amount, currency })
}

/** Zero of a currency. */
export function zeroMoney (currency: string): Money {
  return money(0, currency)
}

function checked (amount: number, currency: string): Money {
  if (!isSafeAmount(amount)) {
    throw new DomainError('ERR_MONEY_OVERFLOW', `Amount exceeds the largest exact integer in ${currency}`, { currency })
  }
  return Object.freeze({ amount, currency })
}

function sameCurrency (a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new DomainError('ERR_MONEY_CURRENCY_MISMATCH', `Cannot combine ${a.currency} and ${b.currency}`, { currencies: [a.currency, b.currency] })
  }
}

/** a + b, same currency, exact; throws `ERR_MONEY_OVERFLOW` past 2^53 − 1. */
export function addMoney (a: Money, b: Money): Money {
  sameCurrency(a, b)
  return checked(a.amount + b.amount, a.currency)
}

/** a − b, same currency, exact. */
export function subtractMoney (a: Money, b: Money): Money {
  sameCurrency(a, b)
  return checked(a.amount - b.amount, a.currency)
}

/** m × factor for an integer factor (a quantity), exact. */
export function multiplyMoney (m: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) {
    throw new DomainError('ERR_MONEY_AMOUNT', `Multiplier ${String(factor)} is not an integer`, {})
  }
  return checked(m.amount * factor, m.currency)
}

/** The sum of `items`, all in `currency` (zero for an empty list). */
export function sumMoney (items: readonly Money[], currency: string): Money {
  let total = zeroMoney(currency)
  for (const item of items) total = addMoney(total, item)
  return total
}

/** −1, 0 or 1; same currency only. */
export function compareMoney (a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b)
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0
}

/** True when both have the same currency and amount. */
export function equalsMoney (a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount
}

/** Splits |amount| into major and minor digit strings with integer arithmetic. */
function digits (amount: number, exponent: number): { sign: string, major: string, minor: string } {
  const abs = BigInt(Math.abs(amount))
  const unit = 10n ** BigInt(exponent)
  return {
    sign: amount < 0 ? '-' : '',
    major: (abs / unit).toString(),
    minor: exponent === 0 ? '' : (abs % unit).toString().padStart(exponent, '0')
  }
}

/**
 * The amount in major units as a plain decimal string with exactly the currency's number of
 * decimals: `1500000 UZS` → `"15000.00"`, `500 JPY` → `"500"`, `-150 USD` → `"-1.50"`.
 */
export function toDecimalString (m: Money): string {
  const { sign, major, minor } = digits(m.amount, exponentOf(m.currency))
  return minor === '' ? sign + major : `${sign}${major}.${minor}`
}

/** Why a decimal string could not be read as minor units. */
export type DecimalParseFailure = 'malformed' | 'precision' | 'range'

/**
 * Reads a non-negative decimal string (`"125000"`, `"125000.5"`, `"19.99"`) as an integer of
 * minor units with `exponent` decimals, using string arithmetic only. Decimals past
 * `exponent` must be zeros (`"1.500"` → 150 at exponent 2, `"1.505"` → `precision`).
 */
export function parseDecimal (text: string, exponent: number): { ok: true, value: number } | { ok: false, reason: DecimalParseFailure } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null) return { ok: false, reason: 'malformed' }
  const whole = match[1] ?? '0'
  const fraction = match[2] ?? ''
  if (/[^0]/.test(fraction.slice(exponent))) return { ok: false, reason: 'precision' }
  const value = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.slice(0, exponent).padEnd(exponent, '0') || '0')
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'range' }
  return { ok: true, value: Number(value) }
}

/** Money from a decimal string in major units; throws `ERR_MONEY_AMOUNT` when not exact. */
export function moneyFromDecimal (text: string, currency: string): Money {
  const parsed = parseDecimal(text, exponentOf(currency))
  if (!parsed.ok) {
    throw new DomainError('ERR_MONEY_AMOUNT', `"${text}" is not an amount of ${currency} (${parsed.reason})`, { currency, reason: parsed.reason })
  }
  return money(parsed.value, currency)
}

const NBSP = '\u00a0'

/** Unit names shown after the number in ru/uz (else the ISO code). */
const SUFFIX: Record<'ru' | 'uz', Readonly<Record<string, string>>> = {
  ru: { UZS: 'сум', RUB: '₽', USD: '$', EUR: '€', GBP: '£', KZT: '₸' },
  uz: { UZS: "so'm", RUB: 'rubl', USD: '$', EUR: '€', GBP: '£', KZT: 'tenge' }
}

function group (major: string, separator: string): string {
  return major.replace(/\B(?=(\d{3})+(?!\d))/g, separator)
}

/**
 * Formats money for a customer, exactly (no float rounding). Chosen formats:
 * - `en`: Intl's currency style: `$15.00`, `UZS 15,000.00`, `€1,234.50`;
 * - `ru`: `15 000,00 сум`, `1 234,50 $` (non-breaking spaces, comma decimals);
 * - `uz`: `15 000,00 so'm`, same number style as ru;
 * - `XTR` everywhere: `1,500 ⭐` (en) / `1 500 ⭐` (ru, uz).
 *
 * @example
 * formatMoney(money(1_500_000, 'UZS'), 'uz') // "15 000,00 so'm" (with U+00A0 spaces)
 */
export function formatMoney (m: Money, language: Language): string {
  const exponent = exponentOf(m.currency)
  const { sign, major, minor } = digits(m.amount, exponent)
  if (language === 'en' && m.currency !== STARS_CURRENCY) {
    const format = new Intl.NumberFormat('en-US', {
      style: 'currency', currency: m.currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent
    })
    // A decimal string is formatted exactly (Intl.NumberFormat v3), never through a float.
    return format.format(`${sign}${major}${minor === '' ? '' : '.' + minor}` as unknown as number)
  }
  const en = language === 'en'
  const number = sign + group(major, en ? ',' : NBSP) + (minor === '' ? '' : (en ? '.' : ',') + minor)
  if (m.currency === STARS_CURRENCY) return `${number}${NBSP}⭐`
  const unit = SUFFIX[language as 'ru' | 'uz'][m.currency] ?? m.currency
  return `${number}${NBSP}${unit}`
}

/**
 * ISO 4217 currencies (plus Telegram Stars, `XTR`) and the exponent of their minor unit.
 * Money inside Bozor is always an integer count of that minor unit (DESIGN.md "Money").
 *
 * @example
 * currencyExponent('UZS') // 2: 1 so'm = 100 tiyin
 * currencyExponent('JPY') // 0
 * currencyExponent('XTR') // 0: amounts are whole stars
 */

/** Currencies whose minor unit is the major unit (ISO 4217 exponent 0). */
const ZERO_DECIMAL = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF XTR'

/** Currencies with three minor digits. */
const THREE_DECIMAL = 'BHD IQD JOD KWD LYD OMR TND'

/** Currencies with four minor digits (accounting units). */
const FOUR_DECIMAL = 'CLF UYW'

/** Every other active ISO 4217 currency: two minor digits. */
const TWO_DECIMAL = [
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD',
  'CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD',
  'GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD',
  'MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP',
  'PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS',
  'TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG'
].join(' ')

function table (): ReadonlyMap<string, number> {
  const map = new Map<string, number>()
  const add = (codes: string, exponent: number): void => {
    for (const code of codes.split(/\s+/)) if (code !== '') map.set(code, exponent)
  }
  add(TWO_DECIMAL, 2)
  add(ZERO_DECIMAL, 0)
  add(THREE_DECIMAL, 3)
  add(FOUR_DECIMAL, 4)
  return map
}

/** Minor-unit exponent per currency code (upper case). */
export const CURRENCY_EXPONENTS: ReadonlyMap<string, number> = table()

/** Telegram Stars: Bozor's only non-ISO currency. */
export const STARS_CURRENCY = 'XTR'

/** True for a currency code Bozor knows (upper case, ISO 4217 or `XTR`). */
export function isKnownCurrency (code: string): boolean {
  return CURRENCY_EXPONENTS.has(code)
}

/** The minor-unit exponent of a known currency, or `undefined`. */
export function currencyExponent (code: string): number | undefined {
  return CURRENCY_EXPONENTS.get(code)
}

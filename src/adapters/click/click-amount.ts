import { parseDecimal } from '../../domain/shared/money.js'

/**
 * The one place money crosses Click's edge: Click speaks so'm with decimals, Bozor counts
 * tiyin. String arithmetic only (specs/click.md §8).
 */

/** Result of reading Click's `amount`. `malformed` answers −8, `invalid` −2. */
export type ClickAmountResult =
  | { ok: true, tiyin: number }
  | { ok: false, reason: 'malformed' | 'invalid' }

const NUMERIC = /^[+-]?\d+(\.\d+)?$/

/**
 * Reads Click's `amount` (so'm) as tiyin: `"125000"`, `"125000.00"` → 12 500 000;
 * `"125000.5"`, `"125000.500"` → 12 500 050; `"125000.505"`, `"0"`, `"-5"` → invalid;
 * `"abc"`, `""`, `"1e5"` → malformed.
 */
export function parseClickAmount (raw: string): ClickAmountResult {
  if (!NUMERIC.test(raw)) return { ok: false, reason: 'malformed' }
  if (raw.startsWith('-')) return { ok: false, reason: 'invalid' }
  const parsed = parseDecimal(raw.startsWith('+') ? raw.slice(1) : raw, 2)
  if (!parsed.ok || parsed.value <= 0) return { ok: false, reason: 'invalid' }
  return { ok: true, tiyin: parsed.value }
}

/** True when `raw` is numeric in Click's sense (else the request is malformed, −8). */
export function isClickNumeric (raw: string): boolean {
  return NUMERIC.test(raw)
}

/** Tiyin as so'm with two decimals for the checkout URL: 12 500 000 → `"125000.00"`. */
export function formatClickAmount (tiyin: number): string {
  if (!Number.isSafeInteger(tiyin) || tiyin < 0) throw new RangeError(`Not a tiyin amount: ${tiyin}`)
  const digits = String(tiyin).padStart(3, '0')
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`
}

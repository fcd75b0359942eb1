/**
 * The fiscal receipt detail Payme's CheckPerformTransaction returns (specs/payme.md §6.1;
 * decision 0023): one line per order item with its IKPU/MXIK code, package code and VAT percent,
 * the lines adding up exactly to the amount, ordered by title. Omitted (undefined) when any item has no fiscal data
 * (no code at all is the usual case: the merchant does not fiscalize through Payme), when the
 * order is not in UZS, or when the lines would not add up.
 *
 * @example
 * paymeReceiptDetail([{ title: { en: 'Tea', uz: 'Choy' }, unitAmount: 500_000, quantity: 2, fiscal: { code: '10899001001000000', packageCode: '1234567', vatPercent: 12 } }], 1_000_000, 'UZS')
 * // { receipt_type: 0, items: [{ title: 'Choy', price: 500000, count: 2, code: '10899001001000000', package_code: '1234567', vat_percent: 12 }] }
 */
import type { PaymeReceiptDetail } from './payme-ledger.js'

export interface FiscalItem {
  title: { en: string, ru?: string, uz?: string }
  /** Tiyin. */
  unitAmount: number
  quantity: number
  fiscal: { code: string, packageCode: string, vatPercent: number } | null
}

/** Payme's receipt lines are read in Uzbekistan: the Uzbek title, else the Russian, else the English. */
const MAX_TITLE = 128

export function paymeReceiptDetail (items: readonly FiscalItem[], amount: number, currency: string): PaymeReceiptDetail | undefined {
  if (currency !== 'UZS' || items.length === 0) return undefined
  const lines: PaymeReceiptDetail['items'] = []
  for (const item of items) {
    if (item.fiscal === null) return undefined
    lines.push({
      title: (item.title.uz ?? item.title.ru ?? item.title.en).slice(0, MAX_TITLE),
      price: item.unitAmount,
      count: item.quantity,
      code: item.fiscal.code,
      package_code: item.fiscal.packageCode,
      vat_percent: item.fiscal.vatPercent
    })
  }
  const total = lines.reduce((sum, line) => sum + line.price * line.count, 0)
  // a stable order (by title, then price) so the same order always gets the same receipt
  lines.sort((a, b) => a.title < b.title ? -1 : a.title > b.title ? 1 : a.price - b.price)
  return total === amount ? { receipt_type: 0, items: lines } : undefined
}

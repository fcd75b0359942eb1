/**
 * The CSV of `GET /api/v1/orders/export`: one line per order, amounts as decimals in the
 * currency's unit (`15000.00` UZS, never minor units) next to their currency, and every cell
 * that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return) prefixed with `'` (OWASP "CSV injection"). RFC 4180 quoting, CRLF lines.
 */
import { currencyExponent } from '../../../domain/shared/money.js'
import type { OrderView } from '../../../usecases/ports.js'

export const CSV_HEADER = ['id', 'created_at', 'state', 'customer_telegram_id', 'currency', 'total', 'refunded', 'flags', 'providers', 'items', 'expires_at']

/** `1500000` minor units of UZS → `15000.00`. */
export function decimalAmount (amount: number, currency: string): string {
  const exponent = currencyExponent(currency) ?? 0
  if (exponent === 0) return String(amount)
  const text = String(amount).padStart(exponent + 1, '0')
  return `${text.slice(0, -exponent)}.${text.slice(-exponent)}`
}

/** One cell: formula-looking text defused, then quoted when it must be. */
export function csvCell (value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function csvLine (cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n'
}

export function orderCsvLine (order: OrderView): string {
  const providers = [...new Set(order.transactions.map((t) => t.provider))].join(' ')
  const items = order.items.map((i) => `${i.productId} x${i.quantity} @ ${decimalAmount(i.price.amount, i.price.currency)}`).join('; ')
  return csvLine([
    order.id, order.createdAt, order.state, String(order.customer.telegramId), order.total.currency,
    decimalAmount(order.total.amount, order.total.currency), decimalAmount(order.refunded.amount, order.refunded.currency),
    order.flags.join(' '), providers, items, order.expiresAt
  ])
}

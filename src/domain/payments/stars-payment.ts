/**
 * The Telegram Stars rules of the ledger: what an invoice carries and when an order can take a
 * Stars payment (specs/telegram.md §6.1–6.2, checklist 30, 32).
 */
import type { Order } from '../orders/order.js'

/** Invoice payloads are `o:<orderId>` (≤ 128 bytes, invisible to the customer). */
export function starsInvoicePayload (orderId: string): string {
  return `o:${orderId}`
}

/** The order id of an invoice payload of ours, or undefined. */
export function orderIdOfStarsPayload (payload: string): string | undefined {
  return /^o:(\d{1,18})$/.exec(payload)?.[1]
}

/**
 * Why an order cannot take a Stars payment of `input` at `now`, or undefined when it can: it
 * must exist, be pending and unexpired (`now < expiresAt`, DESIGN.md "States"; a pending order
 * holds its stock), be priced in XTR, and the amount and the payer must match.
 */
export function starsRefusal (order: Order | undefined, input: { amount: number, currency: string, telegramId: number }, now: number): 'not_payable' | 'mismatch' | undefined {
  if (order === undefined || order.state !== 'pending' || now >= order.expiresAt) return 'not_payable'
  if (order.total.currency !== 'XTR' || input.currency !== 'XTR' || order.total.amount !== input.amount || order.customer.telegramId !== input.telegramId) return 'mismatch'
  return undefined
}

import type { Money } from '../shared/money.js'

/** Order states (DESIGN.md "States"). */
export type OrderState = 'pending' | 'paid' | 'fulfilled' | 'cancelled' | 'expired' | 'refunded'

export const ORDER_STATES: readonly OrderState[] = ['pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded']

/** Flags raise an order to the merchant's attention without changing its state. */
export type OrderFlag = 'needs_attention'

export type ProductKind = 'digital' | 'physical'

/** Who caused a change: recorded with every history entry. */
export type Actor =
  | { kind: 'system' }
  | { kind: 'customer', telegramId: number }
  | { kind: 'admin', tokenId: string }
  | { kind: 'provider', provider: string }

/** A line of an order, priced once at checkout (a snapshot of the product). */
export interface OrderItem {
  productId: string
  quantity: number
  /** Unit price at checkout. */
  price: Money
  /** price × quantity. */
  lineTotal: Money
  kind: ProductKind
  /** False for a product marked non-refundable in the catalog. */
  refundable: boolean
}

/**
 * The order aggregate as the core sees it. Times are milliseconds since the Unix epoch
 * (the {@link Clock} unit); adapters render them as ISO 8601.
 */
export interface Order {
  /** Decimal string of a sequence: `"1042"`. */
  id: string
  state: OrderState
  customer: { telegramId: number }
  items: readonly OrderItem[]
  total: Money
  /** Sum of successful refunds so far (same currency as `total`). */
  refunded: Money
  flags: readonly OrderFlag[]
  expiresAt: number
  createdAt: number
  updatedAt: number
}

/** One line of `order.history`. */
export interface HistoryEntry {
  from: OrderState | null
  to: OrderState
  at: number
  reason: string
  actor: Actor
}

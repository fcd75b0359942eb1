import { isClickLive, type ClickPaymentStatus } from '../payments/click-payment.js'
import { isPaymeLive, type PaymeState } from '../payments/payme-transaction.js'
import { isExpired } from './order-state.js'
import type { Order } from './order.js'

/**
 * A payment of an order that might hold it (DESIGN.md: only a Payme transaction in state 1
 * or a prepared, not stale Click payment holds an order). Other providers never hold one.
 */
export type HoldCandidate =
  | { provider: 'payme', id: string, state: PaymeState, paymeTime: number }
  | { provider: 'click', id: string, status: ClickPaymentStatus, preparedAt: number }

/** True when `candidate` holds its order at `now`. */
export function holdsOrder (candidate: HoldCandidate, now: number): boolean {
  return candidate.provider === 'payme'
    ? isPaymeLive(candidate, now)
    : isClickLive(candidate, now)
}

/** The payment holding the order at `now`, if any. */
export function findHold (candidates: readonly HoldCandidate[], now: number): HoldCandidate | undefined {
  return candidates.find((c) => holdsOrder(c, now))
}

/** True when any of `candidates` holds the order at `now`. */
export function isHeld (candidates: readonly HoldCandidate[], now: number): boolean {
  return findHold(candidates, now) !== undefined
}

/**
 * Whether a customer can start paying the order now:
 * - `payable`: pending, not expired, not held;
 * - `held`: pending and held by a live payment (being paid; expiry waits for it);
 * - `paid` (paid or fulfilled), `refunded`, `cancelled`, `expired` (state, or pending with
 *   `now ≥ expiresAt` and no hold).
 * The `GET /pay/:orderId/:provider` page maps these to 302/409/410.
 */
export type PayStatus = 'payable' | 'held' | 'paid' | 'refunded' | 'cancelled' | 'expired'

export function payStatus (order: Pick<Order, 'state' | 'expiresAt'>, candidates: readonly HoldCandidate[], now: number): PayStatus {
  switch (order.state) {
    case 'paid':
    case 'fulfilled':
      return 'paid'
    case 'refunded':
    case 'cancelled':
    case 'expired':
      return order.state
    case 'pending':
      if (isHeld(candidates, now)) return 'held'
      return isExpired(order, now) ? 'expired' : 'payable'
  }
}

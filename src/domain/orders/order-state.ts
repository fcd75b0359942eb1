import { DomainError } from '../shared/errors.js'
import { addMoney, subtractMoney } from '../shared/money.js'
import type { Actor, HistoryEntry, Order, OrderFlag, OrderState } from './order.js'

/**
 * Allowed transitions (DESIGN.md "States"): pending → paid → fulfilled; pending →
 * cancelled | expired; paid | fulfilled → refunded. Everything else is refused.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  pending: ['paid', 'cancelled', 'expired'],
  paid: ['fulfilled', 'refunded'],
  fulfilled: ['refunded'],
  cancelled: [],
  expired: [],
  refunded: []
}

/** True when the state machine allows `from → to`. */
export function canTransition (from: OrderState, to: OrderState): boolean {
  return ORDER_TRANSITIONS[from].includes(to)
}

/**
 * The one expiry rule: an order is expired once `now ≥ expiresAt`. Whether a live
 * transaction holds it past that moment is a separate question ({@link isHeld}).
 */
export function isExpired (order: Pick<Order, 'expiresAt'>, now: number): boolean {
  return now >= order.expiresAt
}

/**
 * Moves `order` to `to`, returning the new order and its history entry; throws
 * `ERR_ORDER_STATE` (409) for a transition the state machine does not allow. Expiring an order
 * before `expiresAt` is refused too. `pending → paid` is not checked against `expiresAt`: a
 * live hold keeps an order payable past it, so the caller decides with `payStatus`/the
 * provider deciders.
 *
 * @example
 * const { order: paid, entry } = transition(order, 'paid', 'payme transaction 7301 performed', { kind: 'provider', provider: 'payme' }, clock.now())
 */
export function transition (order: Order, to: OrderState, reason: string, actor: Actor, now: number): { order: Order, entry: HistoryEntry } {
  if (!canTransition(order.state, to)) {
    throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} is ${order.state} and cannot become ${to}`, { orderId: order.id, state: order.state, to })
  }
  if (to === 'expired' && !isExpired(order, now)) {
    throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} expires at ${new Date(order.expiresAt).toISOString()}; it cannot be expired earlier`, { orderId: order.id, state: order.state, to })
  }
  return {
    order: { ...order, state: to, updatedAt: now },
    entry: { from: order.state, to, at: now, reason, actor }
  }
}

/** The order with `flag` raised (unchanged if already raised). */
export function addFlag (order: Order, flag: OrderFlag): Order {
  return order.flags.includes(flag) ? order : { ...order, flags: [...order.flags, flag] }
}

/** The order with `flag` cleared. */
export function removeFlag (order: Order, flag: OrderFlag): Order {
  return order.flags.includes(flag) ? { ...order, flags: order.flags.filter((f) => f !== flag) } : order
}

/** What is left to refund: total − refunded for a paid or fulfilled order, else 0. */
export function refundableAmount (order: Order): number {
  return order.state === 'paid' || order.state === 'fulfilled' ? order.total.amount - order.refunded.amount : 0
}

/**
 * Records a successful refund of `amount` minor units. A partial refund only raises
 * `refunded`; when `refunded` reaches `total` the order becomes `refunded` (and its stock
 * returns: `fullyRefunded` tells the caller). Throws `ERR_ORDER_NOTHING_REFUNDABLE` (409) when
 * nothing is left and `ERR_ORDER_REFUND_AMOUNT` (400) when `amount` is not in 1..left.
 */
export function applyRefund (order: Order, amount: number, reason: string, actor: Actor, now: number): { order: Order, entry: HistoryEntry | null, fullyRefunded: boolean } {
  const left = refundableAmount(order)
  if (left <= 0) {
    throw new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has nothing left to refund`, { orderId: order.id, state: order.state })
  }
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > left) {
    throw new DomainError('ERR_ORDER_REFUND_AMOUNT', `Refund amount must be a whole number of minor units between 1 and ${left}`, { orderId: order.id, refundable: left, errors: [{ field: 'amount', message: `must be between 1 and ${left}` }] })
  }
  const raised: Order = { ...order, refunded: addMoney(order.refunded, { amount, currency: order.total.currency }), updatedAt: now }
  if (raised.refunded.amount < raised.total.amount) return { order: raised, entry: null, fullyRefunded: false }
  const moved = transition(raised, 'refunded', reason, actor, now)
  return { order: moved.order, entry: moved.entry, fullyRefunded: true }
}

/**
 * Takes back a refund that later failed: lowers `refunded` by `amount` and flags the order
 * `needs_attention`. The state is left as it is (`refunded` is final in the state machine;
 * the merchant resolves it).
 */
export function revertRefund (order: Order, amount: number, now: number): Order {
  const lowered = Math.min(amount, order.refunded.amount)
  return addFlag({ ...order, refunded: subtractMoney(order.refunded, { amount: lowered, currency: order.refunded.currency }), updatedAt: now }, 'needs_attention')
}

/**
 * Whether a refund (Payme CancelTransaction on a performed transaction) is allowed: always,
 * except for a fulfilled order that contains a product marked non-refundable (specs/payme.md §6.4).
 */
export function isRefundAllowed (order: Pick<Order, 'state' | 'items'>): boolean {
  return !(order.state === 'fulfilled' && order.items.some((item) => !item.refundable))
}

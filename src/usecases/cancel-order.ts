/**
 * Cancelling a pending order (`POST /api/v1/orders/:id/cancel`, the bot's "cancel" button).
 */
import { isHeld } from '../domain/orders/hold.js'
import { isExpired } from '../domain/orders/order-state.js'
import type { Actor, Order } from '../domain/orders/order.js'
import { DomainError } from '../domain/shared/errors.js'
import type { ShopStore } from './ports.js'

/**
 * Cancels a pending order and releases its stock. Refuses with 404 `ERR_ORDER_NOT_FOUND`, 409
 * `ERR_ORDER_HELD` while a live Payme/Click transaction holds it, 409 `ERR_ORDER_EXPIRED` once
 * `now ≥ expiresAt`, and 409 `ERR_ORDER_STATE` for any state but pending.
 *
 * @example
 * await cancelOrder({ store, now: clock.now() }, { orderId: '1042', actor: { kind: 'admin', tokenId }, reason: 'customer asked' })
 */
export async function cancelOrder (deps: { store: ShopStore, now: number }, input: { orderId: string, actor: Actor, reason?: string }): Promise<Order> {
  return await deps.store.transaction(async (tx) => {
    const order = await tx.lockOrder(input.orderId)
    if (order === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${input.orderId}`, { orderId: input.orderId })
    if (order.state !== 'pending') {
      throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} is ${order.state}; only a pending order can be cancelled`, { orderId: order.id, state: order.state })
    }
    if (isHeld(await tx.holdCandidates(order.id), deps.now)) {
      throw new DomainError('ERR_ORDER_HELD', `Order ${order.id} is being paid; it can be cancelled once that payment ends`, { orderId: order.id })
    }
    if (isExpired(order, deps.now)) {
      throw new DomainError('ERR_ORDER_EXPIRED', `Order ${order.id} has expired`, { orderId: order.id })
    }
    return await tx.applyTransition(order, 'cancelled', { reason: input.reason ?? 'cancelled', actor: input.actor, now: deps.now })
  })
}

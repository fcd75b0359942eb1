/**
 * The merchant's order work in the admin API: the order list (newest first, every filter, an
 * opaque cursor), the export's pages, fulfilling a paid physical order (the customer is told
 * through the outbox) and resolving an order flagged `needs_attention` (the note kept in its
 * history).
 *
 * @example
 * const page = await listOrders({ orders, view }, { limit: 50, filter: { state: 'paid' } })
 * await fulfilPhysicalOrder({ store, now }, { orderId: '1042', actor, note: 'DHL 123' })
 */
import type { Actor, Order } from '../domain/orders/order.js'
import { DomainError, validationError } from '../domain/shared/errors.js'
import { decodeCursor, encodeCursor, type Page } from './catalog.js'
import type { OrderAdminStore, OrderFilter, OrderView, OrderViewOptions, ShopStore } from './ports.js'

/** Orders newest first; `cursor` is the previous page's `nextCursor`. */
export async function listOrders (deps: { orders: OrderAdminStore, view: OrderViewOptions }, input: { limit?: number, cursor?: string, filter: OrderFilter }): Promise<Page<OrderView>> {
  const limit = input.limit ?? 50
  if (input.filter.from !== undefined && input.filter.to !== undefined && input.filter.from >= input.filter.to) {
    throw validationError([{ field: 'to', message: 'must be later than from' }])
  }
  const before = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined
  if (before !== undefined && !/^[1-9][0-9]{0,17}$/.test(before.id)) throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
  const rows = await deps.orders.orders({ limit: limit + 1, filter: input.filter, ...(before !== undefined ? { before } : {}) }, deps.view)
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ createdAt: Date.parse(last.createdAt), id: last.id }) : null }
}

/** Every order matching `filter`, newest first, a page at a time (the CSV export). */
export async function * exportOrders (deps: { orders: OrderAdminStore, view: OrderViewOptions }, filter: OrderFilter, pageSize = 200): AsyncGenerator<OrderView[]> {
  let cursor: string | undefined
  do {
    const page = await listOrders(deps, { limit: pageSize, filter, ...(cursor !== undefined ? { cursor } : {}) })
    if (page.items.length > 0) yield page.items
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
}

function notFound (orderId: string): DomainError {
  return new DomainError('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
}

/**
 * Marks a paid order with physical goods fulfilled (shipped or handed over) and tells the
 * customer, in the same transaction (outbox). A digital-only order is fulfilled when its goods
 * are sent; any state but `paid` is 409 `ERR_ORDER_STATE`.
 */
export async function fulfilPhysicalOrder (deps: { store: ShopStore, now: number }, input: { orderId: string, actor: Actor, note?: string }): Promise<Order> {
  return await deps.store.transaction(async (tx) => {
    const order = await tx.lockOrder(input.orderId)
    if (order === undefined) throw notFound(input.orderId)
    if (!order.items.some((i) => i.kind === 'physical')) {
      throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} has only digital goods: it is fulfilled when they are sent`, { orderId: order.id, state: order.state })
    }
    if (order.state !== 'paid') {
      throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} is ${order.state}; only a paid order can be fulfilled`, { orderId: order.id, state: order.state })
    }
    const note = input.note?.trim()
    const fulfilled = await tx.applyTransition(order, 'fulfilled', { reason: note !== undefined && note !== '' ? `fulfilled: ${note}` : 'fulfilled by the merchant', actor: input.actor, now: deps.now })
    await tx.notifyCustomer(order.customer.telegramId, { kind: 'order.fulfilled', orderId: order.id, ...(note !== undefined && note !== '' ? { note } : {}) }, deps.now)
    return fulfilled
  })
}

/** Clears `needs_attention` (409 `ERR_ORDER_STATE` when the order is not flagged); the note stays in its history. */
export async function resolveOrder (deps: { store: ShopStore, now: number }, input: { orderId: string, actor: Actor, note?: string }): Promise<Order> {
  return await deps.store.transaction(async (tx) => {
    const order = await tx.lockOrder(input.orderId)
    if (order === undefined) throw notFound(input.orderId)
    if (!order.flags.includes('needs_attention')) {
      throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} does not need attention`, { orderId: order.id, state: order.state })
    }
    const note = input.note?.trim()
    return await tx.resolveAttention(order, { reason: note !== undefined && note !== '' ? `resolved: ${note}` : 'resolved', actor: input.actor, now: deps.now })
  })
}

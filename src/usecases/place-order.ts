/**
 * Checkout: one transaction that locks the products, prices the order once (a snapshot that
 * later price changes do not touch), reserves stock and writes the order with its first
 * history row. The admin API (`POST /api/v1/orders`) and the bot's checkout both call it.
 */
import type { Actor, Order } from '../domain/orders/order.js'
import { priceOrder, type ProductSnapshot } from '../domain/orders/price-order.js'
import { validationError, type FieldError } from '../domain/shared/errors.js'
import type { LocalizedText, OrderDelivery, ShopStore } from './ports.js'

export interface PlaceOrderInput {
  customer: { telegramId: number }
  items: ReadonlyArray<{ productId: string, quantity: number }>
  /** Who placed it [the customer]. */
  actor?: Actor
  /** Contact and address of a physical order. */
  delivery?: OrderDelivery
}

export interface PlaceOrderDeps {
  store: ShopStore
  now: number
  /** `ORDER_TTL_S`. */
  orderTtlS: number
  /** `DIGITAL_GOODS_STARS_ONLY`. */
  digitalGoodsStarsOnly?: boolean
}

/**
 * Places an order. Refuses: unknown products (`ERR_VALIDATION` naming `items[i].productId`),
 * and whatever `priceOrder` refuses — currency mix (400), a digital product not in XTR under
 * DIGITAL_GOODS_STARS_ONLY (400), inactive product or not enough available stock (409).
 *
 * @example
 * const order = await placeOrder({ store, now: clock.now(), orderTtlS: config.orders.ttlS }, { customer: { telegramId: 42 }, items: [{ productId: 'prd_…', quantity: 1 }] })
 */
export async function placeOrder (deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<Order> {
  const telegramId = input.customer.telegramId
  if (!Number.isSafeInteger(telegramId) || telegramId <= 0) throw validationError([{ field: 'customer.telegramId', message: 'must be a positive integer' }])
  const ids = [...new Set(input.items.map((i) => i.productId))]
  return await deps.store.transaction(async (tx) => {
    const locked = await tx.lockProducts(ids)
    const byId = new Map(locked.map((p) => [p.id, p]))
    const unknown: FieldError[] = []
    input.items.forEach((item, i) => {
      if (!byId.has(item.productId)) unknown.push({ field: `items[${i}].productId`, message: `no product ${item.productId}` })
    })
    if (unknown.length > 0) throw validationError(unknown, 'Unknown product: ' + unknown.map((u) => u.message.slice(11)).join(', '))
    const lines = input.items.map((item) => {
      const p = byId.get(item.productId)!
      // stock − reserved is what a new order may take; units held by pending orders are not for sale
      const snapshot: ProductSnapshot = { ...p, stock: p.stock === null ? null : Math.max(p.stock - p.reserved, 0) }
      return { product: snapshot, quantity: item.quantity }
    })
    const priced = priceOrder(lines, { digitalGoodsStarsOnly: deps.digitalGoodsStarsOnly ?? false })
    await tx.reserveStock(priced.items, deps.now)
    await tx.upsertCustomer(telegramId, deps.now)
    const titles = new Map<string, LocalizedText>(locked.map((p) => [p.id, p.title]))
    return await tx.insertOrder({
      telegramId,
      items: priced.items,
      titles,
      total: priced.total,
      expiresAt: deps.now + deps.orderTtlS * 1000,
      now: deps.now,
      actor: input.actor ?? { kind: 'customer', telegramId },
      ...(input.delivery !== undefined ? { delivery: input.delivery } : {})
    })
  })
}

/**
 * The admin API's `order` JSON (DESIGN.md external contract), read from the ledger tables.
 */
import { asc, eq } from 'drizzle-orm'
import { offeredProviders } from '../../domain/orders/offered-providers.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { Order } from '../../domain/orders/order.js'
import type { OrderDelivery, OrderView, OrderViewOptions } from '../../usecases/ports.js'
import type { Db } from './database.js'
import { readOrder } from './orders-rows.js'
import { orderTransition, paymentTransaction, shopOrder } from './schema.js'

export type { OrderView, OrderViewOptions }
type TransactionRow = typeof paymentTransaction.$inferSelect
type TransitionRow = typeof orderTransition.$inferSelect

/** The order as DESIGN.md's `order` shape, or undefined when there is no such order. */
export async function getOrderView (db: Db, orderId: string, options: OrderViewOptions): Promise<OrderView | undefined> {
  if (!/^\d{1,18}$/.test(orderId)) return undefined
  const order = await readOrder(db, orderId)
  if (order === undefined) return undefined
  const [transactions, history, shipping] = await Promise.all([
    db.select().from(paymentTransaction).where(eq(paymentTransaction.orderId, orderId)).orderBy(asc(paymentTransaction.createdAt), asc(paymentTransaction.id)),
    db.select().from(orderTransition).where(eq(orderTransition.orderId, orderId)).orderBy(asc(orderTransition.id)),
    db.select({ contact: shopOrder.contact, address: shopOrder.shippingAddress }).from(shopOrder).where(eq(shopOrder.id, orderId))
  ])
  return toOrderView(order, transactions, history, options, deliveryOf(shipping[0]?.contact, shipping[0]?.address))
}

/** DESIGN.md's `order` of a domain order, its payment transactions and its transitions (both in order). */
export function toOrderView (order: Order, transactions: TransactionRow[], history: TransitionRow[], options: OrderViewOptions, delivery?: OrderDelivery): OrderView {
  const payUrls: Partial<Record<ProviderName, string>> = {}
  if (order.state === 'pending') {
    const offered = offeredProviders({ total: order.total, hasDigital: order.items.some((i) => i.kind === 'digital'), hasPhysical: order.items.some((i) => i.kind === 'physical') }, options.offer)
    for (const provider of offered) payUrls[provider] = options.payUrl(order.id, provider)
  }
  return {
    id: order.id,
    state: order.state,
    customer: { telegramId: order.customer.telegramId },
    items: order.items.map((i) => ({ productId: i.productId, quantity: i.quantity, price: { amount: i.price.amount, currency: i.price.currency } })),
    total: { amount: order.total.amount, currency: order.total.currency },
    refunded: { amount: order.refunded.amount, currency: order.refunded.currency },
    flags: [...order.flags],
    payUrls,
    transactions: transactions.map((t) => ({
      provider: t.provider,
      id: t.id,
      providerId: t.providerTransactionId,
      state: t.state,
      amount: { amount: t.amount, currency: t.currency },
      createdAt: t.createdAt.toISOString()
    })),
    history: history.map((h) => ({ from: h.fromState, to: h.toState, at: h.at.toISOString(), reason: h.reason })),
    expiresAt: new Date(order.expiresAt).toISOString(),
    createdAt: new Date(order.createdAt).toISOString(),
    ...(delivery !== undefined ? { delivery } : {})
  }
}

/** The phone, name and address a physical order was placed with (`contact`, `shipping_address`), if any. */
function deliveryOf (contact: Record<string, unknown> | null | undefined, address: Record<string, unknown> | null | undefined): OrderDelivery | undefined {
  const text = (value: unknown): string | undefined => typeof value === 'string' && value !== '' ? value : undefined
  const phone = text(contact?.phone)
  const name = text(contact?.name)
  const where = text(address?.text)
  if (phone === undefined && name === undefined && where === undefined) return undefined
  return { ...(phone !== undefined ? { phone } : {}), ...(name !== undefined ? { name } : {}), ...(where !== undefined ? { address: where } : {}) }
}

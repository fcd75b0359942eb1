import type { Order, OrderItem } from '../../../../src/domain/orders/order.js'
import { money } from '../../../../src/domain/shared/money.js'

/** A pending UZS order (total 12 500 000 tiyin), created at `now`, expiring 30 min later. */
export function makeOrder (overrides: Partial<Order> = {}, now = Date.UTC(2026, 0, 1)): Order {
  const item: OrderItem = {
    productId: 'prd_0000000000000000000000000a',
    quantity: 1,
    price: money(12_500_000, 'UZS'),
    lineTotal: money(12_500_000, 'UZS'),
    kind: 'physical',
    refundable: true
  }
  return {
    id: '1042',
    state: 'pending',
    customer: { telegramId: 123 },
    items: [item],
    total: money(12_500_000, 'UZS'),
    refunded: money(0, 'UZS'),
    flags: [],
    expiresAt: now + 30 * 60_000,
    createdAt: now,
    updatedAt: now,
    ...overrides
  }
}

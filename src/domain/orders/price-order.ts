import { DomainError, type FieldError } from '../shared/errors.js'
import { STARS_CURRENCY, multiplyMoney, sumMoney, type Money } from '../shared/money.js'
import type { OrderItem, ProductKind } from './order.js'

/** Largest quantity of one product in one order. */
export const MAX_QUANTITY = 10_000

/** What pricing needs to know about a product, read once at checkout. */
export interface ProductSnapshot {
  id: string
  price: Money
  kind: ProductKind
  /** `null` = unlimited. */
  stock: number | null
  active: boolean
  refundable: boolean
}

export interface PriceLine {
  product: ProductSnapshot
  quantity: number
}

export interface PricedOrder {
  items: OrderItem[]
  total: Money
}

export interface PriceOptions {
  /** `DIGITAL_GOODS_STARS_ONLY`: a digital product must be priced in XTR. */
  digitalGoodsStarsOnly?: boolean
}

/**
 * Prices an order once, in integer minor units. Lines for the same product are merged
 * (their quantities add up) before stock is checked. Refuses, in this order:
 * - no lines → `ERR_ORDER_EMPTY` (400);
 * - a quantity that is not an integer in 1..{@link MAX_QUANTITY} → `ERR_ORDER_QUANTITY` (400);
 * - items in more than one currency → `ERR_ORDER_CURRENCY_MIX` (400);
 * - a digital product not in XTR with `digitalGoodsStarsOnly` → `ERR_PRODUCT_DIGITAL_NOT_STARS` (400);
 * - an inactive product → `ERR_PRODUCT_INACTIVE` (409);
 * - more than the stock → `ERR_ORDER_OUT_OF_STOCK` (409);
 * - a total past 2^53 − 1 → `ERR_MONEY_OVERFLOW` (400).
 *
 * @example
 * const { items, total } = priceOrder([{ product, quantity: 2 }])
 */
export function priceOrder (lines: readonly PriceLine[], options: PriceOptions = {}): PricedOrder {
  if (lines.length === 0) {
    throw new DomainError('ERR_ORDER_EMPTY', 'An order needs at least one item', { errors: [{ field: 'items', message: 'must not be empty' }] })
  }
  const quantityErrors: FieldError[] = []
  lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      quantityErrors.push({ field: `items[${i}].quantity`, message: `must be a whole number from 1 to ${MAX_QUANTITY}` })
    }
  })
  if (quantityErrors.length > 0) {
    throw new DomainError('ERR_ORDER_QUANTITY', 'Quantities must be whole numbers from 1 to ' + MAX_QUANTITY, { errors: quantityErrors })
  }
  const currencies = [...new Set(lines.map((l) => l.product.price.currency))]
  if (currencies.length > 1) {
    throw new DomainError('ERR_ORDER_CURRENCY_MIX', `All items of an order must share one currency; got ${currencies.join(', ')}`, { currencies })
  }
  const currency = currencies[0] as string

  const merged = new Map<string, PriceLine>()
  for (const line of lines) {
    const seen = merged.get(line.product.id)
    merged.set(line.product.id, { product: line.product, quantity: (seen?.quantity ?? 0) + line.quantity })
  }
  for (const { product, quantity } of merged.values()) {
    if (options.digitalGoodsStarsOnly === true && product.kind === 'digital' && currency !== STARS_CURRENCY) {
      throw new DomainError('ERR_PRODUCT_DIGITAL_NOT_STARS', `Digital product ${product.id} must be priced in XTR (DIGITAL_GOODS_STARS_ONLY)`, { productId: product.id })
    }
    if (!product.active) {
      throw new DomainError('ERR_PRODUCT_INACTIVE', `Product ${product.id} is not for sale`, { productId: product.id })
    }
    if (quantity > MAX_QUANTITY) {
      throw new DomainError('ERR_ORDER_QUANTITY', `At most ${MAX_QUANTITY} of product ${product.id} per order`, { productId: product.id, errors: [{ field: 'items', message: `at most ${MAX_QUANTITY} of product ${product.id}` }] })
    }
    if (product.stock !== null && quantity > product.stock) {
      throw new DomainError('ERR_ORDER_OUT_OF_STOCK', `Only ${product.stock} of product ${product.id} left; ${quantity} requested`, { productId: product.id, requested: quantity, available: product.stock })
    }
  }

  const items: OrderItem[] = [...merged.values()].map(({ product, quantity }) => ({
    productId: product.id,
    quantity,
    price: product.price,
    lineTotal: multiplyMoney(product.price, quantity),
    kind: product.kind,
    refundable: product.refundable
  }))
  return { items, total: sumMoney(items.map((i) => i.lineTotal), currency) }
}

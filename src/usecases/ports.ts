/**
 * Ports the use cases need from storage. The PostgreSQL/PGlite adapter implements them
 * (`createPostgresShop` in src/adapters/postgres/shop-store.ts); the use cases hold the rules.
 */
import type { HoldCandidate } from '../domain/orders/hold.js'
import type { Actor, Order, OrderFlag, OrderItem, OrderState, ProductKind } from '../domain/orders/order.js'
import type { ProductSnapshot } from '../domain/orders/price-order.js'
import type { ProviderName, TransactionState } from '../domain/payments/payment.js'
import type { Money } from '../domain/shared/money.js'
import type { OfferConfig } from '../domain/orders/offered-providers.js'

/** Localized text; `en` is always present. */
export interface LocalizedText { en: string, ru?: string, uz?: string }

/** A product's IKPU/MXIK classifier code (17 digits), its package code and VAT percent. */
export interface ProductFiscal { code: string, packageCode: string, vatPercent: number }

/** A catalog product (DESIGN.md `product`). */
export interface Product {
  id: string
  title: LocalizedText
  description?: LocalizedText
  price: Money
  kind: ProductKind
  /** null = unlimited. */
  stock: number | null
  payload?: string
  active: boolean
  refundable: boolean
  /** Uzbek fiscal data for Payme's receipt (decision 0023). */
  fiscal?: ProductFiscal
  /** The section it is listed in; null: none. */
  categoryId: string | null
  /** Pictures in order: URLs or Telegram file ids. */
  images: string[]
  createdAt: number
}

/** A product locked for checkout, with what pending orders hold. */
export interface LockedProduct extends ProductSnapshot {
  title: LocalizedText
  reserved: number
}

/** Contact and shipping address a physical order is delivered to (asked by the bot's checkout). */
export interface OrderDelivery { phone?: string, name?: string, address?: string }

/** DESIGN.md `order` JSON. */
export interface OrderView {
  id: string
  state: OrderState
  customer: { telegramId: number }
  items: Array<{ productId: string, quantity: number, price: Money }>
  total: Money
  refunded: Money
  flags: OrderFlag[]
  payUrls: Partial<Record<ProviderName, string>>
  transactions: Array<{ provider: string, id: string, providerId: string, state: TransactionState, amount: Money, createdAt: string }>
  history: Array<{ from: OrderState | null, to: OrderState, at: string, reason: string | null }>
  expiresAt: string
  createdAt: string
  /** Where a physical order goes: the phone and address the customer gave at checkout. */
  delivery?: OrderDelivery
}

/**
 * Bozor's signed pay links (DESIGN.md `GET /pay/:orderId/:provider?t=<sig>`): `t` is an HMAC of
 * the order id under a key Bozor generated at first start, so counting ids reveals nothing.
 *
 * @example
 * payLinks.url('1042', 'payme') // 'https://shop.example/pay/1042/payme?t=…'
 * payLinks.verify('1042', t)    // true for the order's own signature only
 */
export interface PayLinks {
  /** The absolute pay link of an order and provider, on PUBLIC_URL. */
  url(orderId: string, provider: ProviderName): string
  /** True when `signature` is the order's (compared in constant time). */
  verify(orderId: string, signature: string | undefined): boolean
}

export interface OrderViewOptions {
  /** The order's signed pay link for a provider. */
  payUrl: PayLinks['url']
  /** Configured providers and offer rules; pay URLs are listed while the order is pending. */
  offer: OfferConfig
}

/** Work inside one database transaction. */
export interface ShopTx {
  /** Locks the products (FOR UPDATE, in id order); unknown ids are missing from the result. */
  lockProducts(ids: readonly string[]): Promise<LockedProduct[]>
  reserveStock(items: readonly OrderItem[], now: number): Promise<void>
  upsertCustomer(telegramId: number, now: number): Promise<void>
  /** Inserts the order, its items (with title snapshots), the null → pending history row and an `order.placed` event. */
  insertOrder(input: { telegramId: number, items: readonly OrderItem[], titles: ReadonlyMap<string, LocalizedText>, total: Money, expiresAt: number, now: number, actor: Actor, delivery?: OrderDelivery }): Promise<Order>
  lockOrder(orderId: string): Promise<Order | undefined>
  applyTransition(order: Order, to: OrderState, ctx: { reason: string, actor: Actor, now: number }): Promise<Order>
  /** Payments of the order that might hold it (Payme state 1, Click prepared). */
  holdCandidates(orderId: string): Promise<HoldCandidate[]>
  /** Locks up to `limit` pending orders with `expires_at ≤ now`, skipping rows other instances hold. */
  lockDueOrders(now: number, limit: number, excludeIds: readonly string[]): Promise<Order[]>
  /** A message to the customer through the outbox (`customer.notify`), committed with the change. */
  notifyCustomer(telegramId: number, message: Record<string, unknown>, now: number): Promise<void>
  /** Clears a locked order's `needs_attention` flag and keeps `reason` in its history (same state). */
  resolveAttention(order: Order, ctx: { reason: string, actor: Actor, now: number }): Promise<Order>
}

/** Filters of the admin API's order list (all optional, combined with and). */
export interface OrderFilter {
  state?: OrderState
  /** Orders with a payment attempt through this provider. */
  provider?: string
  /** The customer's Telegram id. */
  customer?: number
  flag?: OrderFlag
  /** Placed at or after (ms). */
  from?: number
  /** Placed before (ms). */
  to?: number
}

/** The admin API's order reads. */
export interface OrderAdminStore {
  /** Orders newest first (created_at, id), before `before`, as DESIGN.md `order` views. */
  orders(input: { limit: number, before?: { createdAt: number, id: string }, filter: OrderFilter }, options: OrderViewOptions): Promise<OrderView[]>
}

/** The shop's storage. */
export interface ShopStore {
  transaction<T>(work: (tx: ShopTx) => Promise<T>): Promise<T>
  insertProduct(product: Product): Promise<void>
  /** Products after `cursor` (created_at, id order), at most `limit`. */
  listProducts(input: { limit: number, after?: { createdAt: number, id: string } }): Promise<Product[]>
  orderView(orderId: string, options: OrderViewOptions): Promise<OrderView | undefined>
}

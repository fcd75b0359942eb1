import { sql } from 'drizzle-orm'
import {
  bigint, bigserial, boolean, check, index, integer, jsonb, pgSequence, pgTable, primaryKey, text
} from 'drizzle-orm/pg-core'
import { bigintString, currencyCheck, type LocalizedText, timestamptz } from './columns.js'
import { product } from './catalog.js'

/** Every order state; the check constraint on `shop_order.state` lists the same values. */
export const ORDER_STATES = ['pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded'] as const

/** Order numbers: customers read them aloud, so they are short and start at 1001. */
export const orderIdSeq = pgSequence('order_id_seq', { startWith: 1001 })

/**
 * An order. The table is `shop_order` because `order` is an SQL keyword (every query would have
 * to quote it). `id` is a decimal string of `order_id_seq` (`"1042"`). Each state change sets
 * its `*_at` column; `version` increases on every update (optimistic checks).
 */
export const shopOrder = pgTable('shop_order', {
  id: bigintString('id').primaryKey().default(sql`nextval('order_id_seq')`),
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }).notNull(),
  state: text('state', { enum: ORDER_STATES }).notNull().default('pending'),
  currency: text('currency').notNull(),
  totalAmount: bigint('total_amount', { mode: 'number' }).notNull(),
  refundedAmount: bigint('refunded_amount', { mode: 'number' }).notNull().default(0),
  flags: text('flags').array().notNull().default(sql`'{}'::text[]`),
  provider: text('provider'),
  /** Placed in sandbox mode (no BOT_TOKEN): left out of analytics once live. */
  sandbox: boolean('sandbox').notNull().default(false),
  contact: jsonb('contact').$type<Record<string, unknown>>(),
  shippingAddress: jsonb('shipping_address').$type<Record<string, unknown>>(),
  expiresAt: timestamptz('expires_at').notNull(),
  paidAt: timestamptz('paid_at'),
  fulfilledAt: timestamptz('fulfilled_at'),
  cancelledAt: timestamptz('cancelled_at'),
  expiredAt: timestamptz('expired_at'),
  refundedAt: timestamptz('refunded_at'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  version: integer('version').notNull().default(0)
}, (t) => [
  check('shop_order_state_check', sql`${t.state} in ('pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded')`),
  currencyCheck('shop_order', t.currency),
  check('shop_order_total_amount_check', sql`${t.totalAmount} >= 0`),
  check('shop_order_refunded_amount_check', sql`${t.refundedAmount} >= 0 and ${t.refundedAmount} <= ${t.totalAmount}`),
  index('shop_order_customer_idx').on(t.customerTelegramId, t.createdAt),
  index('shop_order_created_idx').on(t.createdAt, t.id),
  index('shop_order_paid_idx').on(t.paidAt),
  // the expiry job scans only pending orders
  index('shop_order_pending_expires_idx').on(t.expiresAt).where(sql`${t.state} = 'pending'`)
])

/** A line of an order: the unit price and title are snapshots taken when the order was placed. */
export const orderItem = pgTable('order_item', {
  orderId: bigintString('order_id').notNull().references(() => shopOrder.id, { onDelete: 'cascade' }),
  productId: text('product_id').notNull().references(() => product.id),
  quantity: integer('quantity').notNull(),
  unitAmount: bigint('unit_amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  title: jsonb('title').$type<LocalizedText>().notNull()
}, (t) => [
  primaryKey({ name: 'order_item_pkey', columns: [t.orderId, t.productId] }),
  check('order_item_quantity_check', sql`${t.quantity} > 0`),
  check('order_item_unit_amount_check', sql`${t.unitAmount} >= 0`),
  currencyCheck('order_item', t.currency),
  index('order_item_product_idx').on(t.productId)
])

/** Append-only history of an order's states; `from_state` is null for the first row. */
export const orderTransition = pgTable('order_transition', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  orderId: bigintString('order_id').notNull().references(() => shopOrder.id, { onDelete: 'cascade' }),
  fromState: text('from_state', { enum: ORDER_STATES }),
  toState: text('to_state', { enum: ORDER_STATES }).notNull(),
  reason: text('reason'),
  actor: text('actor'),
  at: timestamptz('at').notNull().defaultNow()
}, (t) => [
  index('order_transition_order_idx').on(t.orderId, t.id)
])

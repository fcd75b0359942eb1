import { sql } from 'drizzle-orm'
import {
  bigint, bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex
} from 'drizzle-orm/pg-core'
import { bigintString, currencyCheck, timestamptz } from './columns.js'
import { shopOrder } from './orders.js'

/** Every payment transaction state; the check constraint lists the same values. */
export const PAYMENT_STATES = ['pending', 'succeeded', 'failed', 'cancelled', 'refunded'] as const

/**
 * One attempt to pay an order through one provider; `id` is `pay_…`. The provider's own id is
 * unique per provider, which makes every provider callback idempotent (STYLE.md R6).
 * `provider_state` and `provider_created_at` keep Payme's state (1, 2, -1, -2) and its
 * millisecond `create_time`; `reason` is Payme's cancel reason; `payme_time` is Payme's own
 * `time` (the 12-hour timeout and GetStatement use it). `seq` is a small integer per row: Payme's
 * `transaction` and Click's `merchant_prepare_id`. A Click attempt's provider id is
 * `<click_trans_id>:<order_id>` (specs/click.md §6.2 keys attempts on the pair).
 */
export const paymentTransaction = pgTable('payment_transaction', {
  id: text('id').primaryKey(),
  orderId: bigintString('order_id').notNull().references(() => shopOrder.id),
  provider: text('provider').notNull(),
  providerTransactionId: text('provider_transaction_id').notNull(),
  state: text('state', { enum: PAYMENT_STATES }).notNull().default('pending'),
  providerState: integer('provider_state'),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  refundedAmount: bigint('refunded_amount', { mode: 'number' }).notNull().default(0),
  reason: integer('reason'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  performedAt: timestamptz('performed_at'),
  cancelledAt: timestamptz('cancelled_at'),
  providerCreatedAt: bigint('provider_created_at', { mode: 'number' }),
  raw: jsonb('raw').$type<unknown>(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  seq: bigserial('seq', { mode: 'number' }).notNull(),
  paymeTime: bigint('payme_time', { mode: 'number' }),
  fiscalPerform: jsonb('fiscal_perform').$type<Record<string, unknown>>(),
  fiscalCancel: jsonb('fiscal_cancel').$type<Record<string, unknown>>(),
  clickPaydocId: text('click_paydoc_id'),
  rawAmount: text('raw_amount'),
  cancelledAfterConfirmAt: timestamptz('cancelled_after_confirm_at')
}, (t) => [
  uniqueIndex('payment_transaction_seq_key').on(t.seq),
  // one live (state 1 or 2) Payme transaction per order (specs/payme.md §7, §11)
  uniqueIndex('payment_transaction_payme_live_key').on(t.orderId)
    .where(sql`${t.provider} = 'payme' and ${t.providerState} in (1, 2)`),
  // Payme GetStatement selects by Payme's time
  index('payment_transaction_payme_time_idx').on(t.provider, t.paymeTime),
  uniqueIndex('payment_transaction_provider_id_key').on(t.provider, t.providerTransactionId),
  check('payment_transaction_state_check', sql`${t.state} in ('pending', 'succeeded', 'failed', 'cancelled', 'refunded')`),
  check('payment_transaction_amount_check', sql`${t.amount} >= 0`),
  check('payment_transaction_refunded_amount_check', sql`${t.refundedAmount} >= 0 and ${t.refundedAmount} <= ${t.amount}`),
  currencyCheck('payment_transaction', t.currency),
  index('payment_transaction_order_idx').on(t.orderId),
  // Payme GetStatement lists transactions by their create_time
  index('payment_transaction_provider_created_idx').on(t.provider, t.providerCreatedAt)
])

/**
 * Inbound provider events already handled (Stripe event id, Telegram payment charge id, …).
 * Insert with `ON CONFLICT DO NOTHING`: no row back means "already handled", answer with `result`.
 */
export const providerEvent = pgTable('provider_event', {
  provider: text('provider').notNull(),
  eventId: text('event_id').notNull(),
  receivedAt: timestamptz('received_at').notNull().defaultNow(),
  payload: jsonb('payload').$type<unknown>(),
  result: jsonb('result').$type<unknown>()
}, (t) => [
  primaryKey({ name: 'provider_event_pkey', columns: [t.provider, t.eventId] }),
  index('provider_event_received_idx').on(t.receivedAt)
])

/**
 * Requests to and from providers with secrets removed, for support and disputes; rows older
 * than 90 days are pruned by `at`.
 */
export const providerAudit = pgTable('provider_audit', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  provider: text('provider').notNull(),
  direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
  endpoint: text('endpoint').notNull(),
  orderId: bigintString('order_id'),
  request: jsonb('request').$type<unknown>(),
  response: jsonb('response').$type<unknown>(),
  status: integer('status'),
  at: timestamptz('at').notNull().defaultNow()
}, (t) => [
  check('provider_audit_direction_check', sql`${t.direction} in ('inbound', 'outbound')`),
  index('provider_audit_at_idx').on(t.at),
  index('provider_audit_order_idx').on(t.orderId)
])

import { sql } from 'drizzle-orm'
import {
  bigint, bigserial, check, index, integer, jsonb, pgTable, text, uniqueIndex
} from 'drizzle-orm/pg-core'
import { bigintString, currencyCheck, timestamptz } from './columns.js'
import { shopOrder } from './orders.js'

/** Every Stripe attempt status; the check constraint lists the same values. */
export const STRIPE_ATTEMPT_STATUSES = ['creating', 'open', 'complete', 'expired', 'failed'] as const

/**
 * One Stripe attempt of an order (specs/stripe.md §1, §7.4): a Checkout Session (`kind`
 * `checkout`) or a direct PaymentIntent (`payment_intent`). `attempt` counts per order and kind
 * and makes the idempotency key (`checkout:<order>:<attempt>`, `pi:<order>:<attempt>`); the row
 * is written before the API call (`creating`) with the parameters that must be replayed
 * unchanged (`expires_at`), so a retry after a timeout sends the same key and the same body.
 */
export const stripeAttempt = pgTable('stripe_attempt', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  orderId: bigintString('order_id').notNull().references(() => shopOrder.id),
  kind: text('kind', { enum: ['checkout', 'payment_intent'] }).notNull(),
  attempt: integer('attempt').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  status: text('status', { enum: STRIPE_ATTEMPT_STATUSES }).notNull().default('creating'),
  sessionId: text('session_id'),
  paymentIntentId: text('payment_intent_id'),
  url: text('url'),
  expiresAt: timestamptz('expires_at'),
  lastError: jsonb('last_error').$type<Record<string, unknown>>(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow()
}, (t) => [
  uniqueIndex('stripe_attempt_order_kind_attempt_key').on(t.orderId, t.kind, t.attempt),
  uniqueIndex('stripe_attempt_session_key').on(t.sessionId),
  index('stripe_attempt_payment_intent_idx').on(t.paymentIntentId),
  index('stripe_attempt_live_idx').on(t.orderId).where(sql`${t.status} in ('creating', 'open')`),
  check('stripe_attempt_status_check', sql`${t.status} in ('creating', 'open', 'complete', 'expired', 'failed')`),
  check('stripe_attempt_kind_check', sql`${t.kind} in ('checkout', 'payment_intent')`)
])

/** Every refund state; the check constraint lists the same values. */
export const REFUND_STATES = ['pending', 'succeeded', 'failed'] as const

/**
 * One refund of a payment (`id` is `led_…`, the ledger row created before the provider call, so
 * `refund:<id>` is the idempotency key of the call). `provider_refund_id` is the provider's id
 * (`re_…`) once known, unique per provider; a refund made in the provider's cabinet is recorded
 * from its event with `origin` `external`. `auto` refunds are the ones Bozor starts itself for a
 * payment that landed on an order no longer payable (DESIGN.md).
 */
export const paymentRefund = pgTable('payment_refund', {
  id: text('id').primaryKey(),
  orderId: bigintString('order_id').notNull().references(() => shopOrder.id),
  transactionId: text('transaction_id').notNull(),
  provider: text('provider').notNull(),
  providerRefundId: text('provider_refund_id'),
  origin: text('origin', { enum: ['admin', 'auto', 'external'] }).notNull(),
  state: text('state', { enum: REFUND_STATES }).notNull().default('pending'),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  currency: text('currency').notNull(),
  reason: text('reason'),
  lastError: jsonb('last_error').$type<Record<string, unknown>>(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow()
}, (t) => [
  uniqueIndex('payment_refund_provider_id_key').on(t.provider, t.providerRefundId),
  index('payment_refund_order_idx').on(t.orderId),
  index('payment_refund_pending_idx').on(t.provider, t.createdAt).where(sql`${t.state} = 'pending'`),
  check('payment_refund_state_check', sql`${t.state} in ('pending', 'succeeded', 'failed')`),
  check('payment_refund_origin_check', sql`${t.origin} in ('admin', 'auto', 'external')`),
  check('payment_refund_amount_check', sql`${t.amount} > 0`),
  currencyCheck('payment_refund', t.currency)
])

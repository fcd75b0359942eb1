import { sql } from 'drizzle-orm'
import {
  bigint, bigserial, boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex
} from 'drizzle-orm/pg-core'
import { bigintString, timestamptz } from './columns.js'

/**
 * Durable side effects (deliver goods, notify, broadcast), written in the same transaction as
 * the state change. A worker claims a row with a lease (`lease_owner`, `lease_expires_at`), taken
 * in a short `FOR UPDATE SKIP LOCKED` transaction and renewed while it works; a row whose lease
 * expired (its worker died) is claimed again. A row is done when `done_at` is set; a failed
 * attempt moves `available_at` forward and releases the lease (decision 0010).
 */
export const outbox = pgTable('outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  topic: text('topic').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  availableAt: timestamptz('available_at').notNull().defaultNow(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  doneAt: timestamptz('done_at'),
  /** Who holds the row's lease: one claim of one worker (`host:pid:random#n`); null when free. */
  leaseOwner: text('lease_owner'),
  /** When the lease lapses unless its holder renews it; another worker may then claim the row. */
  leaseExpiresAt: timestamptz('lease_expires_at'),
  /**
   * Rows of one key are delivered one after another in id order, distinct keys side by side
   * (`chat:<telegram id>` for a customer's messages, `admin` for the merchant's chat); set by the
   * writer. Null: the row depends on no other (decision 0062).
   */
  orderingKey: text('ordering_key')
}, (t) => [
  // workers scan only the rows still to do
  index('outbox_pending_idx').on(t.availableAt, t.id).where(sql`${t.doneAt} is null`),
  // a claim looks for an earlier unfinished row of the same key
  index('outbox_key_pending_idx').on(t.orderingKey, t.id).where(sql`${t.doneAt} is null and ${t.orderingKey} is not null`)
])

/** Analytics events, named dotted and past tense (`order.placed`, `payment.captured`). */
export const analyticsEvent = pgTable('analytics_event', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }),
  orderId: bigintString('order_id'),
  properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
  at: timestamptz('at').notNull().defaultNow(),
  /** Recorded in sandbox mode: left out of analytics once live. */
  sandbox: boolean('sandbox').notNull().default(false)
}, (t) => [
  index('analytics_event_name_at_idx').on(t.name, t.at),
  index('analytics_event_customer_at_idx').on(t.customerTelegramId, t.at),
  index('analytics_event_at_idx').on(t.at)
])

/** Admin API tokens; `id` is `tok_…`, only the SHA-256 hex of the token is stored. */
export const adminToken = pgTable('admin_token', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: text('scope', { enum: ['read', 'write'] }).notNull(),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  lastUsedAt: timestamptz('last_used_at'),
  revokedAt: timestamptz('revoked_at')
}, (t) => [
  uniqueIndex('admin_token_hash_key').on(t.tokenHash),
  check('admin_token_scope_check', sql`${t.scope} in ('read', 'write')`)
])

/**
 * Settings Bozor makes itself and keeps (DESIGN.md: the pay-link signing key, generated at first
 * start), by name. Never a configured secret: those come from the environment.
 */
export const appSetting = pgTable('app_setting', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow()
})

/**
 * Who did what through the admin API (issue 15 point 5): one row per change, with the caller
 * (`actor`: a token id, `env` for ADMIN_TOKEN), the route, the target (`product`, `order`,
 * `customer`, `category`, `token`, `settings` and its id) and a summary of the change (the fields
 * sent, never a secret). Read per target, newest first.
 */
export const adminAudit = pgTable('admin_audit', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamptz('at').notNull().defaultNow(),
  actor: text('actor').notNull(),
  method: text('method').notNull(),
  route: text('route').notNull(),
  targetType: text('target_type').notNull(),
  targetId: text('target_id').notNull(),
  action: text('action').notNull(),
  summary: jsonb('summary').$type<Record<string, unknown>>().notNull().default({})
}, (t) => [
  index('admin_audit_target_idx').on(t.targetType, t.targetId, t.id),
  index('admin_audit_at_idx').on(t.at)
])

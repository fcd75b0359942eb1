import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { timestamptz } from './columns.js'

/** A broadcast's button as stored: a URL, or a product opened by the bot's `p_<id>` deep link. */
export type StoredBroadcastButton = { text: string, url: string } | { text: string, productId: string }

/**
 * A message the merchant sends to an audience of customers (DESIGN.md "Broadcasts"); `id` is
 * `brd_…`. `state`: `scheduled` (waiting for `send_at`, or for a worker) → `sending` (its
 * recipients fixed in `broadcast_recipient`, `started_at` set) → `done`; `paused` from either
 * of the first two, `cancelled` from any but `done`. `total` is the recipient count fixed at start.
 */
export const broadcast = pgTable('broadcast', {
  id: text('id').primaryKey(),
  text: text('text').notNull(),
  state: text('state').notNull().default('scheduled'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  startedAt: timestamptz('started_at'),
  finishedAt: timestamptz('finished_at'),
  /** A photo to send with the text as its caption: an http(s) URL or a Telegram file_id. */
  photo: text('photo'),
  button: jsonb('button').$type<StoredBroadcastButton>(),
  /** The audience filter as the merchant gave it (`{}` = everyone reachable). */
  audience: jsonb('audience').$type<Record<string, unknown>>().notNull().default({}),
  /** Not sent before this time; null = as soon as a worker picks it up. */
  sendAt: timestamptz('send_at'),
  total: integer('total').notNull().default(0)
}, (t) => [
  index('broadcast_created_idx').on(t.createdAt),
  index('broadcast_due_idx').on(t.state, t.sendAt),
  check('broadcast_state_check', sql`${t.state} in ('scheduled', 'sending', 'paused', 'done', 'cancelled')`)
])

/**
 * One customer of a broadcast, fixed when sending starts. `state`: `pending` → `sent`, `failed`
 * (Telegram refused it), `blocked` (403: the customer blocked the bot) or `skipped` (opted out or
 * blocked after the list was fixed). Workers claim pending rows in batches with `FOR UPDATE SKIP
 * LOCKED` and a lease (`lease_owner`, `lease_expires_at`), as the outbox does (decision 0010): a
 * stopped worker's rows are claimed again once the lease lapses.
 */
export const broadcastRecipient = pgTable('broadcast_recipient', {
  broadcastId: text('broadcast_id').notNull().references(() => broadcast.id, { onDelete: 'cascade' }),
  telegramId: bigint('telegram_id', { mode: 'number' }).notNull(),
  state: text('state').notNull().default('pending'),
  sentAt: timestamptz('sent_at'),
  error: text('error'),
  /** The customer's language when the list was fixed (the opt-out button's words). */
  language: text('language').notNull().default('en'),
  attempts: integer('attempts').notNull().default(0),
  /** Not claimed before this time (a 429's retry_after, a network failure's backoff). */
  availableAt: timestamptz('available_at').notNull().defaultNow(),
  leaseOwner: text('lease_owner'),
  leaseExpiresAt: timestamptz('lease_expires_at')
}, (t) => [
  primaryKey({ name: 'broadcast_recipient_pkey', columns: [t.broadcastId, t.telegramId] }),
  index('broadcast_recipient_state_idx').on(t.broadcastId, t.state),
  index('broadcast_recipient_pending_idx').on(t.broadcastId, t.availableAt).where(sql`${t.state} = 'pending'`)
])

import { bigint, boolean, index, pgTable, text } from 'drizzle-orm/pg-core'
import { timestamptz } from './columns.js'

/**
 * A Telegram user who has talked to the bot. `blocked_at` is set when Telegram answers 403
 * (the user blocked the bot) and cleared when they come back; `merchant_blocked_at` is the
 * merchant's own block (`POST /api/v1/customers/:telegramId/block`).
 */
export const customer = pgTable('customer', {
  telegramId: bigint('telegram_id', { mode: 'number' }).primaryKey(),
  language: text('language').notNull().default('en'),
  username: text('username'),
  firstName: text('first_name'),
  blockedAt: timestamptz('blocked_at'),
  firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
  lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  referralSource: text('referral_source'),
  /** Set while the merchant blocks the customer (the bot refuses them politely); cleared by unblock. */
  merchantBlockedAt: timestamptz('merchant_blocked_at'),
  /** Made in sandbox mode (no BOT_TOKEN): left out of analytics once live (DESIGN.md "The sandbox"). */
  sandbox: boolean('sandbox').notNull().default(false),
  /** Set while the customer opted out of broadcasts (`/stop_news` or the button under one); cleared by `/news`. */
  newsOptedOutAt: timestamptz('news_opted_out_at')
}, (t) => [
  index('customer_last_seen_idx').on(t.lastSeenAt),
  index('customer_first_seen_idx').on(t.firstSeenAt)
])

/**
 * Maps a customer's support message, as forwarded into `ADMIN_CHAT_ID`, back to the customer so
 * an admin's reply to it reaches them.
 */
export const supportThread = pgTable('support_thread', {
  adminMessageId: bigint('admin_message_id', { mode: 'number' }).primaryKey(),
  customerTelegramId: bigint('customer_telegram_id', { mode: 'number' }).notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow()
}, (t) => [
  index('support_thread_customer_idx').on(t.customerTelegramId)
])

import { sql } from 'drizzle-orm'
import { check, index, pgTable, text } from 'drizzle-orm/pg-core'
import { timestamptz } from './columns.js'
import { adminToken } from './operations.js'

/**
 * One-time dashboard login codes (DESIGN.md "Dashboard"): made by the sandbox banner, `bozor
 * login` or the bot's `/dashboard`, valid 15 minutes, used once. Only the code's SHA-256 is kept.
 * A code carries the scope of whoever asked, and the token it came from when there is one (the
 * sandbox's), so revoking that token ends the sessions opened with it.
 */
export const dashboardLoginCode = pgTable('dashboard_login_code', {
  codeHash: text('code_hash').primaryKey(),
  scope: text('scope', { enum: ['read', 'write'] }).notNull(),
  tokenId: text('token_id').references(() => adminToken.id),
  issuedBy: text('issued_by').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  expiresAt: timestamptz('expires_at').notNull(),
  usedAt: timestamptz('used_at')
}, (t) => [
  index('dashboard_login_code_expires_idx').on(t.expiresAt),
  check('dashboard_login_code_scope_check', sql`${t.scope} in ('read', 'write')`)
])

/**
 * Dashboard sessions, kept in the database (7 days idle): the cookie holds a random id, this
 * table its SHA-256. `token_id` is the admin token the session was opened with (a pasted token,
 * or the token behind a login code); a revoked token ends its sessions (the lookup joins it).
 */
export const dashboardSession = pgTable('dashboard_session', {
  idHash: text('id_hash').primaryKey(),
  scope: text('scope', { enum: ['read', 'write'] }).notNull(),
  tokenId: text('token_id').references(() => adminToken.id),
  openedBy: text('opened_by').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  lastSeenAt: timestamptz('last_seen_at').notNull(),
  endedAt: timestamptz('ended_at')
}, (t) => [
  index('dashboard_session_token_idx').on(t.tokenId),
  check('dashboard_session_scope_check', sql`${t.scope} in ('read', 'write')`)
])

/**
 * The reliability leg's storage (test/reliability/): always the real services, whatever leg
 * helper db.ts thinks it is in: a PostgreSQL database cloned from the migrated template (db.ts
 * createPostgresTestDb, as on the services leg), a Redis store under a prefix of its own, and a
 * snapshot of the row counts the fuzz and duplicate tests compare before and after.
 */
import type { TestContext } from 'node:test'
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/adapters/postgres/database.js'
import type { KvStore } from '../../src/adapters/redis/kv-store.js'
import { createPostgresTestDb } from './db.js'
import { createTestKvFor } from './kv.js'

/** A migrated PostgreSQL database of this test's own (db.ts; the same as the services leg's). */
export const createServicesDb = createPostgresTestDb

/** A Redis store (TEST_REDIS_URL) under a fresh prefix, cleaned and closed when the test ends. */
export function createServicesKv (t: TestContext): KvStore {
  return createTestKvFor(t, 'redis')
}

/** The tables whose row counts an input that is refused must not change. */
export const GUARDED_TABLES = [
  'shop_order', 'order_item', 'order_transition', 'payment_transaction', 'payment_refund', 'stripe_attempt',
  'provider_event', 'customer', 'outbox', 'product', 'category', 'admin_token', 'dashboard_session', 'dashboard_login_code',
  'broadcast', 'app_setting'
] as const

/** Row counts of `tables` (default GUARDED_TABLES), by table name. */
export async function rowCounts (database: Database, tables: readonly string[] = GUARDED_TABLES): Promise<Record<string, number>> {
  const query = tables.map((name) => `SELECT '${name}' AS name, count(*)::int AS n FROM ${name}`).join(' UNION ALL ')
  const result = await database.db.execute(sql.raw(query))
  const rows = result.rows as Array<{ name: string, n: number }>
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]))
}

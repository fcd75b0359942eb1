/**
 * The reliability leg's storage (test/reliability/): always the real services, whatever leg
 * helper db.ts thinks it is in. A PostgreSQL database cloned from the migrated template (the
 * reliability leg prepares it like the services leg), dropped when the test passed and kept
 * (name printed) when it failed; a Redis store under a prefix of its own; and a snapshot of the
 * row counts the fuzz and duplicate tests compare before and after.
 */
import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import { sql } from 'drizzle-orm'
import { IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import type { KvStore } from '../../src/adapters/redis/kv-store.js'
import { databaseUrlFor, templateDatabase, withAdminClient } from './db.js'
import { createTestKvFor } from './kv.js'

export interface ServicesDb {
  database: Database
  /** postgres://… of this database, for spawned servers. */
  url: string
}

/** A migrated PostgreSQL database of this test's own on TEST_DATABASE_URL's server. */
export async function createServicesDb (t: TestContext, options: { poolMax?: number } = {}): Promise<ServicesDb> {
  const name = `bozor_r_${randomBytes(6).toString('hex')}`
  let migrated = true
  await withAdminClient(async (client) => {
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`)
    } catch (err) {
      // run without scripts/run-tests.ts (no template): migrate an empty database instead
      if ((err as { code?: string }).code !== '3D000') throw err
      await client.query(`CREATE DATABASE ${name}`)
      migrated = false
    }
  })
  const url = databaseUrlFor(name)
  const database = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, poolMax: options.poolMax ?? 5 })
  if (!migrated) await database.migrate()
  // registered while the after hooks run, so it runs after the app's close (see db.ts registerLast)
  t.after(() => {
    t.after(async () => {
      await database.close()
      if ((t as { passed?: boolean }).passed === false) {
        process.stderr.write(`test failed: kept its database ${name} (${url})\n`)
        return
      }
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    })
  })
  return { database, url }
}

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

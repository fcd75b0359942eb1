// Per-test databases. Services leg: a PostgreSQL database cloned from the migrated template
// (test/helpers/prepare-template.ts), dropped when the test passed and kept (name printed) when
// it failed. Embedded leg: an in-memory PGlite, migrated.
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { findMigrationsFolder, IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { fromPglite } from '../../src/adapters/postgres/pglite.js'
import * as schema from '../../src/adapters/postgres/schema.js'

/** Name of the migrated template database every services-leg test database is cloned from. */
export const TEMPLATE_DATABASE = 'bozor_template'

/** A node:test TestContext, or anything with `after` (then the database is always dropped). */
export interface TestDbContext {
  after (fn: () => unknown): void
  readonly passed?: boolean
}

export type TestLeg = 'embedded' | 'services'

/** The current leg (BOZOR_TEST_LEG, set by scripts/run-tests.ts); `embedded` when unset. */
export function testLeg (): TestLeg {
  return process.env.BOZOR_TEST_LEG === 'services' ? 'services' : 'embedded'
}

/** The PostgreSQL server of the services leg (its maintenance database). */
export function testDatabaseUrl (): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres'
}

/** `url` pointing at database `name` instead. */
export function databaseUrlFor (name: string, url = testDatabaseUrl()): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

/** Runs `work` on a short-lived connection to the server's maintenance database. */
export async function withAdminClient<T> (work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/**
 * A new, empty PostgreSQL database (not migrated), removed like `createTestDb`'s. Returns its URL.
 * Services leg only.
 */
export async function createEmptyPostgresDb (t: TestDbContext): Promise<string> {
  const name = uniqueName()
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`))
  registerCleanup(t, name, async () => {})
  return databaseUrlFor(name)
}

/**
 * A migrated database of this test's own, closed (and, services leg, dropped) in `t.after`.
 *
 * @example
 * test('stores a product', async (t) => {
 *   const { db } = await createTestDb(t)
 *   await db.insert(product).values({ ... })
 * })
 */
export async function createTestDb (t: TestDbContext): Promise<Database> {
  if (testLeg() === 'embedded') {
    const database = await openMemoryDb()
    registerLast(t, () => database.close())
    return database
  }
  const name = uniqueName()
  let fromTemplate = true
  await withAdminClient(async (client) => {
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`)
    } catch (err) {
      // run without scripts/run-tests.ts (no template): migrate an empty database instead
      if ((err as { code?: string }).code !== '3D000') throw err
      await client.query(`CREATE DATABASE ${name}`)
      fromTemplate = false
    }
  })
  const database = await openDatabase({ databaseUrl: databaseUrlFor(name), dataDir: IN_MEMORY, poolMax: 5 })
  registerCleanup(t, name, () => database.close())
  if (!fromTemplate) await database.migrate()
  return database
}

function uniqueName (): string {
  return `bozor_t_${randomBytes(6).toString('hex')}`
}

function registerCleanup (t: TestDbContext, name: string, close: () => Promise<void>): void {
  const cleanUp = async (): Promise<void> => {
    await close()
    if (t.passed === false) {
      process.stderr.write(`test failed: kept its database ${name} (${databaseUrlFor(name)})\n`)
      return
    }
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
  registerLast(t, cleanUp)
}

function registerLast (t: TestDbContext, fn: () => Promise<void>): void {
  if (typeof t.passed !== 'boolean') {
    t.after(fn)
    return
  }
  // A TestContext runs its after hooks in the order they were registered, and this one is usually
  // registered before the hooks of whatever uses the database (buildTestApp's app.close()). A hook
  // registered while the hooks run is appended, so the database is closed last.
  t.after(() => { t.after(fn) })
}

// PGlite's start (initdb) dominates an embedded test database's cost; from the second database in
// a process on, each one is loaded from a dump of a migrated one instead.
let memoryDbCount = 0
let migratedDump: Promise<Blob> | undefined

async function openMemoryDb (): Promise<Database> {
  if (memoryDbCount++ === 0) {
    const database = await openDatabase({ dataDir: IN_MEMORY })
    await database.migrate()
    return database
  }
  migratedDump ??= (async () => {
    const client = new PGlite()
    const database = await fromPglite(client, { schema, migrationsFolder: findMigrationsFolder() })
    await database.migrate()
    const dump = await client.dumpDataDir('none')
    await database.close()
    return dump
  })()
  const dump = await migratedDump
  return await fromPglite(new PGlite({ loadDataDir: dump }), { schema, migrationsFolder: findMigrationsFolder() })
}

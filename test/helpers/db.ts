// Per-test databases. Services leg: a PostgreSQL database cloned from the migrated template
// (test/helpers/prepare-template.ts), dropped when the test passed and kept (name printed) when
// it failed. Embedded leg: an in-memory PGlite loaded from a migrated seed (pgliteSeed).
import { createHash, randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { findMigrationsFolder, IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { fromPglite } from '../../src/adapters/postgres/pglite.js'
import * as schema from '../../src/adapters/postgres/schema.js'

let template: string | undefined

/**
 * Name of the migrated template database every services-leg test database is cloned from, one
 * per content of migrations/: checkouts with other migrations testing against the same server
 * at the same time keep their own template instead of rebuilding each other's.
 */
export function templateDatabase (): string {
  template ??= `bozor_template_${migrationsHash().slice(0, 12)}`
  return template
}

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
  return (await createPostgresTestDb(t)).database
}

/**
 * A migrated PostgreSQL database of this test's own on TEST_DATABASE_URL's server, whatever the
 * leg (the services leg's databases, and the reliability leg's, which always run on the real
 * services): cloned from the migrated template, closed and (when the test passed) dropped in
 * `t.after`. `url` is for servers the test spawns.
 */
export async function createPostgresTestDb (t: TestDbContext, options: { poolMax?: number } = {}): Promise<{ database: Database, url: string }> {
  const name = uniqueName()
  let fromTemplate = true
  await withAdminClient(async (client) => {
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`)
    } catch (err) {
      // run without scripts/run-tests.ts (no template): migrate an empty database instead
      if ((err as { code?: string }).code !== '3D000') throw err
      await client.query(`CREATE DATABASE ${name}`)
      fromTemplate = false
    }
  })
  const url = databaseUrlFor(name)
  const database = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, poolMax: options.poolMax ?? 5 })
  registerCleanup(t, name, () => database.close())
  if (!fromTemplate) await database.migrate()
  return { database, url }
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

// An embedded test database is loaded from a dump of a migrated PGlite instead of running
// PGlite's initdb and the migrations (together ~4 s a process on a two-core machine). The dump is
// made once per migrations/ content and PGlite version and shared by every test process through
// the tmp dir (see pgliteSeed); `createTestDb` reads it once per process.
//
// A test database is small, so its PGlite starts with 4 MB of shared buffers instead of 128 MB
// and three connection slots instead of 100 (one backend runs in single-user mode): PostgreSQL
// zeroes and sets up its shared memory at every start, which was most of an open's CPU. With
// the seed's 1 MB WAL segments (see pgliteSeed) an open costs about a quarter of what it did
// (measured in one process, 2026-12-07: ~1.6-2.0 s of CPU before, ~0.5 s after).
let seedBlob: Promise<Blob> | undefined

export const TEST_PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=4MB', '-c', 'max_connections=3']

async function openMemoryDb (): Promise<Database> {
  seedBlob ??= pgliteSeed().then((seed) => new Blob([readFileSync(seed.dump)]))
  const client = new PGlite({ loadDataDir: await seedBlob, startParams: TEST_PGLITE_START_PARAMS })
  return await fromPglite(client, { schema, migrationsFolder: findMigrationsFolder() })
}

function listFiles (dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/** sha256 over the path and content of every file under migrations/. */
export function migrationsHash (folder = findMigrationsFolder()): string {
  const hash = createHash('sha256')
  for (const file of listFiles(folder)) {
    hash.update(relative(folder, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

/** A migrated PGlite, made once: `dataDir` a closed data directory, `dump` its tar (loadDataDir). */
export interface PgliteSeed {
  dataDir: string
  dump: string
}

function pgliteVersion (): string {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'))
  let dir = dirname(entry)
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
}

/** Where the seed of the current migrations and PGlite version lives (BOZOR_TEST_TMP, else the tmp dir). */
export function pgliteSeedPath (): string {
  const key = createHash('sha256').update(migrationsHash()).update(pgliteVersion()).update(SEED_FORMAT).digest('hex').slice(0, 16)
  return join(process.env.BOZOR_TEST_TMP ?? tmpdir(), `bozor-test-pglite-${key}`)
}

let seedReady: Promise<PgliteSeed> | undefined

/**
 * How the seed is made, part of its path's key. WAL segments of 1 MB instead of 16: the dump
 * every embedded test database is loaded from holds the current segment, and a 16 MB segment
 * was 40 % of the 42 MB tar each open read and wrote into PGlite's memory file system.
 */
const SEED_FORMAT = 'wal-segsize=1'

/**
 * The migrated PGlite seed of this checkout, built when missing. scripts/run-tests.ts builds it
 * before the legs; a test file run on its own builds it on first use. A build goes to a
 * directory of its own that is then renamed into place, so processes building at the same time
 * never see a partial seed (the loser of the rename drops its copy).
 */
export function pgliteSeed (): Promise<PgliteSeed> {
  seedReady ??= (async () => {
    const path = pgliteSeedPath()
    const seed = { dataDir: join(path, 'pglite'), dump: join(path, 'dump.tar') }
    if (existsSync(seed.dump)) return seed
    const build = mkdtempSync(`${path}.build-`)
    try {
      const client = new PGlite(join(build, 'pglite'), { initDbStartParams: ['--wal-segsize=1'] })
      const database = await fromPglite(client, { schema, migrationsFolder: findMigrationsFolder() })
      await database.migrate()
      const dump = await client.dumpDataDir('none')
      await database.close()
      writeFileSync(join(build, 'dump.tar'), Buffer.from(await dump.arrayBuffer()))
      try {
        renameSync(build, path)
      } catch (err) {
        if (!existsSync(seed.dump)) throw err
      }
    } finally {
      rmSync(build, { recursive: true, force: true })
    }
    return seed
  })()
  return seedReady
}

/**
 * Makes `dataDir` (a Bozor DATA_DIR) hold a copy of the migrated seed, as if `bozor migrate` had
 * run there: for tests of something else than migrating (children started on a data directory,
 * data-directory locks).
 */
export async function seedDataDir (dataDir: string): Promise<void> {
  const seed = await pgliteSeed()
  mkdirSync(dataDir, { recursive: true })
  cpSync(seed.dataDir, join(dataDir, 'pglite'), { recursive: true })
}

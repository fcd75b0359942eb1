// Per-test databases. Services leg: a PostgreSQL database cloned from the migrated template
// (test/helpers/prepare-template.ts), dropped when the test passed and kept (name printed) when
// it failed; under run-tests.ts the leg's keeper clones ahead and drops (db-keeper.ts).
// Embedded leg: an in-memory PGlite loaded from a migrated seed (pgliteSeed).
import { createHash } from 'node:crypto'
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { findMigrationsFolder, IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { fromPglite } from '../../src/adapters/postgres/pglite.js'
import * as schema from '../../src/adapters/postgres/schema.js'
import { handBack, takeKeptDatabase, testDatabaseName } from './db-keeper.js'

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
  const name = testDatabaseName()
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
    const p = probeStart()
    const { database, release } = await openMemoryDb()
    probeEnd(p, 'pglite-open')
    registerLast(t, async () => { const q = probeStart(); await release(t.passed === true); probeEnd(q, 'pglite-close') })
    return database
  }
  return (await createPostgresTestDb(t)).database
}

function probeGap (ms: number): void {
  if (process.env.BOZOR_TEST_DB_LOG !== undefined) appendFileSync(process.env.BOZOR_TEST_DB_LOG, `pool-gap\t${ms.toFixed(0)}\t0\t${process.argv[1] ?? ''}\n`)
}
function probeStart (): [NodeJS.CpuUsage, number] { return [process.cpuUsage(), performance.now()] }
function probeEnd ([cpu, wall]: [NodeJS.CpuUsage, number], what: string): void {
  const file = process.env.BOZOR_TEST_DB_LOG
  if (file === undefined) return
  const c = process.cpuUsage(cpu)
  appendFileSync(file, `${what}\t${((c.user + c.system) / 1000).toFixed(0)}\t${(performance.now() - wall).toFixed(0)}\t${process.argv[1] ?? ''}\n`)
}

/**
 * A migrated PostgreSQL database of this test's own on TEST_DATABASE_URL's server, whatever the
 * leg (the services leg's databases, and the reliability leg's, which always run on the real
 * services): cloned from the migrated template, closed and (when the test passed) dropped in
 * `t.after`. `url` is for servers the test spawns.
 */
export async function createPostgresTestDb (t: TestDbContext, options: { poolMax?: number } = {}): Promise<{ database: Database, url: string }> {
  const kept = takeKeptDatabase()
  const name = kept ?? testDatabaseName()
  let fromTemplate = true
  if (kept === undefined) {
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
  }
  const url = databaseUrlFor(name)
  const database = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, poolMax: options.poolMax ?? 5 })
  registerCleanup(t, name, () => database.close())
  if (!fromTemplate) await database.migrate()
  return { database, url }
}

function registerCleanup (t: TestDbContext, name: string, close: () => Promise<void>): void {
  const cleanUp = async (): Promise<void> => {
    await close()
    if (t.passed === false) {
      process.stderr.write(`test failed: kept its database ${name} (${databaseUrlFor(name)})\n`)
      return
    }
    if (!handBack(name)) await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
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

/** A PGlite loaded from the migrated seed, waited on (the test's own: not reset to the seed). */
export async function openSeedPglite (): Promise<PGlite> {
  seedBlob ??= pgliteSeed().then((seed) => new Blob([readFileSync(seed.dump)]))
  const client = new PGlite({ loadDataDir: await seedBlob, startParams: TEST_PGLITE_START_PARAMS })
  await client.waitReady
  return client
}

// Reuse: loading the seed costs an open about 0.5 s of CPU, a reset to the seed's state a few
// hundredths. A test's PGlite goes back to this process's pool when the test passed and left
// it as a fresh one would be but for its rows (see resetToSeed); anything else closes it.
//
// A PGlite keeps the event loop alive (PostgreSQL's timers), so one left in the pool would keep
// the test process from ending: an idle one is closed when no test takes it within IDLE_MS. The
// next test of a file asks for its database a few milliseconds after the last one's hooks ran.
const idle: Array<{ client: PGlite, timer: NodeJS.Timeout, since: number }> = []
const POOL_SIZE = 2
const IDLE_MS = 300

/**
 * The embedded leg's test database: a pooled PGlite reset to the seed, else a new one loaded from
 * the seed. `release(reuse)` takes it back: reset and pooled when `reuse` and resetToSeed succeeds,
 * closed otherwise; either way the test's handle then acts as a closed PGlite.
 */
async function openMemoryDb (): Promise<{ database: Database, release: (reuse: boolean) => Promise<void> }> {
  const pooled = idle.pop()
  if (pooled !== undefined) {
    clearTimeout(pooled.timer)
    probeGap(performance.now() - pooled.since)
  }
  let client = pooled?.client
  if (client === undefined) {
    const fresh = client = await openSeedPglite()
    seedState ??= seedStateOf(fresh)
    await seedState
  }
  const lease = leaseOf(client)
  const database = await fromPglite(lease.client, { schema, migrationsFolder: findMigrationsFolder() })
  const release = async (reuse: boolean): Promise<void> => {
    lease.revoke()
    if (client.closed) return
    if (reuse && idle.length < POOL_SIZE && await resetToSeed(client)) {
      const entry = {
        client,
        since: performance.now(),
        timer: setTimeout(() => {
          idle.splice(idle.indexOf(entry), 1)
          probeGap(-1)
          client.close().catch(() => {})
        }, IDLE_MS)
      }
      idle.push(entry)
      return
    }
    await client.close()
  }
  return { database, release }
}

/**
 * A handle on `client` that `revoke()` turns into a closed PGlite (`closed` true, every call
 * rejected, `close()` a no-op), so nothing a finished test left running reaches the next test's
 * database through it. Methods are bound to `client` (PGlite keeps its state in private fields).
 */
function leaseOf (client: PGlite): { client: PGlite, revoke: () => void } {
  let revoked = false
  const handle = new Proxy(client, {
    get (target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (revoked) {
        if (prop === 'closed') return true
        if (prop === 'ready') return false
        if (prop === 'close') return async () => {}
        if (typeof value === 'function') return async () => { throw new Error('PGlite is closed') }
        return value
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
  return { client: handle, revoke: () => { revoked = true } }
}

/** What a PGlite loaded from the seed holds, taken once per process from the first one opened. */
interface SeedState {
  /** Size in bytes of every table outside the system schemas (quoted and qualified): 0 but for the tables the seed holds rows in. */
  sizes: Map<string, number>
  /** The rows of the tables the seed holds rows in, as json_agg text. */
  rows: Map<string, string>
  sequences: Array<{ name: string, lastValue: string, isCalled: boolean }>
  /** A fingerprint of the catalogs (of the user schemas' objects, and counts of the rest): a test that created, dropped, renamed or altered anything is not reused. */
  shape: string
}

let seedState: Promise<SeedState> | undefined

const USER_SCHEMAS = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'"
const USER_NAMESPACES = `(select n.oid from pg_namespace n where ${USER_SCHEMAS})`
const SHAPE = `concat_ws(' ',
  (select count(*) || '/' || sum(0::bigint + hashtext(relname::text) + relkind::int + relnatts + relnamespace::int + relhasindex::int) from pg_class where relnamespace in ${USER_NAMESPACES}),
  (select count(*) || '/' || sum(0::bigint + hashtext(attname::text) + atttypid::int + atttypmod + attnotnull::int + attisdropped::int + atthasdef::int)
    from pg_attribute where attrelid in (select oid from pg_class where relnamespace in ${USER_NAMESPACES})),
  (select count(*) || '/' || sum(0::bigint + hashtext(conname::text) + contype::int) from pg_constraint where connamespace in ${USER_NAMESPACES}),
  (select count(*) || '/' || sum(0::bigint + hashtext(proname::text) + oid::int) from pg_proc where pronamespace in ${USER_NAMESPACES}),
  (select count(*) || '/' || sum(0::bigint + hashtext(typname::text)) from pg_type where typnamespace in ${USER_NAMESPACES}),
  (select count(*) || '/' || sum(0::bigint + hashtext(tgname::text) + tgenabled::int) from pg_trigger),
  (select count(*) from pg_enum), (select count(*) from pg_attrdef), (select count(*) from pg_rewrite), (select count(*) from pg_policy),
  (select count(*) from pg_namespace where nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'),
  (select count(*) from pg_authid), (select count(*) from pg_db_role_setting), (select count(*) from pg_event_trigger), (select count(*) from pg_extension))`

/** The PostgreSQL module's file system (Emscripten FS), for file sizes without a query. */
interface ModuleFiles { stat (path: string): { size: number } }

/**
 * The size of every table outside the system schemas. Reads the files of PGlite's in-memory file
 * system when it exposes them (pg_relation_size costs about a millisecond a table), else asks.
 */
async function tableSizes (client: PGlite): Promise<Map<string, number>> {
  const files = (client as unknown as { mod?: { FS?: ModuleFiles } }).mod?.FS
  const { rows } = await client.query<{ name: string, path: string, dir: string, size: number | null }>(`
    select format('%I.%I', n.nspname, c.relname) as name, pg_relation_filepath(c.oid) as path, current_setting('data_directory') as dir,
      ${files === undefined ? 'pg_relation_size(c.oid)' : 'null::bigint'}::float8 as size
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and ${USER_SCHEMAS} order by 1`)
  return new Map(rows.map((row) => [row.name, row.size ?? files!.stat(`${row.dir}/${row.path}`).size]))
}

async function seedStateOf (client: PGlite): Promise<SeedState> {
  const sizes = await tableSizes(client)
  const rows = new Map<string, string>()
  for (const table of sizes.keys()) {
    const { rows: [agg] } = await client.query<{ json: string | null }>(`select json_agg(t)::text as json from ${table} t`)
    if (agg?.json != null) rows.set(table, agg.json)
  }
  const names = (await client.query<{ name: string }>(`
    select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'S' and ${USER_SCHEMAS} order by 1`)).rows.map((row) => row.name)
  const sequences: SeedState['sequences'] = []
  for (const name of names) {
    const { rows: [seq] } = await client.query<{ last_value: string, is_called: boolean }>(`select last_value::text, is_called from ${name}`)
    sequences.push({ name, lastValue: seq!.last_value, isCalled: seq!.is_called })
  }
  const { rows: [shape] } = await client.query<{ shape: string }>(`select ${SHAPE} as shape`)
  return { sizes, rows, sequences, shape: shape!.shape }
}

/**
 * Puts a test's PGlite back to the state of one just loaded from the seed: every table the test
 * wrote to (its file grew, or its rows differ from the seed's) truncated, as a fresh table is
 * empty and has no pages, and the seed's rows put back; every sequence where the seed has it; the
 * session's settings, prepared statements, temporary tables and advisory locks dropped
 * (DISCARD ALL). Resolves false, changing nothing, when that would not be enough: a transaction
 * still open, a channel still listened to (PGlite keeps its listeners on the JS side), or the
 * catalogs changed (a test's own DDL).
 */
export async function resetToSeed (client: PGlite): Promise<boolean> {
  seedState ??= openSeedPglite().then(async (fresh) => {
    try { return await seedStateOf(fresh) } finally { await fresh.close() }
  })
  const seed = await seedState
  if (client.closed || client.isInTransaction()) return false
  const { rows: [listening] } = await client.query<{ n: number }>('select count(*)::int as n from pg_listening_channels()')
  if (listening!.n > 0) return false
  // first, as it drops temporary tables (of no concern to the catalogs' fingerprint)
  await client.exec('DISCARD ALL')
  const { rows: [shape] } = await client.query<{ shape: string }>(`select ${SHAPE} as shape`)
  if (shape!.shape !== seed.shape) return false
  const written: string[] = []
  for (const [table, size] of await tableSizes(client)) {
    if (size !== seed.sizes.get(table)) written.push(table)
  }
  for (const [table, json] of seed.rows) {
    if (written.includes(table)) continue
    const { rows: [agg] } = await client.query<{ json: string | null }>(`select json_agg(t)::text as json from ${table} t`)
    if (agg?.json !== json) written.push(table)
  }
  await client.transaction(async (tx) => {
    if (written.length > 0) {
      await tx.exec(`TRUNCATE ${written.join(', ')} CASCADE`)
      // CASCADE may have emptied a seed table the test did not write to
      for (const [table, json] of seed.rows) {
        await tx.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::json) where not exists (select from ${table})`, [json])
      }
    }
    if (seed.sequences.length > 0) {
      await tx.query(`select ${seed.sequences.map((s, i) => `setval('${s.name.replaceAll("'", "''")}', $${i + 1}::bigint, ${s.isCalled})`).join(', ')}`, seed.sequences.map((s) => s.lastValue))
    }
  })
  return true
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

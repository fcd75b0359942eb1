/**
 * Backups of the shop's database (DESIGN.md "Running in production"), for both storages:
 *
 * - the embedded PGlite: its own dump of the data directory (a gzipped tarball, `1f 8b`), taken by
 *   the process that has the database open, restored by loading it into a new data directory;
 * - PostgreSQL: `pg_dump --format=custom` (`PGDMP`) and `pg_restore`, run as child processes with
 *   the password in their environment (`PGPASSWORD`), never on their command line.
 *
 * A restore refuses a database that holds anything (a PGlite data directory with a database in it,
 * a PostgreSQL database with a table in any schema of its own) unless `force` is set: then the
 * PGlite directory is moved aside (kept, never deleted) and PostgreSQL's objects are dropped by
 * `pg_restore --clean --if-exists`. A dump of one storage is refused by the other, clearly.
 *
 * @example
 * await backupPglite(client, '/backups/shop.bozor')
 * await restoreBackup({ dataDir: './data' }, '/backups/shop.bozor', { force: false })
 */
import { execFile } from 'node:child_process'
import { existsSync, openSync, readSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { acquireDataDirLock } from './data-dir-lock.js'

const run = promisify(execFile)

/** What a backup wrote. */
export interface BackupResult { file: string, bytes: number, storage: 'pglite' | 'postgres' }

/** Where a restore goes: `databaseUrl` (PostgreSQL) or else the data directory's PGlite. */
export interface RestoreTarget { databaseUrl?: string | undefined, dataDir: string }

/** A restore the target refused; the CLI prints its message with exit code 1. */
export class RestoreRefusedError extends Error {}

export type BackupFormat = 'pglite' | 'postgres' | 'unknown'

/** The storage a backup file was made from, by its first bytes. */
export function backupFormatOf (file: string): BackupFormat {
  const head = Buffer.alloc(5)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, head, 0, 5, 0)
  } finally {
    closeSync(fd)
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'pglite'
  if (head.toString('latin1') === 'PGDMP') return 'postgres'
  return 'unknown'
}

/** Writes `bytes` to `file` through a temporary file beside it, so a crash never leaves half a backup. */
function writeAtomically (file: string, bytes: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.partial-${process.pid}`
  writeFileSync(temporary, bytes, { mode: 0o600 })
  renameSync(temporary, file)
}

/** Dumps an open PGlite (the process's own: between two queries, so the copy is consistent). */
export async function backupPglite (client: PGlite, file: string): Promise<BackupResult> {
  const dump = await client.dumpDataDir('gzip')
  const bytes = new Uint8Array(await dump.arrayBuffer())
  writeAtomically(file, bytes)
  return { file, bytes: bytes.length, storage: 'pglite' }
}

/** libpq's environment for a URL: the password travels in `PGPASSWORD`, not in `ps`. */
function libpqEnv (databaseUrl: string): { url: string, env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl)
  const password = decodeURIComponent(url.password)
  url.password = ''
  return { url: url.toString(), env: { ...process.env, ...(password !== '' ? { PGPASSWORD: password } : {}) } }
}

/** A child's failure without the URL's password (libpq never prints it; the URL is ours to hide). */
function childFailure (what: string, error: unknown): Error {
  const stderr = (error as { stderr?: string }).stderr ?? ''
  const code = (error as { code?: unknown }).code
  if (code === 'ENOENT') return new Error(`${what} is not installed (PostgreSQL's client tools: apt-get install postgresql-client)`)
  return new Error(`${what} failed: ${stderr.trim().split('\n').slice(-3).join(' ') || String((error as Error).message)}`)
}

/** `pg_dump --format=custom` of the database at `databaseUrl` into `file`. */
export async function backupPostgres (databaseUrl: string, file: string): Promise<BackupResult> {
  const { url, env } = libpqEnv(databaseUrl)
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.partial-${process.pid}`
  try {
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-acl', `--file=${temporary}`, `--dbname=${url}`], { env, maxBuffer: 16 * 1024 * 1024 })
  } catch (error) {
    rmSync(temporary, { force: true })
    throw childFailure('pg_dump', error)
  }
  renameSync(temporary, file)
  return { file, bytes: statSync(file).size, storage: 'postgres' }
}

/** Tables in the database's own schemas (not PostgreSQL's): what a restore would overwrite. */
async function postgresTables (databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const result = await client.query<{ n: string }>(
      "select count(*)::text as n from pg_catalog.pg_tables where schemaname not in ('pg_catalog', 'information_schema') and schemaname not like 'pg_toast%'")
    return Number(result.rows[0]?.n ?? 0)
  } finally {
    await client.end()
  }
}

/** True when the data directory holds an embedded database. */
function pgliteHoldsData (dataDir: string): boolean {
  const dir = join(dataDir, 'pglite')
  return existsSync(dir) && readdirSync(dir).length > 0
}

/**
 * Restores `file` into `target`. Refused (RestoreRefusedError) when the file is not a Bozor
 * backup of the target's storage, when the target holds data and `force` is not set, and (PGlite)
 * when a process has the data directory open.
 */
export async function restoreBackup (target: RestoreTarget, file: string, options: { force: boolean, now?: number }): Promise<{ storage: 'pglite' | 'postgres', movedAside?: string }> {
  const format = backupFormatOf(file)
  const storage = target.databaseUrl !== undefined ? 'postgres' : 'pglite'
  if (format === 'unknown') throw new RestoreRefusedError(`${file} is not a Bozor backup (neither a PGlite data-directory dump nor a pg_dump custom archive)`)
  if (format !== storage) {
    throw new RestoreRefusedError(`${file} is a backup of the ${format === 'pglite' ? 'embedded database (PGlite)' : 'PostgreSQL database'}; ` +
      `this restore goes to ${storage === 'pglite' ? `the embedded database in ${target.dataDir}` : 'DATABASE_URL'}: restore it where it was made`)
  }
  if (target.databaseUrl !== undefined) {
    const tables = await postgresTables(target.databaseUrl)
    if (tables > 0 && !options.force) throw new RestoreRefusedError(`the database holds ${tables} tables; restoring would replace them: add --force to do so, or restore into an empty database`)
    const { url, env } = libpqEnv(target.databaseUrl)
    const clean = tables > 0 ? ['--clean', '--if-exists'] : []
    try {
      await run('pg_restore', ['--no-owner', '--no-acl', '--single-transaction', '--exit-on-error', ...clean, `--dbname=${url}`, file], { env, maxBuffer: 16 * 1024 * 1024 })
    } catch (error) {
      throw childFailure('pg_restore', error)
    }
    return { storage: 'postgres' }
  }
  mkdirSync(target.dataDir, { recursive: true })
  const lock = acquireDataDirLock(target.dataDir, join(target.dataDir, 'pglite.lock'))
  try {
    let movedAside: string | undefined
    if (pgliteHoldsData(target.dataDir)) {
      if (!options.force) throw new RestoreRefusedError(`${target.dataDir} holds a database; restoring would replace it: add --force to do so (the current one is kept beside it)`)
      movedAside = join(target.dataDir, `pglite.before-restore-${new Date(options.now ?? Date.now()).toISOString().replace(/[:.]/g, '-')}`)
      renameSync(join(target.dataDir, 'pglite'), movedAside)
    } else {
      rmSync(join(target.dataDir, 'pglite'), { recursive: true, force: true })
    }
    try {
      const client = new PGlite(join(target.dataDir, 'pglite'), { loadDataDir: new Blob([readFileSync(file)]) })
      try {
        await client.waitReady
        await client.query('select 1')
      } finally {
        await client.close()
      }
    } catch (error) {
      // a dump that does not load leaves the data directory as it was
      rmSync(join(target.dataDir, 'pglite'), { recursive: true, force: true })
      if (movedAside !== undefined) renameSync(movedAside, join(target.dataDir, 'pglite'))
      throw new RestoreRefusedError(`${file} could not be loaded: ${(error as Error).message}`)
    }
    return { storage: 'pglite', ...(movedAside !== undefined ? { movedAside } : {}) }
  } finally {
    lock.release()
  }
}

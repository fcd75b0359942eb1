import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import * as schema from './schema.js'
import { type Database, type DriverOptions, type OpenDatabaseOptions, silentLogger } from './database-types.js'
import { openPglite } from './pglite.js'
import { openPostgres } from './node-postgres.js'

export { DataDirLockedError } from './data-dir-lock.js'
export {
  type Database, type Db, type DbQueryResultHKT, IN_MEMORY, type LoggerLike, type OpenDatabaseOptions,
  PING_TIMEOUT_MS, type RawResult, type Schema
} from './database-types.js'

/**
 * Opens Bozor's database: PostgreSQL over TCP when `databaseUrl` is set, otherwise PGlite in
 * `dataDir` (or in memory for `IN_MEMORY`). Opening PGlite on a directory another live process
 * uses throws `DataDirLockedError`. Does not migrate: call `migrate()`.
 *
 * @example
 * const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger })
 * await database.migrate()
 * const rows = await database.db.select().from(product)
 */
export async function openDatabase (options: OpenDatabaseOptions): Promise<Database> {
  const resolved: DriverOptions = {
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    logger: options.logger ?? silentLogger,
    poolMax: options.poolMax ?? 10,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    migrationsFolder: options.migrationsFolder ?? findMigrationsFolder(),
    schema
  }
  return resolved.databaseUrl !== undefined && resolved.databaseUrl !== ''
    ? await openPostgres(resolved)
    : await openPglite(resolved)
}

/** The `migrations/` folder of the installation (works from `src/` under tsx and from `dist/`). */
export function findMigrationsFolder (): string {
  let dir = import.meta.dirname
  for (;;) {
    const candidate = join(dir, 'migrations')
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`No migrations/meta/_journal.json above ${import.meta.dirname}; reinstall Bozor or pass migrationsFolder.`)
    dir = parent
  }
}

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { backupPglite } from './backup.js'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import {
  createStatsCounter, type Database, type Db, type DriverOptions, IN_MEMORY, type LoggerLike, PING_TIMEOUT_MS, type Schema,
  serialised, withTimeout
} from './database-types.js'

/**
 * Opens the embedded PGlite: in memory for `IN_MEMORY`, otherwise in `<dataDir>/pglite`, guarded
 * by the lock file `<dataDir>/pglite.lock` (one process per data directory).
 */
export async function openPglite (options: DriverOptions): Promise<Database> {
  if (options.dataDir === IN_MEMORY) return await fromPglite(new PGlite(), options)
  mkdirSync(options.dataDir, { recursive: true })
  const lock = acquireDataDirLock(options.dataDir, join(options.dataDir, 'pglite.lock'))
  try {
    const database = await fromPglite(new PGlite(join(options.dataDir, 'pglite')), { ...options, lock })
    options.logger.info({ kind: 'pglite', dataDir: options.dataDir }, 'embedded database open')
    return database
  } catch (err) {
    lock.release()
    throw new Error(`Could not open the embedded database in ${options.dataDir}: ${(err as Error).message}`, { cause: err })
  }
}

export interface FromPgliteOptions {
  schema: Schema
  migrationsFolder: string
  logger?: LoggerLike
  /** Released by `close()`. */
  lock?: DataDirLock
}

/**
 * Wraps an existing PGlite client (for example one loaded from a dump) as a `Database`.
 * `close()` closes the client.
 *
 * @example
 * const database = await fromPglite(new PGlite({ loadDataDir: dump }), { schema, migrationsFolder })
 */
export async function fromPglite (client: PGlite, options: FromPgliteOptions): Promise<Database> {
  await client.waitReady
  const counter = createStatsCounter()
  const db = counter.countTransactions(drizzle({ client, schema: options.schema, logger: counter.logger }))
  let closing: Promise<void> | undefined

  return {
    kind: 'pglite',
    db: db satisfies Db,
    backup: async (file) => await backupPglite(client, file),
    stats: counter.stats,
    async listen (channel, onNotify) {
      const unlisten = await client.listen(channel, () => { onNotify() })
      return async () => { if (!client.closed) await unlisten() }
    },
    async ping () {
      if (closing !== undefined || client.closed) return false
      return await withTimeout(client.query('select 1').then(() => true), PING_TIMEOUT_MS, false)
    },
    migrate: serialised(async () => {
      await migrate(db, { migrationsFolder: options.migrationsFolder })
    }),
    close () {
      closing ??= (async () => {
        try {
          if (!client.closed) await client.close()
        } finally {
          options.lock?.release()
        }
      })()
      return closing
    }
  }
}

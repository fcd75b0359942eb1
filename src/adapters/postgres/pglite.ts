import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import {
  type Database, type Db, type DriverOptions, IN_MEMORY, PING_TIMEOUT_MS, serialised, withTimeout
} from './database-types.js'

/**
 * Opens the embedded PGlite: in memory for `IN_MEMORY`, otherwise in `<dataDir>/pglite`, guarded
 * by the lock file `<dataDir>/pglite.lock` (one process per data directory).
 */
export async function openPglite (options: DriverOptions): Promise<Database> {
  const inMemory = options.dataDir === IN_MEMORY
  let lock: DataDirLock | undefined
  let client: PGlite
  if (inMemory) {
    client = new PGlite()
  } else {
    mkdirSync(options.dataDir, { recursive: true })
    lock = acquireDataDirLock(options.dataDir, join(options.dataDir, 'pglite.lock'))
    try {
      client = new PGlite(join(options.dataDir, 'pglite'))
    } catch (err) {
      lock.release()
      throw err
    }
  }
  try {
    await client.waitReady
  } catch (err) {
    lock?.release()
    throw new Error(`Could not open the embedded database in ${options.dataDir}: ${(err as Error).message}`, { cause: err })
  }
  options.logger.info({ module: 'database', kind: 'pglite', dataDir: inMemory ? 'memory' : options.dataDir }, 'embedded database open')

  const db = drizzle({ client, schema: options.schema })
  let closing: Promise<void> | undefined

  return {
    kind: 'pglite',
    db: db satisfies Db,
    async ping () {
      if (closing !== undefined) return false
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
          lock?.release()
        }
      })()
      return closing
    }
  }
}

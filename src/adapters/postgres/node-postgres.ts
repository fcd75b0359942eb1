import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { backupPostgres } from './backup.js'
import {
  createStatsCounter, type Database, type Db, type DriverOptions, PING_TIMEOUT_MS, serialised, withTimeout
} from './database-types.js'

// Session-level advisory lock key held while migrating: instances starting at once migrate one
// after the other, and the later ones find nothing to do.
const MIGRATION_LOCK_SQL = "select pg_advisory_lock(hashtext('bozor:migrate'))"
const MIGRATION_UNLOCK_SQL = "select pg_advisory_unlock(hashtext('bozor:migrate'))"

/** Opens a node-postgres pool on `options.databaseUrl`. Connects lazily; use `ping()` to check. */
export async function openPostgres (options: DriverOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'bozor'
  })
  // An idle client whose server went away emits 'error' on the pool; unhandled it would crash
  // the process. The next query gets a fresh connection.
  pool.on('error', (err) => {
    options.logger.error({ err }, 'PostgreSQL connection lost while idle')
  })
  // A client checked out for a transaction has no 'error' listener of the pool's: a server going
  // away meanwhile (a restart's 57P01, a cut connection) would emit one unhandled and crash the
  // process. The statement in flight fails on its own; the pool drops the broken client on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => { options.logger.warn({ err }, 'PostgreSQL connection lost while in use') })
  })
  const counter = createStatsCounter()
  const db = counter.countTransactions(drizzle({ client: pool, schema: options.schema, logger: counter.logger }))
  let closing: Promise<void> | undefined

  const databaseUrl = options.databaseUrl
  return {
    kind: 'postgres',
    db: db satisfies Db,
    async backup (file) {
      if (databaseUrl === undefined) throw new Error('no DATABASE_URL to back up')
      return await backupPostgres(databaseUrl, file)
    },
    stats: counter.stats,
    async listen (channel, onNotify) {
      // its own connection, outside the pool: a LISTEN holds it for the process's life
      let client: pg.Client | undefined
      let stopped = false
      let retry: NodeJS.Timeout | undefined
      // every 5 s until it works again: one failed try (the server still restarting) must not
      // leave the process without wake-ups until it is restarted
      const reconnect = (): void => {
        if (stopped) return
        clearTimeout(retry)
        retry = setTimeout(() => {
          connect().then(
            () => { if (client !== undefined) options.logger.info({}, 'LISTEN connection restored') },
            () => reconnect()
          )
        }, 5000).unref()
      }
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: options.connectTimeoutMs, application_name: 'bozor-listen' })
        c.on('notification', (message) => { if (message.channel === channel) onNotify() })
        c.on('error', (err) => {
          c.end().catch(() => {})
          // a client that never got to listen fails its connect(), whose caller retries
          if (client !== c) return
          options.logger.warn({ err }, 'LISTEN connection lost; polling carries on and it reconnects')
          client = undefined
          reconnect()
        })
        try {
          await c.connect()
          await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`)
        } catch (err) {
          c.end().catch(() => {})
          throw err
        }
        if (stopped) { await c.end(); return }
        client = c
      }
      await connect()
      return async () => {
        stopped = true
        clearTimeout(retry)
        await client?.end().catch(() => {})
        client = undefined
      }
    },
    async ping () {
      if (closing !== undefined) return false
      return await withTimeout(pool.query('select 1').then(() => true), PING_TIMEOUT_MS, false)
    },
    migrate: serialised(async () => {
      // The lock is per session, so take it, migrate and release it on one dedicated connection.
      const client = await pool.connect()
      const onError = (err: Error): void => {
        options.logger.error({ err }, 'PostgreSQL connection lost while migrating')
      }
      client.on('error', onError)
      let broken: Error | undefined
      try {
        await client.query(MIGRATION_LOCK_SQL)
        try {
          await migrate(drizzle({ client, schema: options.schema }), { migrationsFolder: options.migrationsFolder })
        } finally {
          await client.query(MIGRATION_UNLOCK_SQL)
        }
      } catch (err) {
        broken = err as Error
        throw new Error(`Database migration failed: ${broken.message}`, { cause: err })
      } finally {
        client.removeListener('error', onError)
        // a failed connection is discarded, not returned to the pool (and so is its lock)
        client.release(broken)
      }
      options.logger.info({}, 'migrations applied')
    }),
    close () {
      closing ??= pool.end()
      return closing
    }
  }
}

import type { Assume } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type * as schema from './schema.js'

// Types and small helpers shared by database.ts and the two driver modules.

/** The Drizzle schema object (all tables and relations). */
export type Schema = typeof schema

/**
 * Query-result kind shared by both drivers: node-postgres and PGlite both answer raw
 * `db.execute(sql)` with an object holding `rows`.
 */
export interface DbQueryResultHKT extends PgQueryResultHKT {
  type: RawResult<Assume<this['row'], Record<string, unknown>>>
}

/** What `db.execute(sql)` resolves to on either driver. */
export interface RawResult<TRow> {
  rows: TRow[]
}

/**
 * A Drizzle database over either driver; a transaction (`db.transaction(async (tx) => …)`) is
 * one too. Repositories take a `Db` and are written once for PGlite and PostgreSQL.
 */
export type Db = PgDatabase<DbQueryResultHKT, Schema>

/** The narrow logger `openDatabase` needs; a pino logger fits. */
export interface LoggerLike {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Value of `dataDir` for a throw-away in-memory PGlite (tests). */
export const IN_MEMORY = 'memory://'

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; unset means the embedded PGlite in `dataDir`. */
  databaseUrl?: string
  /** Bozor's data directory (`DATA_DIR`); PGlite keeps its files in `<dataDir>/pglite`. */
  dataDir: string
  logger?: LoggerLike
  /** PostgreSQL pool size [10]. */
  poolMax?: number
  /** PostgreSQL connect timeout [5000]. */
  connectTimeoutMs?: number
  /** Where the SQL migrations are [the repository's `migrations/`]. */
  migrationsFolder?: string
}

/** An open database: the Drizzle instance and its lifecycle. */
export interface Database {
  readonly kind: 'pglite' | 'postgres'
  readonly db: Db
  /** `true` when a trivial query answers within a couple of seconds; never throws or hangs. */
  ping(): Promise<boolean>
  /** Applies pending migrations; a no-op when none are pending; safe across instances. */
  migrate(): Promise<void>
  /** Closes connections (and releases the data-dir lock); idempotent. */
  close(): Promise<void>
  /** Writes a backup of the whole database to `file` (PGlite's data-dir dump, or `pg_dump`). */
  backup(file: string): Promise<{ file: string, bytes: number, storage: 'pglite' | 'postgres' }>
  /**
   * Calls `onNotify` for every NOTIFY on `channel` (LISTEN on a connection of its own on
   * PostgreSQL, PGlite's own listener embedded). A hint only: callers keep polling as the truth
   * (STYLE §3). Resolves to a function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>
  /** Cost counters since the database was opened (hot-path tests and benchmarks read them). */
  readonly stats: Readonly<DbStats>
}

/**
 * SQL cost counters: `statements` sent through Drizzle (transaction control excluded), and
 * `commits` of top-level `db.transaction` calls. A lone statement outside a transaction commits
 * on its own and is counted in `autocommits`.
 */
export interface DbStats {
  statements: number
  commits: number
  autocommits: number
}

const CONTROL_SQL = /^\s*(begin|commit|rollback|savepoint|release|start transaction)\b/i

/**
 * Counts what a Drizzle instance sends: pass the logger to `drizzle({ logger })`, then wrap the
 * instance with {@link countTransactions}. Statements inside a transaction are told apart from
 * autocommitted ones by the open-transaction depth.
 */
export function createStatsCounter (): { stats: DbStats, logger: { logQuery (query: string): void }, countTransactions<T extends Db> (db: T): T } {
  const stats: DbStats = { statements: 0, commits: 0, autocommits: 0 }
  let open = 0
  return {
    stats,
    logger: {
      logQuery (query: string) {
        if (CONTROL_SQL.test(query)) return
        stats.statements++
        // PGlite and the pool both run other work beside an open transaction: an approximation
        // when transactions and lone statements interleave, exact when they do not (the tests)
        if (open === 0) stats.autocommits++
      }
    },
    countTransactions (db) {
      const transaction = db.transaction.bind(db)
      db.transaction = (async (work: Parameters<Db['transaction']>[0], config?: Parameters<Db['transaction']>[1]) => {
        open++
        try {
          const result = await transaction(work, config)
          stats.commits++
          return result
        } finally {
          open--
        }
      }) as Db['transaction']
      return db
    }
  }
}

/** Resolved options handed to a driver module. */
export interface DriverOptions extends Required<Pick<OpenDatabaseOptions, 'dataDir' | 'migrationsFolder'>> {
  databaseUrl?: string
  logger: LoggerLike
  poolMax: number
  connectTimeoutMs: number
  schema: Schema
}

export const PING_TIMEOUT_MS = 2000

export const silentLogger: LoggerLike = { info () {}, warn () {}, error () {} }

/** Resolves `work()`'s result, or `fallback` after `ms`; a late rejection is swallowed. */
export async function withTimeout<T> (work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms) })
  work.catch(() => {})
  try {
    return await Promise.race([work.catch(() => fallback), late])
  } finally {
    clearTimeout(timer)
  }
}

/** Serialises calls of `fn` in this process (two `migrate()` calls at once run one after the other). */
export function serialised (fn: () => Promise<void>): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve()
  return () => {
    const run = tail.then(fn)
    tail = run.catch(() => {})
    return run
  }
}

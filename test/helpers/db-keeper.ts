// The database keeper of a PostgreSQL test leg (services, reliability), run by run-tests.ts beside
// the leg's test processes: it clones a few databases from the migrated template ahead of need
// and drops the databases of passed tests, so neither CREATE DATABASE nor DROP DATABASE is on a
// test's path (decisions 0016 and 0075).
//
// It talks to the test processes through a directory (BOZOR_TEST_DB_KEEPER):
// - `ready/<name>`: a database cloned and not yet taken. A test takes one by deleting its file
//   (takeKeptDatabase); of two processes deleting the same file one fails and looks for another.
//   With none ready, a test clones its own as before.
// - `drop/<name>`: a passed test is done with the database (its pool is closed; handBack).
// A failed test's database is kept for a look, as before. A lost admin connection is opened again.
// When the leg ends, the keeper drops what is queued and the clones nobody took, and removes the
// directory.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

export interface DbKeeper {
  /** The directory the test processes get as BOZOR_TEST_DB_KEEPER. */
  readonly dir: string
  /** Drops what is queued and the clones nobody took, then removes the directory. */
  stop (): Promise<void>
}

export interface DbKeeperOptions {
  /** The admin connection (TEST_DATABASE_URL). */
  adminUrl: string
  /** The migrated template to clone. */
  template: string
  /** How many clones to keep ready. */
  ready: number
  /** The admin connection's application_name [bozor-test-db-keeper]. */
  applicationName?: string
  log (line: string): void
}

const POLL_MS = 50
const NAME = /^bozor_t_[0-9a-f]{12}$/

/** A new test database's name (a test's own, or a clone the keeper makes). */
export function testDatabaseName (): string {
  return `bozor_t_${randomBytes(6).toString('hex')}`
}

/** The keeper's directory of this leg (run-tests.ts), or undefined for a file run on its own. */
function keeperDir (): string | undefined {
  const dir = process.env.BOZOR_TEST_DB_KEEPER
  return dir === undefined || dir === '' ? undefined : dir
}

/** Takes a database the keeper cloned ahead; undefined when none is ready or no keeper runs. */
export function takeKeptDatabase (): string | undefined {
  const dir = keeperDir()
  if (dir === undefined) return undefined
  let names: string[]
  try {
    names = readdirSync(join(dir, 'ready'))
  } catch {
    return undefined
  }
  for (const name of names) {
    try {
      unlinkSync(join(dir, 'ready', name))
      return name
    } catch {
      // another test process took it
    }
  }
  return undefined
}

/** Hands a passed test's closed database to the keeper to drop; false when no keeper runs. */
export function handBack (name: string): boolean {
  const dir = keeperDir()
  if (dir === undefined) return false
  writeFileSync(join(dir, 'drop', name), '')
  return true
}

export function startDbKeeper (options: DbKeeperOptions): DbKeeper {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-test-dbs-'))
  const readyDir = join(dir, 'ready')
  const dropDir = join(dir, 'drop')
  mkdirSync(readyDir)
  mkdirSync(dropDir)
  const state = { stopping: false }
  let cloning = true

  const dropQueued = async (client: pg.Client): Promise<number> => {
    const names = readdirSync(dropDir)
    for (const name of names) {
      if (!NAME.test(name)) continue
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } catch (err) {
        // the connection is gone: keep the name for the next session
        if (!isServerError(err)) throw err
        options.log(`[db keeper] could not drop ${name}: ${(err as Error).message}`)
      }
      rmSync(join(dropDir, name), { force: true })
    }
    return names.length
  }

  const cloneOne = async (client: pg.Client): Promise<boolean> => {
    if (!cloning || readdirSync(readyDir).length >= options.ready) return false
    const name = testDatabaseName()
    try {
      await client.query(`CREATE DATABASE ${name} TEMPLATE ${options.template}`)
    } catch (err) {
      if (!isServerError(err)) throw err
      // the tests clone their own (and report what is wrong) when none is ready
      options.log(`[db keeper] stopped cloning: ${(err as Error).message}`)
      cloning = false
      return false
    }
    writeFileSync(join(readyDir, name), '')
    return true
  }

  // one admin connection at a time; a lost one (a server restart) is opened again
  const session = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.adminUrl, connectionTimeoutMillis: 5000, application_name: options.applicationName ?? 'bozor-test-db-keeper' })
    client.on('error', () => {}) // a lost connection shows in the next query
    try {
      await client.connect()
      while (!state.stopping) {
        const dropped = await dropQueued(client)
        const cloned = await cloneOne(client)
        if (dropped === 0 && !cloned) await sleep(POLL_MS)
      }
      // the leg is over: nobody takes a clone now
      for (const name of readdirSync(readyDir)) renameSync(join(readyDir, name), join(dropDir, name))
      await dropQueued(client)
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  const loop = (async () => {
    let afterStop = 0
    for (;;) {
      try {
        await session()
        return
      } catch (err) {
        options.log(`[db keeper] ${(err as Error).message}; connecting again in 1 s`)
        // give up when the leg is over and the server still does not answer
        if (state.stopping && ++afterStop > 3) return
        await sleep(1000)
      }
    }
  })()

  return {
    dir,
    stop: async () => {
      state.stopping = true
      await loop
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** An error the server answered a statement with, not a lost connection (class 08, 57P0x, none). */
function isServerError (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P0)/.test(code)
}

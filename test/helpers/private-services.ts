/**
 * Private Redis and PostgreSQL servers of one test, for outage and restart tests (the reliability
 * leg): never the shared services of the machine, which must not be stopped or flushed.
 *
 * - Redis: `redis-server --port P --bind 127.0.0.1 --save "" --appendonly no` on a free loopback
 *   port; `stop()` kills it by pid, `start()` starts a new one on the same port (the data is gone,
 *   as after a real Redis restart without persistence).
 * - PostgreSQL: `initdb` (as the `postgres` user, trust auth, superuser `root`) into a temp dir
 *   chowned to postgres, then `pg_ctl start` on a free loopback port with its socket in that dir;
 *   `stop()` is a fast shutdown, `start()` starts the same cluster again on the same port (the data
 *   stays). Everything is stopped by the postmaster's pid and removed in `t.after`.
 *
 * @example
 * const pg = await startPrivatePostgres(t)
 * const url = await pg.createDatabase('shop')        // postgres://root@127.0.0.1:P/shop
 * await pg.stop(); await pg.start()                   // a restart: connections drop, data stays
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort, startPrivateRedis, type AfterHook, type PrivateRedis } from './kv.js'
import { eventually } from './wait.js'

export { freePort, hasRedisServer } from './kv.js'

const PG_BIN = process.env.BOZOR_PG_BIN ?? '/usr/lib/postgresql/15/bin'

/** True when the PostgreSQL server binaries and the `postgres` system user are there. */
export function hasPostgresServer (): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status === 0
}

/** A Redis server that can be stopped and started again on the same port. */
export interface RestartableRedis {
  readonly port: number
  readonly url: string
  /** The running server's pid (changes with each start). */
  readonly pid: number
  /** Kills the server by pid (SIGKILL) and waits until it has exited. */
  stop (): Promise<void>
  /** Starts a new, empty server on the same port; resolves once it accepts connections. */
  start (): Promise<void>
  /** Sends a signal to the running server (SIGSTOP/SIGCONT to stall it). */
  signal (signal: NodeJS.Signals): void
}

/** A private redis-server on a free loopback port, killed in `t.after`. */
export async function startRestartableRedis (t: AfterHook, port?: number): Promise<RestartableRedis> {
  const chosen = port ?? await freePort()
  let current: PrivateRedis | undefined = await startPrivateRedis(t, chosen)
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    get pid () { return current?.pid ?? -1 },
    async stop () {
      if (current === undefined) return
      const running = current
      current = undefined
      await running.kill()
    },
    async start () {
      if (current !== undefined) throw new Error('redis is running already')
      current = await startPrivateRedis(t, chosen)
    },
    signal (signal) { current?.signal(signal) }
  }
}

/** A PostgreSQL cluster of one test. */
export interface PrivatePostgres {
  readonly port: number
  readonly dataDir: string
  /** `postgres://root@127.0.0.1:P/postgres` (the maintenance database). */
  readonly adminUrl: string
  /** The URL of database `name` on this server. */
  urlOf (name: string): string
  /** Creates an empty database and returns its URL. */
  createDatabase (name: string): Promise<string>
  /** The postmaster's pid, or undefined while stopped. */
  pid (): number | undefined
  /** `pg_ctl stop` in the given mode (default fast: sessions are cut, the data is kept). */
  stop (mode?: 'fast' | 'immediate'): Promise<void>
  /** Starts the cluster again on the same port; resolves once it accepts connections. */
  start (): Promise<void>
}

function asPostgres (command: string): void {
  execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] })
}

function quote (text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`
}

/**
 * initdb into a fresh temp dir and start the cluster on a free loopback port (or `port`).
 * Stopped by pid (SIGQUIT, an immediate shutdown) and removed in `t.after`.
 */
export async function startPrivatePostgres (t: AfterHook, options: { port?: number } = {}): Promise<PrivatePostgres> {
  const port = options.port ?? await freePort()
  const root = mkdtempSync(join(tmpdir(), 'bozor-pg-'))
  chownSync(root, uidOf('postgres'), gidOf('postgres'))
  const dataDir = join(root, 'data')
  const logFile = join(root, 'server.log')
  const adminUrl = `postgres://root@127.0.0.1:${port}/postgres`
  const pidOf = (): number | undefined => {
    const file = join(dataDir, 'postmaster.pid')
    if (!existsSync(file)) return undefined
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined
  }
  t.after(async () => {
    const pid = pidOf()
    if (pid !== undefined) {
      process.kill(pid, 'SIGQUIT')
      await eventually('the private PostgreSQL to exit', () => alive(pid) ? undefined : true, { timeoutMs: 30_000, intervalMs: 50 })
    }
    rmSync(root, { recursive: true, force: true })
  })
  asPostgres(`${PG_BIN}/initdb -D ${quote(dataDir)} -A trust -U root --no-sync -E UTF8 --locale=C.UTF-8 > ${quote(join(root, 'initdb.log'))} 2>&1`)
  const start = async (): Promise<void> => {
    // fsync off: a test cluster, restarted with a fast (clean) stop, never a host crash
    const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`
    asPostgres(`${PG_BIN}/pg_ctl -D ${quote(dataDir)} -l ${quote(logFile)} -w -t 60 -o ${quote(opts)} start > /dev/null`)
    await eventually('the private PostgreSQL to accept connections', async () => {
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 })
      try {
        await client.connect()
        await client.query('select 1')
        return true
      } catch {
        return undefined
      } finally {
        await client.end().catch(() => {})
      }
    }, { timeoutMs: 30_000, intervalMs: 50 })
  }
  await start()
  return {
    port,
    dataDir,
    adminUrl,
    urlOf: (name) => `postgres://root@127.0.0.1:${port}/${name}`,
    async createDatabase (name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`not a plain database name: ${name}`)
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try { await client.query(`CREATE DATABASE ${name}`) } finally { await client.end() }
      return `postgres://root@127.0.0.1:${port}/${name}`
    },
    pid: pidOf,
    async stop (mode = 'fast') {
      const pid = pidOf()
      if (pid === undefined) return
      asPostgres(`${PG_BIN}/pg_ctl -D ${quote(dataDir)} -m ${mode} -w -t 60 stop > /dev/null`)
      await eventually('the private PostgreSQL to exit', () => alive(pid) ? undefined : true, { timeoutMs: 30_000, intervalMs: 50 })
    },
    start
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function uidOf (user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim())
}

function gidOf (user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim())
}

// ioredis connection for the Redis store: single node or Cluster, no keyPrefix, bounded command
// time, no offline queue (an outage is an error, not a hang), automatic reconnects. `run` is the
// one gate every command passes: wait for readiness within the timeout, map outage errors to
// KvUnavailableError, leave bugs (WRONGTYPE, script errors) as they are.
import { Cluster, Redis, ReplyError } from 'ioredis'
import { KvUnavailableError } from './kv-store.js'

/** The part of a pino logger the store uses. */
export interface KvLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
}

/** Connection settings of {@link createRedisKv}. */
export interface RedisConnectionOptions {
  /** Single node URL, e.g. `redis://127.0.0.1:6379`. */
  url?: string
  /** Cluster seed node URLs (with `cluster: true`). */
  nodes?: readonly string[]
  cluster?: boolean
  /** Upper bound of one command, and of the wait for a connection; default 1000 ms. */
  commandTimeoutMs?: number
  logger?: KvLogger
}

export type RedisClient = Redis | Cluster

export interface RedisConnection {
  readonly client: RedisClient
  readonly cluster: boolean
  /** Runs a command once the client is ready, mapping outage errors to KvUnavailableError. */
  run<T> (op: string, fn: () => Promise<T>): Promise<T>
  close (): Promise<void>
}

// Server replies that mean "not serving right now" rather than "your command is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY|READONLY|NOREPLICAS)\b/

export function toKvError (op: string, err: unknown): unknown {
  if (err instanceof KvUnavailableError) return err
  if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message)) return err
  const message = err instanceof Error ? err.message : String(err)
  return new KvUnavailableError(`kv: ${op} failed: Redis unavailable (${message}); check REDIS_URL and that Redis is up`, { cause: err })
}

function retryDelay (times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1000)
}

/** Opens the client (connecting in the background) and returns the command gate. */
export function createRedisConnection (options: RedisConnectionOptions): RedisConnection {
  const timeoutMs = options.commandTimeoutMs ?? 1000
  const common = {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // commands of concurrent updates issued in one tick go out in one socket write (decision 0067)
    enableAutoPipelining: true,
    retryStrategy: retryDelay
  }
  let client: RedisClient
  if (options.cluster === true) {
    const nodes = options.nodes ?? (options.url === undefined ? [] : [options.url])
    if (nodes.length === 0) throw new RangeError('kv: a Redis Cluster needs at least one seed node URL')
    client = new Cluster(nodes.map((u) => { const p = new URL(u); return { host: p.hostname, port: Number(p.port || 6379) } }), {
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelay,
      scaleReads: 'master',
      redisOptions: { ...common, ...credentials(nodes[0]!) }
    })
  } else {
    if (options.url === undefined) throw new RangeError('kv: createRedisKv needs `url` (or `cluster: true` with `nodes`)')
    client = new Redis(options.url, common)
  }

  let closed = false
  let down = false
  const waiters = new Set<() => void>()
  client.on('ready', () => {
    if (down) options.logger?.info({ module: 'kv' }, 'Redis connection restored')
    down = false
    for (const wake of waiters) wake()
    waiters.clear()
  })
  // Without an 'error' listener ioredis' errors would crash the process; log each outage once.
  client.on('error', (err: Error) => {
    if (!down && !closed) options.logger?.warn({ module: 'kv', err }, 'Redis connection failed; retrying in the background')
    down = true
  })

  const whenReady = async (op: string): Promise<void> => {
    if (closed) throw new KvUnavailableError(`kv: ${op} failed: the Redis store is closed`)
    if (client.status === 'ready') return
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => { clearTimeout(timer); resolve() }
      const timer = setTimeout(() => {
        waiters.delete(wake)
        reject(new KvUnavailableError(`kv: ${op} failed: no Redis connection within ${timeoutMs} ms (status ${client.status}); check REDIS_URL and that Redis is up`))
      }, timeoutMs)
      waiters.add(wake)
    })
  }

  return {
    client,
    cluster: options.cluster === true,
    run: async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
      await whenReady(op)
      try {
        return await fn()
      } catch (err) {
        throw toKvError(op, err)
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      for (const wake of waiters) wake()
      waiters.clear()
      if (client.status === 'ready') {
        const quit = client.quit().then(() => undefined, () => undefined)
        const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())
        await Promise.race([quit, timer])
      }
      client.disconnect()
    }
  }
}

function credentials (url: string): { username?: string, password?: string } {
  const parsed = new URL(url)
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) })
  }
}

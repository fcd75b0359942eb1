// Per-test key-value stores: the leg's store (Redis in the `services` leg, memory otherwise), or
// a chosen kind (memory, the Redis of the leg, or this file's Redis Cluster — see
// useTestCluster in redis-cluster.ts), under a unique key prefix, cleaned and closed when the
// test (or suite) ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, createServer, type AddressInfo } from 'node:net'
import type { Clock } from '../../src/domain/shared/clock.js'
import type { KvStore } from '../../src/adapters/redis/kv-store.js'
import { createMemoryKv } from '../../src/adapters/redis/memory-kv.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'

/** Anything with node:test's `after` (a TestContext, or `{ after }` imported from node:test). */
export interface AfterHook {
  after (fn: () => unknown): void
}

/** `cluster`: the three-master Redis Cluster of this test file (started by useTestCluster). */
export type TestKvKind = 'memory' | 'redis' | 'cluster'

export interface TestKvOptions {
  /** Memory store only: the clock driving TTLs (e.g. a FakeClock). */
  clock?: Clock
  /** Command timeout of a Redis store; default 2000 ms. */
  commandTimeoutMs?: number
  __test__onUnlinkBatch?: (keyCount: number) => void
}

/** The Redis URL of the services leg (run-tests sets TEST_REDIS_URL), or undefined. */
export function testRedisUrl (): string | undefined {
  const url = process.env.TEST_REDIS_URL
  return url === undefined || url === '' ? undefined : url
}

/** The store kind of the current leg: Redis when BOZOR_TEST_LEG is `services`, else memory. */
export function testKvKind (): TestKvKind {
  return process.env.BOZOR_TEST_LEG === 'services' ? 'redis' : 'memory'
}

let clusterNodes: readonly string[] | undefined

/** Records the seed URLs of this file's cluster (called by useTestCluster in redis-cluster.ts). */
export function registerTestCluster (nodes: readonly string[]): void {
  clusterNodes = nodes
}

/** Seed URLs (one per master) of this file's cluster; throws when the file started none. */
export function testClusterNodes (): readonly string[] {
  if (clusterNodes === undefined) throw new Error('no Redis Cluster in this test file: await useTestCluster() (test/helpers/redis-cluster.ts) first')
  return clusterNodes
}

/**
 * The URL of every server holding data of a Redis kind (one for `redis`, each master for
 * `cluster`), for per-server checks such as INFO commandstats.
 */
export function testKvServerUrls (kind: Exclude<TestKvKind, 'memory'>): readonly string[] {
  return kind === 'cluster' ? testClusterNodes() : [testRedisUrl() ?? 'redis://127.0.0.1:6379']
}

/** A fresh prefix, unique per call: `t-<hex>`. */
export function uniqueKvPrefix (): string {
  return `t-${randomBytes(6).toString('hex')}`
}

/**
 * A store of the given kind with its own prefix; its keys are deleted and the store closed in
 * `t.after`.
 */
export function createTestKvFor (t: AfterHook, kind: TestKvKind, options: TestKvOptions = {}): KvStore {
  const prefix = uniqueKvPrefix()
  let kv: KvStore
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000
  if (kind === 'redis') {
    const url = testRedisUrl() ?? 'redis://127.0.0.1:6379'
    kv = createRedisKv({ url, cluster: false, commandTimeoutMs, prefix, __test__onUnlinkBatch: options.__test__onUnlinkBatch })
  } else if (kind === 'cluster') {
    kv = createRedisKv({ nodes: testClusterNodes(), cluster: true, commandTimeoutMs, prefix, __test__onUnlinkBatch: options.__test__onUnlinkBatch })
  } else {
    kv = createMemoryKv({ clock: options.clock, prefix, __test__onUnlinkBatch: options.__test__onUnlinkBatch })
  }
  t.after(async () => {
    try {
      if (kind !== 'memory') await kv.deleteByPattern(kv.keys.everything())
    } catch {
      // Redis went away during the test (outage tests): nothing left to clean that we can reach.
    } finally {
      await kv.close()
    }
  })
  return kv
}

/**
 * The current leg's store with a unique prefix, cleaned up and closed in `t.after`.
 *
 * @example
 * test('caches a product', async (t) => {
 *   const kv = createTestKv(t)
 *   await kv.setJson(kv.keys.key('c', 'product', 1), { id: 1 }, { ttlMs: 1000 })
 * })
 */
export function createTestKv (t: AfterHook, options: TestKvOptions = {}): KvStore {
  return createTestKvFor(t, testKvKind(), options)
}

/** A redis-server process of one test (outage and recovery tests). */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  readonly pid: number
  /** Sends a signal (SIGSTOP/SIGCONT to stall, SIGKILL to crash) to the server process. */
  signal (signal: NodeJS.Signals): void
  /** Kills the server by pid and waits until it has exited. */
  kill (): Promise<void>
}

/** True when `redis-server` is on PATH. */
export function hasRedisServer (): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

/** A free loopback port (bound, then released). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Starts `redis-server` on a loopback port without persistence and resolves once it accepts
 * connections. Killed in `t.after` if still running.
 */
export async function startPrivateRedis (t: AfterHook, port: number): Promise<PrivateRedis> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
      await exited
    }
  })
  await waitForPort(port, child)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    signal: (signal) => { process.kill(child.pid!, signal) },
    kill: async () => {
      process.kill(child.pid!, 'SIGKILL')
      await exited
    }
  }
}

/** Resolves once something accepts connections on the loopback port; throws if `child` exits or 10 s pass. */
export async function waitForPort (port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

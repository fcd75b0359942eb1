// A real three-master Redis Cluster on loopback ports for one test file: three
// `redis-server --cluster-enabled yes` processes joined by `redis-cli --cluster create`.
// Stopped by pid in t.after (and on process exit). Needs redis-server and redis-cli on PATH (see
// hasRedisServer). useTestCluster starts one per file for the `cluster` store kind.
import { after } from 'node:test'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { keySlot } from '../../src/adapters/redis/kv-store.js'
import { hasRedisServer, registerTestCluster, waitForPort, type AfterHook } from './kv.js'

/** A running cluster. */
export interface RedisCluster {
  /** Seed URLs of the three masters. */
  readonly nodes: string[]
  /** Current pid of each master (a restarted master gets a new one). */
  readonly pids: number[]
  /** Sends a signal (SIGSTOP/SIGCONT to stall, SIGKILL to crash) to one master. */
  signal (index: number, signal: NodeJS.Signals): void
  /** Kills one master by pid and waits until it has exited. */
  kill (index: number): Promise<void>
  /**
   * Starts a killed master again on its port with its nodes.conf (same node id and slots, empty
   * data) and resolves once every node reports `cluster_state:ok`.
   */
  restart (index: number): Promise<void>
}

async function portFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Three ports whose cluster bus ports (port + 10000) are free as well. */
async function clusterPorts (): Promise<number[]> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 15_000)
    const ports = [base, base + 1, base + 2]
    const checks = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]))
    if (checks.every(Boolean)) return ports
  }
  throw new Error('no free ports for a Redis Cluster')
}

function clusterOk (port: number): boolean {
  const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' })
  return /cluster_state:ok/.test(info.stdout ?? '')
}

/**
 * Starts the cluster and resolves once every node reports `cluster_state:ok`.
 *
 * @example
 * const cluster = await startRedisCluster(t)
 * const kv = createRedisKv({ cluster: true, nodes: cluster.nodes, prefix: 't1' })
 */
export async function startRedisCluster (t: AfterHook): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-cluster-'))
  const ports = await clusterPorts()
  const children: ChildProcess[] = []
  const exits: Array<Promise<void>> = []
  const pids: number[] = []
  const launch = (i: number): void => {
    const port = ports[i]!
    const child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000',
      '--save', '', '--appendonly', 'no', '--dir', dir
    ], { stdio: 'ignore' })
    children[i] = child
    exits[i] = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    pids[i] = child.pid!
  }
  const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null
  const killAll = (): void => {
    children.forEach((child) => {
      if (child.pid !== undefined && running(child)) {
        try {
          process.kill(child.pid, 'SIGCONT')
          process.kill(child.pid, 'SIGKILL')
        } catch { /* already gone */ }
      }
    })
  }
  const allOk = async (): Promise<void> => {
    const deadline = Date.now() + 20_000
    while (!ports.every(clusterOk)) {
      if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  // A test process that ends without running its after hooks (crash, or the runner's SIGTERM on a
  // file timeout) leaves no servers: kill them, then let the signal take its default course.
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll()
    process.kill(process.pid, signal)
  }
  process.once('exit', killAll)
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  t.after(async () => {
    killAll()
    await Promise.all(exits)
    process.off('exit', killAll)
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    rmSync(dir, { recursive: true, force: true })
  })
  ports.forEach((_, i) => launch(i))
  await Promise.all(ports.map((port, i) => waitForPort(port, children[i]!)))
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 })
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
  await allOk()
  return {
    nodes: ports.map((p) => `redis://127.0.0.1:${p}`),
    pids,
    signal: (index, signal) => { process.kill(pids[index]!, signal) },
    kill: async (index) => {
      if (running(children[index]!)) process.kill(pids[index]!, 'SIGKILL')
      await exits[index]
    },
    restart: async (index) => {
      if (running(children[index]!)) throw new Error(`cluster master ${index} is still running`)
      launch(index)
      await waitForPort(ports[index]!, children[index]!)
      await allOk()
    }
  }
}

/** The index (in `nodes` and `pids`) of the master serving `key`'s slot. */
export async function clusterMasterOf (cluster: RedisCluster, key: string): Promise<number> {
  const slot = keySlot(key)
  const raw = new Redis(cluster.nodes[0]!, { lazyConnect: true })
  try {
    await raw.connect()
    const ranges = await raw.call('CLUSTER', 'SLOTS') as Array<[number, number, [string, number, ...unknown[]]]>
    const range = ranges.find(([from, to]) => slot >= from && slot <= to)
    const index = range === undefined ? -1 : cluster.nodes.indexOf(`redis://127.0.0.1:${range[2][1]}`)
    if (index < 0) throw new Error(`no master of slot ${slot} among ${cluster.nodes.join(', ')}`)
    return index
  } finally {
    raw.disconnect()
  }
}

/** How the `cluster` store kind runs in this file; `skip` is the reason when it cannot run. */
export interface TestClusterKind {
  readonly skip: string | undefined
}

let fileCluster: Promise<TestClusterKind> | undefined

/**
 * Starts this test file's cluster once for the `cluster` store kind (createTestKvFor(t, 'cluster'))
 * and stops it by pid after the file's last test. Undefined outside the services leg; a skip
 * reason, printed once, when redis-server is not installed.
 *
 * @example
 * const cluster = await useTestCluster()
 * if (cluster !== undefined) cacheContract('cluster', cluster.skip)
 */
export async function useTestCluster (): Promise<TestClusterKind | undefined> {
  if (process.env.BOZOR_TEST_LEG !== 'services') return undefined
  if (fileCluster === undefined) {
    fileCluster = (async () => {
      if (!hasRedisServer()) {
        const skip = 'redis-server is not installed (install it to run the contracts on a Redis Cluster)'
        console.log(`# cluster kind skipped: ${skip}`)
        return { skip }
      }
      const cluster = await startRedisCluster({ after })
      registerTestCluster(cluster.nodes)
      return { skip: undefined }
    })()
  }
  return await fileCluster
}

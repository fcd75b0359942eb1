// A real three-master Redis Cluster on loopback ports for one test file: three
// `redis-server --cluster-enabled yes` processes joined by `redis-cli --cluster create`.
// Stopped by pid in t.after. Needs redis-server and redis-cli on PATH (see hasRedisServer).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitForPort, type AfterHook } from './kv.js'

/** A running cluster. */
export interface RedisCluster {
  /** Seed URLs of the three masters. */
  readonly nodes: string[]
  readonly pids: number[]
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
  const children = ports.map((port) => spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
    '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000',
    '--save', '', '--appendonly', 'no', '--dir', dir
  ], { stdio: 'ignore' }))
  const exits = children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())))
  t.after(async () => {
    children.forEach((child) => { if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL') })
    await Promise.all(exits)
    rmSync(dir, { recursive: true, force: true })
  })
  await Promise.all(ports.map((port, i) => waitForPort(port, children[i]!)))
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 })
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`)
  const deadline = Date.now() + 20_000
  while (!ports.every(clusterOk)) {
    if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach cluster_state:ok')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { nodes: ports.map((p) => `redis://127.0.0.1:${p}`), pids: children.map((c) => c.pid!) }
}

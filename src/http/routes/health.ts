/**
 * GET /healthz, /readyz and /metrics exactly as DESIGN.md's route table says. Readiness pings
 * the database and the key-value store at once, each bounded by a timeout: a Redis outage makes
 * the instance `degraded` (still 200: all instances share Redis), a database outage 503.
 * With METRICS_TOKEN set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time); anything else is 401 `ERR_AUTH`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Type } from 'typebox'
import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../../metrics.js'
import { problem, sendProblem } from '../plugins/problems.js'

export interface Pingable { ping(): Promise<boolean> }

export interface HealthOptions {
  database: Pingable
  kv: Pingable
  metrics: Metrics
  pingTimeoutMs?: number
  /** METRICS_TOKEN; unset, `/metrics` is open. */
  metricsToken?: string
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

const Check = Type.Union([Type.Literal('up'), Type.Literal('down')])
const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not ready')]),
  checks: Type.Object({ database: Check, kv: Check })
})

async function probe (target: Pingable, timeoutMs: number): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
  try {
    return (await Promise.race([target.ping().catch(() => false), timeout])) ? 'up' : 'down'
  } finally {
    clearTimeout(timer)
  }
}

export async function healthRoutes (app: FastifyInstance, opts: HealthOptions): Promise<void> {
  const timeoutMs = opts.pingTimeoutMs ?? 1500

  app.get('/healthz', {
    schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: { response: { 200: ReadyBody, 503: ReadyBody } }
  }, async (_request, reply) => {
    const [database, kv] = await Promise.all([probe(opts.database, timeoutMs), probe(opts.kv, timeoutMs)])
    if (database === 'down') return reply.code(503).send({ status: 'not ready', checks: { database, kv } })
    return { status: kv === 'up' ? 'ready' as const : 'degraded' as const, checks: { database, kv } }
  })

  const expected = opts.metricsToken !== undefined ? digest(`Bearer ${opts.metricsToken}`) : undefined
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"')
      return sendProblem(reply, problem(401, 'ERR_AUTH', 'This server requires Authorization: Bearer <METRICS_TOKEN> for /metrics.'))
    }
    reply.type(opts.metrics.registry.contentType)
    return opts.metrics.registry.metrics()
  })
}

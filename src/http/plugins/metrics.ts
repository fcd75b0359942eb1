/** Times every request into `http_request_duration_seconds` by route pattern and status. */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Metrics } from '../../metrics.js'

const STARTED = Symbol('bozor.startedAt')

export const metricsPlugin = fp(async function metrics (app: FastifyInstance, opts: { metrics: Metrics }) {
  app.addHook('onRequest', async (request) => {
    (request as unknown as Record<symbol, bigint>)[STARTED] = process.hrtime.bigint()
  })
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as unknown as Record<symbol, bigint | undefined>)[STARTED]
    if (started === undefined) return
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const route = request.routeOptions.url ?? 'unmatched'
    opts.metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds)
  })
}, { name: 'bozor-metrics' })

/**
 * `POST /payments/payme`: Payme's Merchant API (JSON-RPC 2.0, specs/payme.md). Always HTTP 200;
 * the body is read raw whatever its content type (Payme sends `text/json`), so the protocol
 * handler decides between −32700 and the rest. Every call and its answer go to
 * `provider_audit` without the Authorization header and with the key scrubbed. A body the server
 * will not read (over the body limit, a bad Content-Length) is answered in Payme's terms too (HTTP
 * 200; −32504 without valid auth, else −32700), never with an HTTP 413 problem Payme cannot read.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { handlePaymeRequest } from '../../adapters/payme/handle-payme-request.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { PaymeLedger } from '../../domain/payments/payme-ledger.js'
import type { ProviderAudit } from '../../usecases/ports-audit.js'
import { countOnly } from '../plugins/rate-limit.js'

export interface PaymeRoutesOptions {
  /** PAYME_KEY: the Basic auth password Payme sends. */
  key: string
  ledger: PaymeLedger
  audit: Pick<ProviderAudit, 'write'>
  clock: Clock
}

export const PAYME_PATH = '/payments/payme'

function auditBody (raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw.slice(0, 10_000)
  }
}

function orderIdOf (body: unknown): string | null {
  const params = (body as { params?: { account?: { order_id?: unknown } } } | null)?.params
  const id = params?.account?.order_id
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null
}

/**
 * Registers the Payme endpoint (only call it when Payme is configured).
 *
 * @example
 * await app.register(paymeRoutes, { key: config.payme.key, ledger: paymeLedgerOf(db), audit, clock })
 */
export async function paymeRoutes (app: FastifyInstance, opts: PaymeRoutesOptions): Promise<void> {
  const { ledger } = opts
  // scoped to this plugin: every content type arrives as the raw text
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })

  const handler = async (request: FastifyRequest, unread = false): Promise<unknown> => {
    const raw = !unread && typeof request.body === 'string' ? request.body : ''
    const log = request.log.child({ module: 'payme' })
    const response = await handlePaymeRequest(raw, request.headers.authorization, {
      ledger,
      key: opts.key,
      clock: opts.clock,
      onError: (err, context) => { log.error({ err, ...context }, 'Payme call failed inside Bozor; answered -32400') }
    }, request.method)
    const body = auditBody(raw)
    try {
      await opts.audit.write({
        provider: 'payme',
        endpoint: `${request.method} ${PAYME_PATH}`,
        orderId: orderIdOf(body),
        headers: request.headers,
        ip: request.ip,
        body,
        response,
        status: 200,
        now: opts.clock.now()
      }, [opts.key])
    } catch (err) {
      log.warn({ err }, 'could not write the Payme audit row')
    }
    return response
  }

  // the body parser's refusals (FST_ERR_CTP_*: too large, a bad length) in the protocol's shape
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (typeof error.code !== 'string' || !error.code.startsWith('FST_ERR_CTP_')) throw error
    request.log.info({ module: 'payme', code: error.code }, 'Payme call with a body the server does not read')
    const response = await handler(request, true)
    return await reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(response))
  })

  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'],
    url: PAYME_PATH,
    // counted per calling IP under its own subject (never refused, never spends a customer's /pay quota)
    preHandler: countOnly('public.ip', (request) => ['cb', 'payme', request.ip]),
    handler: async (request, reply) => {
      const response = await handler(request)
      return await reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(response))
    }
  })
}

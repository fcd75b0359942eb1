/**
 * `POST /payments/payme`: Payme's Merchant API (JSON-RPC 2.0, specs/payme.md). Always HTTP 200;
 * the body is read raw whatever its content type (Payme sends `text/json`), so the protocol
 * handler decides between −32700 and the rest. Every call and its answer go to
 * `provider_audit` without the Authorization header and with the key scrubbed: a call that
 * changes state (Create, Perform, Cancel) in its own transaction, one commit; every other call
 * through the audit's in-process queue, written in batches off the request path (issue 18). A call
 * refused before its body was trusted (not a POST, failed auth, not JSON) keeps only a capped,
 * hashed summary and is counted (issue 19). A body the server will not read (over the body limit,
 * a bad Content-Length) is answered in Payme's terms too (HTTP 200; −32504 without valid auth,
 * else −32700), never with an HTTP 413 problem Payme cannot read.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { answerPaymeCall, type PaymeResponse } from '../../adapters/payme/handle-payme-request.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ProviderAudit, ProviderAuditEntry } from '../../usecases/ports-audit.js'
import type { AuditedPaymeLedger } from '../../usecases/payments/payme-ledger.js'
import { countOnly } from '../plugins/rate-limit.js'
import { callSummary, cappedResponse, claimedLength } from './provider-audit-summary.js'

export interface PaymeRoutesOptions {
  /** PAYME_KEY: the Basic auth password Payme sends. */
  key: string
  ledger: AuditedPaymeLedger
  audit: Pick<ProviderAudit, 'record'>
  clock: Clock
  /** Counts a call that failed Basic auth (`bozor_provider_unauthenticated_total{provider="payme"}`). */
  onUnauthenticated?: () => void
}

export const PAYME_PATH = '/payments/payme'

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

  const handler = async (request: FastifyRequest, unread = false): Promise<PaymeResponse> => {
    const raw = !unread && typeof request.body === 'string' ? request.body : ''
    const log = request.log.child({ module: 'payme' })
    const entryOf = (response: PaymeResponse, audited: unknown): ProviderAuditEntry => ({
      provider: 'payme',
      endpoint: `${request.method} ${PAYME_PATH}`,
      orderId: orderIdOf(audited),
      headers: request.headers,
      ip: request.ip,
      body: audited,
      response,
      status: 200,
      now: opts.clock.now()
    })
    const call = await answerPaymeCall(raw, request.headers.authorization, {
      ledger,
      key: opts.key,
      clock: opts.clock,
      onError: (err, context) => { log.error({ err, ...context }, 'Payme call failed inside Bozor; answered -32400') },
      audit: { entryFor: entryOf, secrets: [opts.key] }
    }, request.method)
    if (call.unauthenticated) opts.onUnauthenticated?.()
    if (call.refused) {
      const summary = callSummary(unread ? undefined : raw, call.method, claimedLength(request.headers))
      opts.audit.record({ ...entryOf(call.response, summary), orderId: null, response: cappedResponse(call.response) }, [opts.key])
    } else if (!call.audited) {
      opts.audit.record(entryOf(call.response, call.body), [opts.key])
    }
    return call.response
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

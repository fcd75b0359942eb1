/**
 * `POST /payments/click/prepare` and `/complete`: Click's SHOP API (specs/click.md), form-encoded
 * (parsed by a raw parser scoped to this plugin), always HTTP 200 JSON. Every call and its
 * answer go to `provider_audit` with the secret key scrubbed. A body the server will not read
 * (over the body limit, a bad Content-Length) is answered as Click's −8 (HTTP 200), not 413.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { handleClickRequest } from '../../adapters/click/handle-click-request.js'
import { parseClickBody } from '../../adapters/click/click-form.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ClickLedger } from '../../domain/payments/click-ledger.js'
import type { ProviderAudit } from '../../usecases/ports-audit.js'
import { countOnly } from '../plugins/rate-limit.js'

export interface ClickRoutesOptions {
  /** CLICK_SERVICE_ID and CLICK_SECRET_KEY: what a callback's sign_string is checked against. */
  serviceId: string
  secretKey: string
  /** With the Merchant API configured, a payment confirmed too late is reversed automatically. */
  ledger: ClickLedger
  audit: Pick<ProviderAudit, 'write'>
  clock: Clock
}

/**
 * Registers the two Click callbacks (only call it when Click is configured). Both run one
 * handler that dispatches on `action`; the route only picks the answer shape of a request
 * whose `action` is unusable.
 *
 * @example
 * await app.register(clickRoutes, { serviceId, secretKey, ledger: clickLedgerOf(db), audit, clock })
 */
export async function clickRoutes (app: FastifyInstance, opts: ClickRoutesOptions): Promise<void> {
  const { ledger } = opts
  app.removeAllContentTypeParsers()
  // Click sends application/x-www-form-urlencoded; any other type is read as a form too
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseClickBody(typeof body === 'string' ? body : body.toString('utf8')))
  })

  // the body parser's refusals (FST_ERR_CTP_*) answered as a request with no usable fields: −8
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (typeof error.code !== 'string' || !error.code.startsWith('FST_ERR_CTP_')) throw error
    request.log.info({ module: 'click', code: error.code }, 'Click call with a body the server does not read')
    const route = request.url.split('?')[0]?.endsWith('/complete') === true ? 'complete' : 'prepare'
    const { body } = await handleClickRequest({}, { ledger, serviceId: opts.serviceId, secretKey: opts.secretKey, clock: opts.clock, onError: () => {} }, route)
    return await reply.code(200).type('application/json; charset=utf-8').send(body)
  })

  for (const route of ['prepare', 'complete'] as const) {
    const url = `/payments/click/${route}`
    // counted per calling IP under its own subject (never refused, never spends a customer's /pay quota)
    app.post(url, { preHandler: countOnly('public.ip', (request) => ['cb', 'click', request.ip]) }, async (request, reply) => {
      const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, string>
      const log = request.log.child({ module: 'click' })
      const { answer, body } = await handleClickRequest(form, {
        ledger,
        serviceId: opts.serviceId,
        secretKey: opts.secretKey,
        clock: opts.clock,
        onError: (err, context) => { log.error({ err, ...context }, 'Click call failed inside Bozor; answered -7') }
      }, route)
      try {
        await opts.audit.write({
          provider: 'click',
          endpoint: `POST ${url}`,
          orderId: typeof form.merchant_trans_id === 'string' ? form.merchant_trans_id : null,
          headers: request.headers,
          ip: request.ip,
          body: form,
          response: answer,
          status: 200,
          now: opts.clock.now()
        }, [opts.secretKey])
      } catch (err) {
        log.warn({ err }, 'could not write the Click audit row')
      }
      return await reply.code(200).type('application/json; charset=utf-8').send(body)
    })
  }
}

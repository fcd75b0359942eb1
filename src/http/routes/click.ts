/**
 * `POST /payments/click/prepare` and `/complete`: Click's SHOP API (specs/click.md), form-encoded
 * (parsed by a raw parser scoped to this plugin), always HTTP 200 JSON. Every call and its
 * answer go to `provider_audit` with the secret key scrubbed: a call that reaches the ledger in
 * the ledger's own transaction (one commit), any other through the audit's in-process queue,
 * written in batches off the request path (issue 18). A call refused before it was trusted
 * (unusable fields, a bad signature) keeps only a capped, hashed summary; bad signatures are
 * counted (issue 19). A body the server will not read (over the body limit, a bad
 * Content-Length) is answered as Click's −8 (HTTP 200), not 413.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { handleClickRequest, type ClickReply } from '../../adapters/click/handle-click-request.js'
import { parseClickBody } from '../../adapters/click/click-form.js'
import type { ClickAnswer } from '../../adapters/click/click-response.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ProviderAudit, ProviderAuditEntry } from '../../usecases/ports-audit.js'
import type { AuditedClickLedger } from '../../usecases/payments/click-ledger.js'
import { countOnly } from '../plugins/rate-limit.js'
import { callSummary, cappedResponse, claimedLength } from './provider-audit-summary.js'

export interface ClickRoutesOptions {
  /** CLICK_SERVICE_ID and CLICK_SECRET_KEY: what a callback's sign_string is checked against. */
  serviceId: string
  secretKey: string
  /** With the Merchant API configured, a payment confirmed too late is reversed automatically. */
  ledger: AuditedClickLedger
  audit: Pick<ProviderAudit, 'record'>
  clock: Clock
  /** Counts a call with a bad signature (`bozor_provider_unauthenticated_total{provider="click"}`). */
  onUnauthenticated?: () => void
}

/** The form and the raw text it was read from (the raw text only for a refused call's summary). */
interface ClickBody { form: Record<string, string>, raw: string }

function isClickBody (body: unknown): body is ClickBody {
  return typeof body === 'object' && body !== null && typeof (body as ClickBody).raw === 'string' && typeof (body as ClickBody).form === 'object'
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
    const raw = typeof body === 'string' ? body : body.toString('utf8')
    done(null, { form: parseClickBody(raw), raw } satisfies ClickBody)
  })

  /** Answers one call (`raw` undefined: a body the server did not read) and audits it. */
  const answer = async (request: FastifyRequest, route: 'prepare' | 'complete', form: Record<string, string>, raw: string | undefined): Promise<ClickReply> => {
    const endpoint = `POST /payments/click/${route}`
    const log = request.log.child({ module: 'click' })
    const entryOf = (response: ClickAnswer, body: unknown, orderId: string | null): ProviderAuditEntry =>
      ({ provider: 'click', endpoint, orderId, headers: request.headers, ip: request.ip, body, response, status: 200, now: opts.clock.now() })
    const orderId = typeof form.merchant_trans_id === 'string' ? form.merchant_trans_id : null
    const reply = await handleClickRequest(form, {
      ledger,
      serviceId: opts.serviceId,
      secretKey: opts.secretKey,
      clock: opts.clock,
      onError: (err, context) => { log.error({ err, ...context }, 'Click call failed inside Bozor; answered -7') },
      audit: { entryFor: (response) => entryOf(response, form, orderId), secrets: [opts.secretKey] }
    }, route)
    if (reply.unauthenticated) opts.onUnauthenticated?.()
    if (reply.refused) {
      const action = typeof form.action === 'string' ? form.action : null
      const summary = callSummary(raw, action, claimedLength(request.headers))
      opts.audit.record({ ...entryOf(reply.answer, summary, null), response: cappedResponse(reply.answer) }, [opts.secretKey])
    } else if (!reply.audited) {
      opts.audit.record(entryOf(reply.answer, form, orderId), [opts.secretKey])
    }
    return reply
  }

  // the body parser's refusals (FST_ERR_CTP_*) answered as a request with no usable fields: −8
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (typeof error.code !== 'string' || !error.code.startsWith('FST_ERR_CTP_')) throw error
    request.log.info({ module: 'click', code: error.code }, 'Click call with a body the server does not read')
    const route = request.url.split('?')[0]?.endsWith('/complete') === true ? 'complete' : 'prepare'
    const { body } = await answer(request, route, {}, undefined)
    return await reply.code(200).type('application/json; charset=utf-8').send(body)
  })

  for (const route of ['prepare', 'complete'] as const) {
    const url = `/payments/click/${route}`
    // counted per calling IP under its own subject (never refused, never spends a customer's /pay quota)
    app.post(url, { preHandler: countOnly('public.ip', (request) => ['cb', 'click', request.ip]) }, async (request, reply) => {
      const body = isClickBody(request.body) ? request.body : { form: {}, raw: '' }
      const { body: text } = await answer(request, route, body.form, body.raw)
      return await reply.code(200).type('application/json; charset=utf-8').send(text)
    })
  }
}

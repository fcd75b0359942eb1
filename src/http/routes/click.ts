/**
 * `POST /payments/click/prepare` and `/complete`: Click's SHOP API (specs/click.md), form-encoded
 * (parsed by a raw parser scoped to this plugin), always HTTP 200 JSON. Every call and its
 * answer go to `provider_audit` with the secret key scrubbed.
 */
import type { FastifyInstance } from 'fastify'
import { handleClickRequest } from '../../adapters/click/handle-click-request.js'
import { parseClickBody } from '../../adapters/click/click-form.js'
import { createClickLedger } from '../../adapters/postgres/click-ledger.js'
import type { Database } from '../../adapters/postgres/database.js'
import { writeProviderAudit } from '../../adapters/postgres/provider-audit.js'
import type { ClickConfig } from '../../config.js'
import type { Clock } from '../../domain/shared/clock.js'
import { countOnly } from '../plugins/rate-limit.js'

export interface ClickRoutesOptions {
  click: ClickConfig
  database: Database
  clock: Clock
}

/**
 * Registers the two Click callbacks (only call it when Click is configured). Both run one
 * handler that dispatches on `action`; the route only picks the answer shape of a request
 * whose `action` is unusable.
 *
 * @example
 * if (config.click !== undefined) await app.register(clickRoutes, { click: config.click, database, clock })
 */
export async function clickRoutes (app: FastifyInstance, opts: ClickRoutesOptions): Promise<void> {
  // with the Merchant API configured, a payment confirmed too late is reversed automatically
  const ledger = createClickLedger(opts.database.db, { autoReverse: opts.click.merchantUserId !== undefined })
  app.removeAllContentTypeParsers()
  // Click sends application/x-www-form-urlencoded; any other type is read as a form too
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseClickBody(typeof body === 'string' ? body : body.toString('utf8')))
  })

  for (const route of ['prepare', 'complete'] as const) {
    const url = `/payments/click/${route}`
    // counted per calling IP under its own subject (never refused, never spends a customer's /pay quota)
    app.post(url, { preHandler: countOnly('public.ip', (request) => ['cb', 'click', request.ip]) }, async (request, reply) => {
      const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, string>
      const log = request.log.child({ module: 'click' })
      const { answer, body } = await handleClickRequest(form, {
        ledger,
        serviceId: opts.click.serviceId,
        secretKey: opts.click.secretKey,
        clock: opts.clock,
        onError: (err, context) => { log.error({ err, ...context }, 'Click call failed inside Bozor; answered -7') }
      }, route)
      try {
        await writeProviderAudit(opts.database.db, {
          provider: 'click',
          endpoint: `POST ${url}`,
          orderId: typeof form.merchant_trans_id === 'string' ? form.merchant_trans_id : null,
          headers: request.headers,
          ip: request.ip,
          body: form,
          response: answer,
          status: 200,
          now: opts.clock.now()
        }, [opts.click.secretKey])
      } catch (err) {
        log.warn({ err }, 'could not write the Click audit row')
      }
      return await reply.code(200).type('application/json; charset=utf-8').send(body)
    })
  }
}

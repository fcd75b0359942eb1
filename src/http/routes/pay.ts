/**
 * `GET /pay/:orderId/:provider`: the link Bozor gives a customer. A payable order redirects
 * (302) to the provider's checkout; otherwise a small HTML page in the customer's language
 * says why (DESIGN.md: 404 unknown, 409 paid or being paid through another provider, 410
 * expired or cancelled, 503 provider unavailable, 429 with `Retry-After` over the `public.ip`
 * limit per IP or the `pay.open` limit per order). Links are signed (`?t=`, compose/pay-links.ts):
 * a missing or wrong signature gets the 404 page, like an unknown order.
 */
import { Type } from 'typebox'
import type { FastifyInstance } from 'fastify'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { Language } from '../../domain/shared/language.js'
import { openPayLink, type PayLinkStore, type PayProvider } from '../../usecases/open-pay-link.js'
import type { PayLinks } from '../../usecases/ports.js'
import { PAY_PAGE_STATUS, renderPayPage, type PayPageReason } from '../views/pay-page.js'

export type { PayProvider }

export interface PayRoutesOptions {
  store: PayLinkStore
  /** Checks a link's signature `t` (a missing or wrong one gets the 404 page). */
  links: Pick<PayLinks, 'verify'>
  /** The configured providers (compose.ts), Stars included when the bot runs. */
  providers: Partial<Record<ProviderName, PayProvider>>
  /** DEFAULT_LANGUAGE: the pages' language when the customer's is unknown. */
  defaultLanguage: Language
  clock: Clock
}

const Params = Type.Object({ orderId: Type.String({ maxLength: 40 }), provider: Type.String({ maxLength: 40 }) })
/** `t`: the link's signature; `result`: where Stripe Checkout sends the customer back (informational). */
const Query = Type.Object({ t: Type.Optional(Type.String({ maxLength: 64 })), result: Type.Optional(Type.String({ maxLength: 20 })) })

/**
 * Registers `GET /pay/:orderId/:provider`.
 *
 * @example
 * await app.register(payRoutes, { store, providers, defaultLanguage: 'en', clock })
 */
export async function payRoutes (app: FastifyInstance, opts: PayRoutesOptions): Promise<void> {
  const fallback = opts.defaultLanguage

  app.get('/pay/:orderId/:provider', {
    schema: { params: Params, querystring: Query },
    // per IP first (bounds the keys and the signature guesses a client can make), then the
    // signature (an unsigned link is the 404 page, and spends no order's quota), then per order
    // (DESIGN.md `pay.open`)
    preHandler: async (request, reply) => {
      const { orderId, provider } = request.params as { orderId: string, provider: string }
      for (const [policy, subject] of [['public.ip', ['ip', request.ip]], ['pay.open', ['o', orderId]]] as const) {
        if (policy === 'pay.open' && !opts.links.verify(orderId, (request.query as { t?: string }).t)) {
          return await reply.code(PAY_PAGE_STATUS.not_found).type('text/html; charset=utf-8').send(renderPayPage({ reason: 'not_found', language: fallback, orderId, provider }))
        }
        const decision = await request.server.rateLimiter.check(policy, subject)
        if (decision.allowed) continue
        // -1 (a cost above the limit) cannot happen for one open; answer a minute anyway
        const waitMs = decision.retryAfterMs < 0 ? 60_000 : decision.retryAfterMs
        const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000))
        return await reply.code(PAY_PAGE_STATUS.rate_limited).header('retry-after', String(retryAfterS)).type('text/html; charset=utf-8')
          .send(renderPayPage({ reason: 'rate_limited', language: fallback, orderId, provider, retryAfterS }))
      }
    }
  }, async (request, reply) => {
    const { orderId, provider } = request.params as { orderId: string, provider: string }
    const page = (reason: PayPageReason, language: Language, other?: string): unknown =>
      reply.code(PAY_PAGE_STATUS[reason]).type('text/html; charset=utf-8').send(renderPayPage({ reason, language, orderId, provider, other }))

    const outcome = await openPayLink({ store: opts.store, providers: opts.providers, defaultLanguage: fallback, now: opts.clock.now() }, { orderId, provider })
    if (outcome.kind === 'redirect') return reply.redirect(outcome.url, 302)
    if (outcome.error !== undefined) {
      request.log.warn({ err: outcome.error, orderId, provider }, 'could not open the provider checkout')
      if (outcome.reason === 'try_again') reply.header('retry-after', '5')
    }
    return page(outcome.reason, outcome.language, outcome.other)
  })
}

/**
 * `GET /pay/:orderId/:provider`: the link Bozor gives a customer. A payable order redirects
 * (302) to the provider's checkout; otherwise a small HTML page in the customer's language
 * says why (DESIGN.md: 404 unknown, 409 paid or being paid through another provider, 410
 * expired or cancelled, 503 provider unavailable, 429 with `Retry-After` over the `public.ip`
 * limit per IP or the `pay.open` limit per order). Providers live in a table so Stripe and
 * Stars can add an entry later.
 */
import { eq } from 'drizzle-orm'
import { Type } from 'typebox'
import type { FastifyInstance } from 'fastify'
import { buildClickCheckoutUrl } from '../../adapters/click/click-checkout-url.js'
import { buildPaymeCheckoutUrl } from '../../adapters/payme/payme-checkout-url.js'
import { loadHoldCandidates } from '../../adapters/postgres/click-ledger.js'
import type { Database } from '../../adapters/postgres/database.js'
import { readOrder } from '../../adapters/postgres/orders-rows.js'
import { customer } from '../../adapters/postgres/schema.js'
import { LANGUAGES, type Config, type Language } from '../../config.js'
import { findHold, payStatus } from '../../domain/orders/hold.js'
import { isWithinStripeBounds } from '../../domain/orders/offered-providers.js'
import { openStripeCheckout, type StripeDeps } from '../../usecases/stripe-payments.js'
import type { Order } from '../../domain/orders/order.js'
import { PROVIDER_NAMES, ProviderError, type ProviderName } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import { isOrderId } from '../../domain/shared/ids.js'
import { PAY_PAGE_STATUS, renderPayPage, type PayPageReason } from '../views/pay-page.js'

/** One provider the pay link can send a customer to. */
export interface PayProvider {
  /** False when the order cannot go to this provider (e.g. Payme and Click take UZS only). */
  accepts(order: Order): boolean
  /** The provider's checkout URL for a payable order. */
  checkoutUrl(order: Order, language: Language): Promise<string> | string
}

/** The configured providers of `config` (Payme, Click and, with its use-case deps, Stripe; Stars adds its own). */
export function payProvidersOf (config: Config, stripe?: StripeDeps): Partial<Record<ProviderName, PayProvider>> {
  const table: Partial<Record<ProviderName, PayProvider>> = {}
  if (config.stripe !== undefined && stripe !== undefined) {
    table.stripe = {
      // not offered while the key is rejected (5 minutes) or outside Stripe's amount bounds
      accepts: (order) => order.total.currency !== 'XTR' && stripe.gateway.available() && isWithinStripeBounds(order.total, config.stripeMinAmounts),
      checkoutUrl: (order) => openStripeCheckout(stripe, order.id)
    }
  }
  const payme = config.payme
  if (payme !== undefined) {
    table.payme = {
      accepts: (order) => order.total.currency === 'UZS',
      checkoutUrl: (order, language) => buildPaymeCheckoutUrl({ checkoutUrl: payme.checkoutUrl, merchantId: payme.merchantId, orderId: order.id, amount: order.total, language })
    }
  }
  const click = config.click
  if (click !== undefined) {
    table.click = {
      accepts: (order) => order.total.currency === 'UZS',
      checkoutUrl: (order) => buildClickCheckoutUrl({ checkoutUrl: click.checkoutUrl, serviceId: click.serviceId, merchantId: click.merchantId, orderId: order.id, amount: order.total, merchantUserId: click.merchantUserId })
    }
  }
  return table
}

export interface PayRoutesOptions {
  config: Config
  database: Database
  clock: Clock
  /** Stripe's use-case deps (when Stripe is configured). */
  stripe?: StripeDeps
  /** Telegram Stars (an invoice link from the bot), when the bot runs. */
  stars?: PayProvider
  /** Overrides {@link payProvidersOf} (tests, sandbox simulators). */
  providers?: Partial<Record<ProviderName, PayProvider>>
}

const Params = Type.Object({ orderId: Type.String({ maxLength: 40 }), provider: Type.String({ maxLength: 40 }) })

async function languageOf (database: Database, telegramId: number, fallback: Language): Promise<Language> {
  const rows = await database.db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
  const language = rows[0]?.language
  return (LANGUAGES as readonly string[]).includes(language ?? '') ? language as Language : fallback
}

/**
 * Registers `GET /pay/:orderId/:provider`.
 *
 * @example
 * await app.register(payRoutes, { config, database, clock })
 */
export async function payRoutes (app: FastifyInstance, opts: PayRoutesOptions): Promise<void> {
  const providers = opts.providers ?? { ...payProvidersOf(opts.config, opts.stripe), ...(opts.stars !== undefined ? { stars: opts.stars } : {}) }
  const fallback = opts.config.bot.defaultLanguage

  app.get('/pay/:orderId/:provider', {
    schema: { params: Params },
    // per IP first (bounds the keys a client can make), then per order (DESIGN.md `pay.open`)
    preHandler: async (request, reply) => {
      const { orderId, provider } = request.params as { orderId: string, provider: string }
      for (const [policy, subject] of [['public.ip', ['ip', request.ip]], ['pay.open', ['o', orderId]]] as const) {
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

    const order = isOrderId(orderId) ? await readOrder(opts.database.db, orderId) : undefined
    if (order === undefined || !(PROVIDER_NAMES as readonly string[]).includes(provider)) return page('not_found', fallback)
    const language = await languageOf(opts.database, order.customer.telegramId, fallback)
    const entry = providers[provider as ProviderName]
    if (entry === undefined || !entry.accepts(order)) return page('unavailable', language)

    const now = opts.clock.now()
    const candidates = await loadHoldCandidates(opts.database.db, order.id)
    const status = payStatus(order, candidates, now)
    if (status === 'held') {
      const hold = findHold(candidates, now)
      // a customer reopening the link of the provider already holding the order goes back to it
      if (hold !== undefined && hold.provider !== provider) return page('being_paid', language, hold.provider)
    } else if (status !== 'payable') {
      return page(status, language)
    }
    let url: string
    try {
      url = await entry.checkoutUrl(order, language)
    } catch (error) {
      // the provider refused or failed (Stripe timeout, key rejected, amount refused): the
      // order is left payable and the customer may retry or choose another provider
      request.log.warn({ err: error, orderId, provider }, 'could not open the provider checkout')
      // a busy or unreachable provider (after the SDK's own retries) is worth another try
      const transient = error instanceof ProviderError && error.code === 'ERR_PAYMENT_RETRY'
      if (transient) reply.header('retry-after', '5')
      return page(transient ? 'try_again' : 'unavailable', language)
    }
    return reply.redirect(url, 302)
  })
}

/**
 * `POST /payments/stripe/webhook` (specs/stripe.md §6.6): its own encapsulated plugin whose
 * only body parser hands the raw bytes to `constructEvent` (STYLE R2). A bad or missing
 * signature, a tampered body, a stale timestamp or a livemode mismatch answers 400 and changes
 * nothing; a verified event is recorded once by id and applied in one transaction (a repeat
 * answers 200 and does nothing); an unknown order or type answers 200 with a log line, and so
 * does a signed event whose object is malformed (recorded as ignored, warned about once); only a
 * failure of ours answers 5xx, so Stripe retries.
 */
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { MALFORMED, translateStripeEvent, verifyStripeWebhook, StripeWebhookRejected } from '../../adapters/stripe/stripe-webhook.js'
import { DomainError } from '../../domain/shared/errors.js'
import { handleStripeEvent, type StripeDeps } from '../../usecases/stripe-payments.js'

export const STRIPE_WEBHOOK_PATH = '/payments/stripe/webhook'

export interface StripeWebhookOptions {
  stripe: StripeDeps
  webhookSecret: string
  /** True for an `sk_live_` key: events must then be live (and test events otherwise). */
  live: boolean
}

/**
 * @example
 * await app.register(stripeWebhookRoutes, { stripe: stripeDeps, webhookSecret: config.stripe.webhookSecret, live: false })
 */
export async function stripeWebhookRoutes (app: FastifyInstance, opts: StripeWebhookOptions): Promise<void> {
  // scoped to this plugin: the body arrives as the exact bytes Stripe signed
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })

  app.post(STRIPE_WEBHOOK_PATH, {
    schema: { response: { 200: Type.Object({ received: Type.Boolean() }) } }
  }, async (request, reply) => {
    const log = request.log.child({ module: 'stripe-webhook' })
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    let event
    try {
      event = verifyStripeWebhook(raw, request.headers['stripe-signature'], { secret: opts.webhookSecret, live: opts.live, nowMs: opts.stripe.clock.now() })
    } catch (error) {
      if (!(error instanceof StripeWebhookRejected)) throw error
      log.warn({ reason: error.message }, 'Stripe webhook refused')
      throw new DomainError('ERR_BAD_REQUEST', error.message)
    }
    const translated = translateStripeEvent(event)
    const outcome = await handleStripeEvent(opts.stripe, translated)
    // said once: a repeat of the same event is a duplicate and passes quietly
    if (translated.type === 'ignored' && translated.eventType.endsWith(MALFORMED) && !outcome.duplicate) {
      log.warn({ eventId: event.id, type: event.type }, 'Stripe event ignored: its object is not what its type promises')
    }
    log.info({ eventId: event.id, type: event.type, duplicate: outcome.duplicate, note: outcome.note }, 'Stripe event handled')
    return await reply.code(200).send({ received: true })
  })
}

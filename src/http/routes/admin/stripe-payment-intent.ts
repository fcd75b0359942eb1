/**
 * `POST /api/v1/orders/:id/stripe/payment-intent` with `{"paymentMethod"?: "pm_…"}` and
 * `GET` of the same path (DESIGN.md): a PaymentIntent for a merchant's own front end. Creates
 * (or reuses an unfinished) intent and confirms it when a PaymentMethod is given; a decline
 * answers 200 with `error` (`code`, `declineCode`, `message` for the customer). The order
 * becomes paid only through the webhook.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { DomainError } from '../../../domain/shared/errors.js'
import { readStripePaymentIntent, stripePaymentIntent, type StripeDeps } from '../../../usecases/stripe-payments.js'
import { ADMIN_PROBLEMS, OrderParams, PaymentIntent, PaymentIntentBody } from '../../schemas/admin.js'

export async function stripePaymentIntentRoutes (app: FastifyInstance, options: { stripe?: StripeDeps }): Promise<void> {
  const deps = (): StripeDeps => {
    if (options.stripe === undefined) throw new DomainError('ERR_PAYMENT_PROVIDER_NOT_OFFERED', 'Stripe is not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)', { provider: 'stripe' })
    return options.stripe
  }

  app.post('/orders/:id/stripe/payment-intent', {
    schema: { operationId: 'createStripePaymentIntent', tags: ['orders'], summary: 'Create (and confirm) a Stripe PaymentIntent for an order', params: OrderParams, body: PaymentIntentBody, response: { 200: PaymentIntent, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const body = request.body as Static<typeof PaymentIntentBody>
    return await stripePaymentIntent(deps(), id, body?.paymentMethod)
  })

  app.get('/orders/:id/stripe/payment-intent', {
    schema: { operationId: 'getStripePaymentIntent', tags: ['orders'], summary: 'The order\'s Stripe PaymentIntent', params: OrderParams, response: { 200: PaymentIntent, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    return await readStripePaymentIntent(deps(), id)
  })
}

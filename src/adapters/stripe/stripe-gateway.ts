/**
 * The {@link StripeGateway} port over the official SDK (specs/stripe.md §2, §3, §7, §9, §10):
 * explicit idempotency keys, amounts converted in one place, typed errors mapped to the
 * catalog, and a per-instance breaker: after a 401/403 Stripe is not offered for 5 minutes
 * (each new 401/403 restarts them), then the next call tries again.
 *
 * @example
 * const gateway = createStripeGateway({ stripe: createStripeClient(config.stripe), clock, logger, minAmounts: config.stripeMinAmounts })
 * const session = await gateway.createCheckoutSession(draft)
 */
import type Stripe from 'stripe'
import { ProviderError } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { Money } from '../../domain/shared/money.js'
import type { CheckoutSessionInfo, PaymentIntentInfo, StripeGateway } from '../../usecases/ports-stripe.js'
import { fromStripeAmount, toStripeAmount, toStripeUnits } from './stripe-amount.js'
import { declineMessage, fromStripeError, isAuthError } from './stripe-errors.js'
import { buildMetadata } from './stripe-metadata.js'

/** How long Stripe is not offered after an authentication error. */
export const STRIPE_DISABLE_MS = 5 * 60_000

interface GatewayLogger {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
}

export interface StripeGatewayOptions {
  stripe: Stripe
  clock: Clock
  logger: GatewayLogger
  /** `STRIPE_MIN_AMOUNTS` merged over the defaults. */
  minAmounts: Readonly<Record<string, number>>
  disableMs?: number
}

function sessionInfo (s: Stripe.Checkout.Session): CheckoutSessionInfo {
  return {
    id: s.id,
    url: s.url ?? null,
    status: (s.status ?? 'open') as CheckoutSessionInfo['status'],
    paid: s.payment_status === 'paid',
    paymentIntentId: typeof s.payment_intent === 'string' ? s.payment_intent : s.payment_intent?.id ?? null,
    expiresAt: s.expires_at * 1000,
    amountTotal: s.amount_total === null || s.currency === null ? null : fromStripeAmount(s.amount_total, s.currency)
  }
}

function intentInfo (pi: Stripe.PaymentIntent): PaymentIntentInfo {
  const info: PaymentIntentInfo = { id: pi.id, status: pi.status, clientSecret: pi.client_secret ?? null }
  const url = pi.next_action?.redirect_to_url?.url
  if (url !== undefined && url !== null) info.nextActionUrl = url
  return info
}

export function createStripeGateway (options: StripeGatewayOptions): StripeGateway {
  const { stripe, clock } = options
  const log = options.logger
  const disableMs = options.disableMs ?? STRIPE_DISABLE_MS
  let disabledUntil = 0

  const disabledError = (): ProviderError => new ProviderError('stripe',
    `Stripe is not offered until ${new Date(disabledUntil).toISOString()} after an authentication error; check STRIPE_SECRET_KEY`,
    { code: 'ERR_PAYMENT_PROVIDER_DISABLED', details: { retryAt: disabledUntil } })

  /** Runs one API call behind the breaker and maps its error. */
  async function call<T> (operation: string, ids: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    if (clock.now() < disabledUntil) throw disabledError()
    try {
      return await work()
    } catch (error) {
      const mapped = fromStripeError(error, operation, ids)
      if (isAuthError(error)) {
        disabledUntil = clock.now() + disableMs
        // loud on purpose: every payment through Stripe fails until the key is fixed
        log.error({ module: 'stripe', alert: true, operation, ...ids, requestId: mapped.details.requestId }, 'STRIPE AUTHENTICATION FAILED: the API key was rejected; Stripe is not offered for 5 minutes. Fix STRIPE_SECRET_KEY.')
      } else if (mapped.details.stripeType === 'StripeIdempotencyError') {
        log.error({ module: 'stripe', operation, ...ids, requestId: mapped.details.requestId }, 'Stripe idempotency conflict: a key was reused with other parameters (a bug)')
      } else if (mapped.code === 'ERR_PAYMENT_DECLINED') {
        log.info({ module: 'stripe', operation, ...ids, stripeCode: mapped.details.stripeCode, declineCode: mapped.details.declineCode }, 'Stripe card declined')
      } else if (mapped.code === 'ERR_PAYMENT_RETRY' || mapped.code === 'ERR_PAYMENT_AMOUNT_TOO_SMALL' || mapped.code === 'ERR_PAYMENT_STATE') {
        log.warn({ module: 'stripe', operation, ...ids, code: mapped.code, requestId: mapped.details.requestId, err: error }, 'Stripe call failed')
      } else {
        log.error({ module: 'stripe', operation, ...ids, code: mapped.code, requestId: mapped.details.requestId, param: mapped.details.param, err: error }, 'Stripe refused a request')
      }
      throw mapped
    }
  }

  const checkAmount = (total: Money): { amount: number, currency: string } => toStripeAmount(total, options.minAmounts)

  return {
    available: () => clock.now() >= disabledUntil,
    checkAmount (total) { checkAmount(total) },

    async createCheckoutSession (draft) {
      const total = checkAmount(draft.total)
      const lines = draft.lines.map((line) => ({ ...toStripeUnits(line.unitAmount), name: line.name, quantity: line.quantity }))
      const params: Stripe.Checkout.SessionCreateParams = {
        mode: 'payment',
        line_items: lines.map((line) => ({
          price_data: { currency: total.currency, unit_amount: line.amount, product_data: { name: line.name.slice(0, 250) } },
          quantity: line.quantity
        })),
        client_reference_id: draft.orderId,
        metadata: buildMetadata({ order_id: draft.orderId, attempt: String(draft.attempt) }),
        payment_intent_data: { metadata: buildMetadata({ order_id: draft.orderId }) },
        success_url: draft.successUrl,
        cancel_url: draft.cancelUrl,
        expires_at: Math.floor(draft.expiresAt / 1000)
      }
      const ids = { orderId: draft.orderId, idempotencyKey: draft.idempotencyKey }
      return sessionInfo(await call('checkout.sessions.create', ids, () => stripe.checkout.sessions.create(params, { idempotencyKey: draft.idempotencyKey })))
    },

    async retrieveCheckoutSession (id) {
      return sessionInfo(await call('checkout.sessions.retrieve', { sessionId: id }, () => stripe.checkout.sessions.retrieve(id)))
    },

    async expireCheckoutSession (id) {
      return sessionInfo(await call('checkout.sessions.expire', { sessionId: id }, () => stripe.checkout.sessions.expire(id)))
    },

    async createPaymentIntent (input) {
      const amount = checkAmount(input.amount)
      const params: Stripe.PaymentIntentCreateParams = {
        amount: amount.amount,
        currency: amount.currency,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        metadata: buildMetadata({ order_id: input.orderId })
      }
      const ids = { orderId: input.orderId, idempotencyKey: input.idempotencyKey }
      return intentInfo(await call('paymentIntents.create', ids, () => stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey })))
    },

    async confirmPaymentIntent (id, paymentMethod) {
      const idempotencyKey = `pi-confirm:${id}:${paymentMethod}`
      try {
        return intentInfo(await call('paymentIntents.confirm', { paymentIntentId: id }, () => stripe.paymentIntents.confirm(id, { payment_method: paymentMethod }, { idempotencyKey })))
      } catch (error) {
        if (!(error instanceof ProviderError) || error.code !== 'ERR_PAYMENT_DECLINED') throw error
        const code = String(error.details.stripeCode ?? 'card_declined')
        const declineCode = typeof error.details.declineCode === 'string' && error.details.declineCode !== '' ? error.details.declineCode : null
        const cause = error.cause as { payment_intent?: Stripe.PaymentIntent } | undefined
        const base = cause?.payment_intent !== undefined ? intentInfo(cause.payment_intent) : { id, status: 'requires_payment_method', clientSecret: null }
        return { ...base, error: { code, declineCode, message: declineMessage(code, declineCode) } }
      }
    },

    async retrievePaymentIntent (id) {
      const pi = await call('paymentIntents.retrieve', { paymentIntentId: id }, () => stripe.paymentIntents.retrieve(id))
      const info = intentInfo(pi)
      const e = pi.last_payment_error
      if (e !== null && e !== undefined && pi.status === 'requires_payment_method') {
        const code = e.code ?? 'card_declined'
        const declineCode = e.decline_code ?? null
        info.error = { code, declineCode, message: declineMessage(code, declineCode) }
      }
      return info
    },

    async refundedAmount (paymentIntentId) {
      const pi = await call('paymentIntents.retrieve', { paymentIntentId }, () => stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }))
      const charge = pi.latest_charge
      if (charge === null || typeof charge === 'string') return null
      return fromStripeAmount(charge.amount_refunded, charge.currency)
    },

    async createRefund (input) {
      const amount = toStripeUnits(input.amount)
      const params: Stripe.RefundCreateParams = {
        payment_intent: input.paymentIntentId,
        amount: amount.amount,
        metadata: buildMetadata({ order_id: input.orderId, refund_id: input.idempotencyKey.replace(/^refund:/, '') }),
        ...(input.reason === 'duplicate' || input.reason === 'fraudulent' || input.reason === 'requested_by_customer' ? { reason: input.reason } : {})
      }
      const ids = { orderId: input.orderId, paymentIntentId: input.paymentIntentId, idempotencyKey: input.idempotencyKey }
      const refund = await call('refunds.create', ids, () => stripe.refunds.create(params, { idempotencyKey: input.idempotencyKey }))
      return { id: refund.id, status: refund.status ?? 'succeeded' }
    }
  }
}

/**
 * Stripe use cases (specs/stripe.md): the hosted checkout behind `GET /pay/:orderId/stripe`,
 * direct PaymentIntents for a merchant's own front end, webhook events, refunds sent after
 * commit, and closing open sessions before an order expires. The ledger records intent in a
 * transaction; the gateway is called after commit (STYLE R8); a timeout leaves the attempt
 * `creating`, so the next try replays the same idempotency key and parameters.
 *
 * @example
 * const url = await openStripeCheckout({ ledger, gateway, payUrl, clock }, '1042')
 */
import { ProviderError } from '../domain/payments/payment.js'
import type { Clock } from '../domain/shared/clock.js'
import { DomainError } from '../domain/shared/errors.js'
import type {
  BeginCheckout, CheckoutDraft, CheckoutSessionInfo, PaymentIntentInfo, StripeAttempt, StripeEventOutcome,
  StripeGateway, StripeLedger, StripeWebhookEvent
} from './ports-stripe.js'

export interface StripeDeps {
  ledger: StripeLedger
  gateway: StripeGateway
  clock: Clock
  /** The order's signed pay link for Stripe (Checkout's success and cancel pages lead back to it). */
  payUrl: (orderId: string) => string
  logger?: { warn(obj: object, msg: string): void, error(obj: object, msg: string): void, info(obj: object, msg: string): void }
}

/** Codes after which the same attempt can never succeed: the next try starts a new one. */
const DEFINITIVE = new Set(['ERR_PAYMENT_PROVIDER', 'ERR_PAYMENT_AMOUNT_TOO_SMALL', 'ERR_PAYMENT_AMOUNT_TOO_LARGE', 'ERR_PAYMENT_AMOUNT_INVALID', 'ERR_PAYMENT_STATE'])

function draftOf (deps: StripeDeps, plan: Extract<BeginCheckout, { kind: 'create' }>): CheckoutDraft {
  const { order, attempt } = plan
  const payUrl = deps.payUrl(order.id)
  return {
    orderId: order.id,
    attempt: attempt.attempt,
    idempotencyKey: attempt.idempotencyKey,
    lines: order.items.map((item) => ({ name: plan.titles.get(item.productId) ?? item.productId, unitAmount: item.price, quantity: item.quantity })),
    total: order.total,
    expiresAt: attempt.expiresAt ?? deps.clock.now(),
    successUrl: `${payUrl}&result=success`,
    cancelUrl: `${payUrl}&result=cancel`
  }
}

async function createSession (deps: StripeDeps, plan: Extract<BeginCheckout, { kind: 'create' }>): Promise<CheckoutSessionInfo> {
  try {
    const session = await deps.gateway.createCheckoutSession(draftOf(deps, plan))
    await deps.ledger.checkoutCreated(plan.attempt.id, session, deps.clock.now())
    return session
  } catch (error) {
    if (error instanceof ProviderError && DEFINITIVE.has(error.code)) {
      await deps.ledger.attemptFailed(plan.attempt.id, { code: error.code, ...error.details }, deps.clock.now())
    }
    // anything else (timeout, 5xx, rate limit, key rejected) keeps the attempt `creating`:
    // the next try sends the same key and body, so Stripe holds one session
    throw error
  }
}

/**
 * The Checkout Session URL for a payable order: the stored open session while it has a few
 * minutes left, otherwise a new one (next attempt). Refuses an amount outside Stripe's bounds
 * before any call. Throws `DomainError` (order state) or `ProviderError` (Stripe).
 */
export async function openStripeCheckout (deps: StripeDeps, orderId: string): Promise<string> {
  const plan = await deps.ledger.beginCheckout({ orderId, now: deps.clock.now() })
  if (plan.kind === 'reuse') return plan.url
  if (plan.kind === 'refuse') {
    throw new DomainError(plan.status === 'unknown' ? 'ERR_ORDER_NOT_FOUND' : plan.status === 'expired' ? 'ERR_ORDER_EXPIRED' : plan.status === 'held' ? 'ERR_ORDER_HELD' : 'ERR_ORDER_STATE',
      `Order ${orderId} cannot be paid through Stripe now (${plan.status})`, { orderId, status: plan.status })
  }
  deps.gateway.checkAmount(plan.order.total)
  const session = await createSession(deps, plan)
  if (session.status !== 'open' || session.url === null) {
    throw new ProviderError('stripe', `Checkout Session ${session.id} of order ${orderId} is ${session.status}`, { code: 'ERR_PAYMENT_STATE', details: { orderId, sessionId: session.id } })
  }
  return session.url
}

/** Answer of the payment-intent admin route (DESIGN.md). */
export interface PaymentIntentAnswer {
  id: string
  status: string
  clientSecret: string | null
  nextAction?: { type: 'redirect_to_url', url: string }
  error?: { code: string, declineCode: string | null, message: string }
}

function answerOf (info: PaymentIntentInfo): PaymentIntentAnswer {
  const answer: PaymentIntentAnswer = { id: info.id, status: info.status, clientSecret: info.clientSecret }
  if (info.nextActionUrl !== undefined) answer.nextAction = { type: 'redirect_to_url', url: info.nextActionUrl }
  if (info.error !== undefined) answer.error = info.error
  return answer
}

/**
 * Creates (or reuses an unfinished) PaymentIntent for the order, and confirms it when a
 * PaymentMethod is given. A decline answers with `error` (the intent goes back to
 * `requires_payment_method` and can be confirmed again); the order becomes paid only through
 * the webhook.
 */
export async function stripePaymentIntent (deps: StripeDeps, orderId: string, paymentMethod?: string): Promise<PaymentIntentAnswer> {
  let plan = await deps.ledger.beginPaymentIntent({ orderId, now: deps.clock.now() })
  let info: PaymentIntentInfo | undefined
  if (plan.kind === 'reuse') {
    info = await deps.gateway.retrievePaymentIntent(plan.attempt.paymentIntentId!)
    // a cancelled intent is dead; a succeeded one is the answer
    if (info.status === 'canceled') {
      plan = await deps.ledger.beginPaymentIntent({ orderId, now: deps.clock.now(), forceNew: true })
      info = undefined
    }
  }
  if (plan.kind === 'create') {
    const attempt: StripeAttempt = plan.attempt
    deps.gateway.checkAmount(plan.order.total)
    try {
      info = await deps.gateway.createPaymentIntent({ orderId, amount: plan.order.total, idempotencyKey: attempt.idempotencyKey })
    } catch (error) {
      if (error instanceof ProviderError && DEFINITIVE.has(error.code)) await deps.ledger.attemptFailed(attempt.id, { code: error.code }, deps.clock.now())
      throw error
    }
    await deps.ledger.intentCreated(attempt.id, info.id, deps.clock.now())
  }
  if (info === undefined) throw new Error('unreachable: no PaymentIntent')
  if (paymentMethod !== undefined && info.status !== 'succeeded' && info.status !== 'processing') {
    info = await deps.gateway.confirmPaymentIntent(info.id, paymentMethod)
  }
  return answerOf(info)
}

/** The order's latest PaymentIntent as the route shows it; 404 when it has none. */
export async function readStripePaymentIntent (deps: StripeDeps, orderId: string): Promise<PaymentIntentAnswer> {
  const attempt = await deps.ledger.latestPaymentIntent(orderId)
  if (attempt?.paymentIntentId === null || attempt?.paymentIntentId === undefined) {
    throw new DomainError('ERR_PAYMENT_NOT_FOUND', `Order ${orderId} has no Stripe PaymentIntent`, { orderId })
  }
  return answerOf(await deps.gateway.retrievePaymentIntent(attempt.paymentIntentId))
}

/**
 * Sends one pending refund row to Stripe with key `refund:<id>`. Success (or Stripe saying the
 * charge is already refunded by that amount) records it; a definitive refusal marks it failed;
 * a timeout or 5xx leaves it pending for the retry job (same key: one refund at Stripe).
 */
export async function sendStripeRefund (deps: StripeDeps, refundId: string): Promise<'succeeded' | 'failed' | 'pending' | 'gone'> {
  const refund = await deps.ledger.refundToSend(refundId)
  if (refund === undefined) return 'gone'
  try {
    const result = await deps.gateway.createRefund({ paymentIntentId: refund.paymentIntentId, amount: refund.amount, idempotencyKey: `refund:${refund.id}`, orderId: refund.orderId, reason: refund.reason ?? undefined })
    if (result.status === 'failed' || result.status === 'canceled') {
      await deps.ledger.refundFailed(refund.id, { code: `refund_${result.status}`, refund: result.id }, deps.clock.now())
      return 'failed'
    }
    await deps.ledger.refundSucceeded(refund.id, result.id, deps.clock.now())
    return 'succeeded'
  } catch (error) {
    if (error instanceof ProviderError && DEFINITIVE.has(error.code)) {
      await deps.ledger.refundFailed(refund.id, { code: error.code, stripeCode: error.details.stripeCode ?? null }, deps.clock.now())
      throw error
    }
    throw error
  }
}

/**
 * A `charge.refunded` carries the charge as it was when the event was made; one delivered late
 * (after a refund it counted has failed, say) would count that refund again. The charge is re-read
 * and its refunded total now is what the ledger compares with. A failed re-read throws: the
 * webhook answers 503 and Stripe delivers the event again.
 */
async function current (deps: StripeDeps, event: StripeWebhookEvent): Promise<StripeWebhookEvent> {
  if (event.type !== 'charge.refunded' || event.paymentIntentId === null) return event
  const refunded = await deps.gateway.refundedAmount(event.paymentIntentId)
  return refunded === null ? event : { ...event, amountRefunded: refunded }
}

/**
 * Applies a verified webhook event; then sends the refunds it started (automatic refunds of
 * payments for orders no longer payable). A failed send stays pending for the retry job.
 */
export async function handleStripeEvent (deps: StripeDeps, event: StripeWebhookEvent): Promise<StripeEventOutcome> {
  const outcome = await deps.ledger.applyEvent(await current(deps, event), deps.clock.now())
  for (const refundId of outcome.refundsToSend) {
    try {
      await sendStripeRefund(deps, refundId)
    } catch (error) {
      deps.logger?.warn({ module: 'stripe', refundId, err: error }, 'automatic Stripe refund not sent yet; the job retries it')
    }
  }
  return outcome
}

/** Sends again the refunds still pending after `ageMs` (crash or timeout), same keys. */
export async function retryPendingStripeRefunds (deps: StripeDeps, ageMs = 60_000): Promise<number> {
  const ids = await deps.ledger.pendingRefunds(deps.clock.now() - ageMs, 20)
  let sent = 0
  for (const id of ids) {
    try {
      if (await sendStripeRefund(deps, id) === 'succeeded') sent++
    } catch (error) {
      deps.logger?.warn({ module: 'stripe', refundId: id, err: error }, 'pending Stripe refund still not sent')
    }
  }
  return sent
}

/**
 * Before the expiry job expires orders: every open (or maybe-created) Checkout Session of a
 * due pending order is expired through the API first (specs/stripe.md 26a). Returns the ids of
 * orders that must stay pending this run (the call failed, or the session was found paid and
 * the order is now paid). A session found completed and paid is recorded as the payment.
 */
export async function closeDueStripeCheckouts (deps: StripeDeps): Promise<Set<string>> {
  const now = deps.clock.now()
  const keep = new Set<string>()
  for (const due of await deps.ledger.liveCheckoutsDue(now)) {
    const { attempt, order } = due
    try {
      let sessionId = attempt.sessionId
      if (attempt.status === 'creating' || sessionId === null) {
        // the create may have reached Stripe: replaying the key tells us (and if it never did,
        // the session made now is expired right away)
        if (attempt.expiresAt === null || attempt.expiresAt - now < 30 * 60_000) {
          await deps.ledger.attemptStatus(attempt.id, 'failed', now)
          continue
        }
        const created = await deps.gateway.createCheckoutSession(draftOf(deps, { kind: 'create', attempt, order, titles: due.titles }))
        await deps.ledger.checkoutCreated(attempt.id, created, now)
        sessionId = created.id
      }
      let session: CheckoutSessionInfo
      try {
        session = await deps.gateway.expireCheckoutSession(sessionId)
      } catch (error) {
        if (!(error instanceof ProviderError) || error.code !== 'ERR_PAYMENT_STATE') throw error
        session = await deps.gateway.retrieveCheckoutSession(sessionId)
      }
      await deps.ledger.checkoutCreated(attempt.id, session, now)
      if (session.status === 'complete' && session.paid && session.paymentIntentId !== null && session.amountTotal !== null) {
        const outcome = await deps.ledger.recordCheckoutPayment({ orderId: order.id, sessionId, paymentIntentId: session.paymentIntentId, amount: session.amountTotal, now })
        for (const id of outcome.refundsToSend) await sendStripeRefund(deps, id).catch(() => undefined)
        keep.add(order.id)
      } else if (session.status === 'complete') {
        keep.add(order.id) // a delayed payment is settling: its webhook decides
      }
    } catch (error) {
      keep.add(order.id)
      deps.logger?.warn({ module: 'stripe', orderId: order.id, attemptId: attempt.id, err: error }, 'could not expire the Checkout Session; the order stays pending until the next run')
    }
  }
  return keep
}

/**
 * The Stripe entry of the refund table: writes (or reuses) the pending refund row, sends it
 * with key `refund:<id>`, and resolves once the ledger recorded it. A timeout throws
 * ERR_PAYMENT_RETRY and leaves the row pending: retrying the request reuses the key.
 */
export function stripeRefundProvider (deps: StripeDeps): (request: { order: { id: string }, amount: number, reason: string }) => Promise<void> {
  return async (request) => {
    const refundId = await deps.ledger.beginRefund({ orderId: request.order.id, amount: request.amount, reason: request.reason, now: deps.clock.now() })
    await sendStripeRefund(deps, refundId)
  }
}

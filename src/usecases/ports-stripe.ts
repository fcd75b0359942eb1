/**
 * Ports of the Stripe use cases (specs/stripe.md): the API gateway (implemented over the
 * official SDK in src/adapters/stripe/stripe-gateway.ts) and the ledger (PostgreSQL/PGlite in
 * src/usecases/payments/stripe-ledger.ts). Vendor types never cross them (STYLE R5).
 */
import type { Order } from '../domain/orders/order.js'
import type { PayStatus } from '../domain/orders/hold.js'
import type { Money } from '../domain/shared/money.js'

/** What a Checkout Session is created from; deterministic per attempt (the key replays it). */
export interface CheckoutDraft {
  orderId: string
  attempt: number
  /** `checkout:<orderId>:<attempt>`. */
  idempotencyKey: string
  lines: Array<{ name: string, unitAmount: Money, quantity: number }>
  total: Money
  /** ms since the epoch; Stripe wants 30 min..24 h after creation. */
  expiresAt: number
  successUrl: string
  cancelUrl: string
}

export interface CheckoutSessionInfo {
  id: string
  url: string | null
  status: 'open' | 'complete' | 'expired'
  paid: boolean
  paymentIntentId: string | null
  /** ms. */
  expiresAt: number
  amountTotal: Money | null
}

/** A card error as the payment-intent route returns it (DESIGN.md). */
export interface CardError { code: string, declineCode: string | null, message: string }

export interface PaymentIntentInfo {
  id: string
  status: string
  clientSecret: string | null
  /** Where the customer must go (3-D Secure), when `status` is `requires_action`. */
  nextActionUrl?: string
  /** Set on a decline (the intent is back in `requires_payment_method`). */
  error?: CardError
}

/**
 * The Stripe API as the use cases need it. Every method throws `ProviderError` with a catalog
 * code (ERR_PAYMENT_AMOUNT_*, ERR_PAYMENT_DECLINED, ERR_PAYMENT_PROVIDER_DISABLED,
 * ERR_PAYMENT_RETRY, ERR_PAYMENT_STATE, ERR_PAYMENT_PROVIDER) and `details.stripe*` fields.
 */
export interface StripeGateway {
  /** False while Stripe is not offered (5 minutes after an authentication error). */
  available(): boolean
  /** Refuses, before any call, a total outside the currency's minimum or the 8-digit cap. */
  checkAmount(total: Money): void
  createCheckoutSession(draft: CheckoutDraft): Promise<CheckoutSessionInfo>
  retrieveCheckoutSession(id: string): Promise<CheckoutSessionInfo>
  /** Expires an open session; a session that is not open throws `ERR_PAYMENT_STATE`. */
  expireCheckoutSession(id: string): Promise<CheckoutSessionInfo>
  createPaymentIntent(input: { orderId: string, amount: Money, idempotencyKey: string }): Promise<PaymentIntentInfo>
  /** Confirms with a PaymentMethod id; a card decline answers with `error` set (no throw). */
  confirmPaymentIntent(id: string, paymentMethod: string): Promise<PaymentIntentInfo>
  retrievePaymentIntent(id: string): Promise<PaymentIntentInfo>
  /** What the PaymentIntent's charge has refunded now (`amount_refunded`); null without a charge. */
  refundedAmount(paymentIntentId: string): Promise<Money | null>
  createRefund(input: { paymentIntentId: string, amount: Money, idempotencyKey: string, orderId: string, reason?: string }): Promise<{ id: string, status: string }>
}

/** One Stripe attempt row (`stripe_attempt`). */
export interface StripeAttempt {
  id: number
  orderId: string
  kind: 'checkout' | 'payment_intent'
  attempt: number
  idempotencyKey: string
  status: 'creating' | 'open' | 'complete' | 'expired' | 'failed'
  sessionId: string | null
  paymentIntentId: string | null
  url: string | null
  expiresAt: number | null
}

export type BeginCheckout =
  | { kind: 'refuse', status: Exclude<PayStatus, 'payable'> | 'unknown' }
  | { kind: 'reuse', url: string }
  | { kind: 'create', attempt: StripeAttempt, order: Order, titles: ReadonlyMap<string, string> }

export type BeginPaymentIntent =
  | { kind: 'reuse', attempt: StripeAttempt }
  | { kind: 'create', attempt: StripeAttempt, order: Order }

/**
 * A Stripe event translated into the core's vocabulary (specs/stripe.md §6.3). Amounts are in
 * Bozor's minor units (converted back by the adapter); `at` is the event's `created` (ms).
 */
export type StripeWebhookEvent =
  | { type: 'checkout.completed', eventId: string, at: number, orderId: string | null, sessionId: string, paid: boolean, paymentIntentId: string | null, amount: Money | null }
  | { type: 'checkout.async_failed', eventId: string, at: number, orderId: string | null, sessionId: string }
  | { type: 'checkout.expired', eventId: string, at: number, orderId: string | null, sessionId: string }
  | { type: 'intent.succeeded', eventId: string, at: number, orderId: string | null, paymentIntentId: string, amount: Money }
  | { type: 'intent.failed', eventId: string, at: number, orderId: string | null, paymentIntentId: string, error: CardError | null }
  | { type: 'charge.refunded', eventId: string, at: number, orderId: string | null, paymentIntentId: string | null, amountRefunded: Money }
  | {
    /** `refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated`: a Refund's status. */
    type: 'refund.status'
    eventId: string
    at: number
    eventType: string
    orderId: string | null
    /** Stripe's id (`re_…`). */
    refundId: string
    /** Our ledger row (`led_…`) from the refund's `metadata.refund_id`, when we sent it. */
    ledgerRefundId: string | null
    paymentIntentId: string | null
    status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled'
    amount: Money
    failureReason: string | null
  }
  | {
    /** `charge.dispute.created` / `charge.dispute.closed`. */
    type: 'dispute.created' | 'dispute.closed'
    eventId: string
    at: number
    orderId: string | null
    disputeId: string
    paymentIntentId: string | null
    chargeId: string | null
    amount: Money
    reason: string
    /** `needs_response`, `won`, `lost`, … as Stripe says. */
    status: string
    /** ms; when evidence is due (created disputes). */
    dueBy: number | null
  }
  | { type: 'ignored', eventId: string, at: number, eventType: string }

/** What the ledger did with an event. */
export interface StripeEventOutcome {
  /** True when the event id was already recorded: nothing was done. */
  duplicate: boolean
  /** A short line for the log (`paid`, `unknown order`, `refund started`, …). */
  note: string
  /** Refund rows (`led_…`) the ledger created for payments that must go back (send them after commit). */
  refundsToSend: string[]
}

/** A refund ready to be sent to Stripe. */
export interface RefundToSend { id: string, orderId: string, paymentIntentId: string, amount: Money, reason: string | null }

/** The Stripe part of the ledger. Each method is one database transaction with row locks. */
export interface StripeLedger {
  beginCheckout(input: { orderId: string, now: number }): Promise<BeginCheckout>
  /** The session exists at Stripe: the attempt becomes `open` (or whatever the session says). */
  checkoutCreated(attemptId: number, session: CheckoutSessionInfo, now: number): Promise<void>
  /** The attempt can never succeed (Stripe refused its parameters): the next try uses a new attempt. */
  attemptFailed(attemptId: number, error: Record<string, unknown>, now: number): Promise<void>
  attemptStatus(attemptId: number, status: StripeAttempt['status'], now: number): Promise<void>
  beginPaymentIntent(input: { orderId: string, now: number, forceNew?: boolean }): Promise<BeginPaymentIntent>
  intentCreated(attemptId: number, paymentIntentId: string, now: number): Promise<void>
  latestPaymentIntent(orderId: string): Promise<StripeAttempt | undefined>
  /** Records the event id once and applies it (STYLE R4). */
  applyEvent(event: StripeWebhookEvent, now: number): Promise<StripeEventOutcome>
  /** A checkout payment learnt from the API (expiry job): same effects as its webhook. */
  recordCheckoutPayment(input: { orderId: string, sessionId: string, paymentIntentId: string, amount: Money, now: number }): Promise<StripeEventOutcome>
  /** Live attempts (creating/open checkout sessions) of pending orders due at `now`. */
  liveCheckoutsDue(now: number): Promise<Array<{ attempt: StripeAttempt, order: Order, titles: ReadonlyMap<string, string> }>>
  /**
   * Writes an admin refund row (`pending`) for the Stripe payment that paid the order, or
   * returns the pending one when the same request is retried (same amount or none given).
   * Throws ERR_ORDER_NOTHING_REFUNDABLE, ERR_ORDER_REFUND_AMOUNT or ERR_REFUND_PENDING.
   */
  beginRefund(input: { orderId: string, amount?: number, reason: string, now: number }): Promise<string>
  refundToSend(refundId: string): Promise<RefundToSend | undefined>
  /** Stripe accepted the refund: the ledger, order and customer message follow. Idempotent. */
  refundSucceeded(refundId: string, providerRefundId: string, now: number): Promise<void>
  /** Stripe refused the refund for good (not a timeout). */
  refundFailed(refundId: string, error: Record<string, unknown>, now: number): Promise<void>
  /** Pending refunds older than `olderThan` (ms) — sent again with the same key by the job. */
  pendingRefunds(olderThan: number, limit: number): Promise<string[]>
}

import { DomainError, type ErrorCode } from '../shared/errors.js'
import type { Money } from '../shared/money.js'

/** The payment providers Bozor speaks to. */
export type ProviderName = 'stripe' | 'payme' | 'click' | 'stars'

export const PROVIDER_NAMES: readonly ProviderName[] = ['payme', 'click', 'stripe', 'stars']

/** State of one payment transaction in the ledger (DESIGN.md order JSON `transactions[].state`). */
export type TransactionState = 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'refunded'

export const TRANSACTION_STATES: readonly TransactionState[] = ['pending', 'succeeded', 'failed', 'cancelled', 'refunded']

interface EventBase {
  provider: ProviderName
  /** Our order id (`"1042"`). */
  orderId: string
  /** Our payment row (`pay_…`, `payment_transaction.id`) the event is about (for `failed`, the provider's attempt: there is no row). */
  transactionId: string
}

/**
 * What happens to a payment the order cannot take (paid another way, expired, cancelled, held by
 * another provider, or an amount that does not match): refunded automatically — a pending `auto`
 * refund row and, where the provider's refund runs from the outbox, its row on `topic` (Stripe's
 * is sent by its use case after the commit, `topic` null) — or the order flagged
 * `needs_attention` for the merchant to refund in the provider's cabinet (decision 0017).
 */
export type LatePayment =
  | { kind: 'refund', topic: 'stars.refund' | 'click.reverse' | null, payload?: Record<string, unknown>, reason: string, notice?: string }
  | { kind: 'flag', note: string }

/**
 * What a provider said about a payment, translated into the core's closed vocabulary (STYLE
 * R5; decision 0017). Each provider's use case (usecases/payments/) reads its protocol, keeps its
 * own rows (Payme's states, Click's attempts, Stripe's sessions), and hands the order's side to
 * `applyPaymentEvent`, which owns the order transition, the ledger rows, stock and the outbox:
 * - `hold`: a transaction now holds the order (Payme CreateTransaction, Click Prepare): no
 *   order change; the hold rule reads the payment row;
 * - `released`: a hold ended without money (Payme cancel in state 1 or its timeout, Click
 *   Complete with an error): no order change, the order is payable again until it expires;
 * - `captured`: money was taken. `verdict` is the provider's protocol judgement: `pay` (the
 *   order takes it), `late` (no longer payable), `mismatch` (amount or currency differ); a late
 *   or mismatched payment is handled as `late`/`mismatch` say;
 * - `failed`: an attempt failed (a card declined, a checkout abandoned); `notice` tells the
 *   customer while the order can still be paid;
 * - `refunded`: money went back (our refund settled, or one the provider made: a Stripe
 *   Dashboard refund, a Payme cancel after perform, a Stars `refunded_payment`); one
 *   `payment_refund` row per refund for every provider;
 * - `refund_failed`: a refund was refused; a succeeded one failing later is taken back
 *   (decision 0011);
 * - `reversal`: the provider took a captured payment back on its own and the goods are the
 *   merchant's call (Click cancel after confirm): the order is flagged, its state kept;
 * - `dispute`: a chargeback opened or closed (decision 0011): flagged or reported.
 */
export type PaymentEvent =
  | (EventBase & { type: 'hold', amount: Money })
  | (EventBase & {
    type: 'released'
    reason: string
    /** Why, as analytics counts `payment.failed` (`debit_failed`, `timed_out`, `insufficient_funds`, `click_error_<n>`) [not_completed]. */
    failure?: string
  })
  | (EventBase & { type: 'captured', amount: Money, verdict: 'pay' | 'late' | 'mismatch', late: LatePayment, mismatch?: LatePayment })
  | (EventBase & { type: 'failed', notice: { kind: 'payment.failed', reason: 'declined' | 'insufficient_funds' | 'expired_card' } | { kind: 'payment.not_completed' } | null })
  | (EventBase & {
    type: 'refunded'
    /** Minor units. */
    amount: number
    origin: 'admin' | 'auto' | 'external'
    reason: string
    /** Our pending refund row this settles; absent for a refund the provider made itself. */
    refundId?: string
    providerRefundId?: string | null
    /** Tell the customer of a refund that does not count for the order (an automatic one) [true]. */
    notifyUncounted?: boolean
    /** Without `refundId`: settle a pending refund of the same payment and amount rather than add a row [false]. */
    settlesPending?: boolean
  })
  | (EventBase & {
    type: 'refund_failed'
    refundId: string
    /** Stored on the refund row. */
    error: Record<string, unknown>
    providerRefundId?: string | null
    /** The flag's note for a refund that never counted; null: no flag. */
    note: string | null
    /** How the refund and its failure are named in a take-back note. */
    ref: string
    why: string
  })
  | (EventBase & { type: 'reversal', note: string })
  | (EventBase & { type: 'dispute', phase: 'opened' | 'closed', note: string })
  | { type: 'ignored', provider: ProviderName, reason: string, providerId?: string }

export type PaymentEventType = PaymentEvent['type']

/** Input to {@link PaymentProvider.startPayment}. */
export interface StartPaymentInput {
  orderId: string
  amount: Money
  language: 'en' | 'ru' | 'uz'
  /** Where the provider sends the customer back (the bot's t.me link or our page). */
  returnUrl?: string
}

/** Where the customer goes to pay. */
export interface StartPaymentResult {
  /** Absolute URL of the provider's page (or a Telegram invoice link for Stars). */
  url: string
  /** The provider's id when one exists before payment (Stripe Checkout Session id). */
  providerId?: string
}

/** Input to {@link PaymentProvider.refund}. */
export interface RefundInput {
  orderId: string
  /** The provider's id of the payment being refunded. */
  providerId: string
  amount: Money
  /** Our idempotency key for this refund (the ledger row id). */
  refundKey: string
  reason?: string
}

export interface RefundResult {
  /** The provider's id of the refund. */
  refundId: string
  /** `pending` when the provider settles later and reports through an event. */
  state: 'succeeded' | 'pending'
}

/**
 * One payment contract for every provider (STYLE R5). Adapters implement it and throw
 * {@link ProviderError} on failure; a provider that cannot refund by API throws
 * `ERR_REFUND_UNSUPPORTED`.
 *
 * @example
 * const { url } = await provider.startPayment({ orderId: '1042', amount: money(12_500_000, 'UZS'), language: 'uz' })
 */
export interface PaymentProvider {
  readonly name: ProviderName
  /** False when refunds happen only in the provider's cabinet (Payme). */
  readonly canRefund: boolean
  startPayment(input: StartPaymentInput): Promise<StartPaymentResult>
  refund(input: RefundInput): Promise<RefundResult>
}

/**
 * A provider call that failed. `code` is a catalog code (default `ERR_PAYMENT_PROVIDER`, 503);
 * `cause` keeps the original error; `details` names the provider and our ids, never secrets.
 */
export class ProviderError extends DomainError {
  readonly provider: ProviderName

  constructor (provider: ProviderName, message: string, options: { code?: ErrorCode, cause?: unknown, details?: Record<string, unknown> } = {}) {
    super(options.code ?? 'ERR_PAYMENT_PROVIDER', message, { provider, ...options.details }, { cause: options.cause })
    this.name = 'ProviderError'
    this.provider = provider
  }
}

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
  /** The provider's id of the payment (Payme id, Click `click_trans_id`, Stripe PaymentIntent id…). */
  providerId: string
  /** Our order id (`"1042"`). */
  orderId: string
  /** When the provider says it happened (ms since the epoch). */
  at: number
}

/**
 * What a provider said, translated into the core's closed vocabulary (STYLE R5). Vendor
 * types never reach the core; anything the core does not act on is `ignored` and still
 * acknowledged to the provider.
 */
export type PaymentEvent =
  | (EventBase & { type: 'authorized', amount: Money })
  | (EventBase & { type: 'captured', amount: Money })
  | (EventBase & { type: 'failed', reason: string })
  | (EventBase & { type: 'refunded', amount: Money, refundId: string })
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

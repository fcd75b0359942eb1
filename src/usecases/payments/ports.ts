/**
 * The storage the payment use cases work on: one database transaction ({@link PaymentTx}) that
 * stores and loads the ledger's rows — orders, payments (`payment_transaction`), refunds
 * (`payment_refund`), provider events, Stripe attempts, outbox and analytics rows — and decides
 * nothing. Every rule lives in the use cases (apply-payment-event.ts and one ledger per provider)
 * and in the domain. The PostgreSQL/PGlite adapter implements it
 * (adapters/postgres/payment-store.ts).
 */
import type { HoldCandidate } from '../../domain/orders/hold.js'
import type { Actor, HistoryEntry, Order, OrderItem } from '../../domain/orders/order.js'
import type { ProviderName, TransactionState } from '../../domain/payments/payment.js'
import type { FiscalItem } from '../../domain/payments/payme-receipt.js'
import type { Money } from '../../domain/shared/money.js'
import type { ProviderAuditEntry } from '../ports-audit.js'
import type { OutboxTopic } from '../ports-outbox.js'
import type { StripeAttempt } from '../ports-stripe.js'

/** One `payment_transaction` row: an attempt to pay an order through one provider (`pay_…`). */
export interface PaymentRecord {
  id: string
  orderId: string
  provider: ProviderName
  /** The provider's id (Payme id, `<click_trans_id>:<order>`, PaymentIntent id, Stars charge id). */
  providerId: string
  state: TransactionState
  /** Payme's state (1, 2, −1, −2). */
  providerState: number | null
  /** Minor units. */
  amount: number
  currency: Money['currency']
  refundedAmount: number
  /** Payme's cancel reason. */
  reason: number | null
  createdAt: number
  performedAt: number | null
  cancelledAt: number | null
  providerCreatedAt: number | null
  /** Payme's `transaction`, Click's `merchant_prepare_id`. */
  seq: number
  paymeTime: number | null
  clickPaydocId: string | null
  rawAmount: string | null
  cancelledAfterConfirmAt: number | null
}

/** A new payment row (`seq` and the refunded total are the store's). */
export type NewPayment = Omit<PaymentRecord, 'id' | 'seq' | 'refundedAmount' | 'providerState' | 'reason' | 'performedAt' | 'cancelledAt' | 'providerCreatedAt' | 'paymeTime' | 'clickPaydocId' | 'rawAmount' | 'cancelledAfterConfirmAt'> &
  Partial<Pick<PaymentRecord, 'providerState' | 'performedAt' | 'providerCreatedAt' | 'paymeTime' | 'clickPaydocId' | 'rawAmount'>> & { raw?: unknown }

/** What a payment row change may set. */
export type PaymentChange = Partial<Pick<PaymentRecord, 'state' | 'providerState' | 'refundedAmount' | 'reason' | 'performedAt' | 'cancelledAt' | 'cancelledAfterConfirmAt'>> & { updatedAt: number }

export type RefundOrigin = 'admin' | 'auto' | 'external'
export type RefundState = 'pending' | 'succeeded' | 'failed'

/**
 * One `payment_refund` row, the one kind of refund row for every provider (`led_…`): written
 * before a provider call (`pending`), or straight `succeeded` for a refund the provider made
 * itself (`external`: a Stripe Dashboard refund, a Payme cancel after perform, a Stars
 * `refunded_payment`).
 */
export interface RefundRecord {
  id: string
  orderId: string
  transactionId: string
  provider: ProviderName
  providerRefundId: string | null
  origin: RefundOrigin
  state: RefundState
  /** Minor units. */
  amount: number
  currency: Money['currency']
  reason: string | null
  lastError: Record<string, unknown> | null
  createdAt: number
}

export type NewRefund = Pick<RefundRecord, 'orderId' | 'transactionId' | 'provider' | 'origin' | 'state' | 'amount' | 'currency' | 'reason'> & { providerRefundId?: string | null }

export type RefundChange = Partial<Pick<RefundRecord, 'state' | 'providerRefundId' | 'lastError'>> & { updatedAt: number }

/** Which refunds {@link PaymentTx.refunds} lists. */
export interface RefundFilter {
  orderId?: string
  transactionId?: string
  provider?: ProviderName
  origin?: RefundOrigin
  states?: readonly RefundState[]
  providerRefundId?: string
  /** Only rows not linked to a provider refund id yet. */
  unlinked?: boolean
  amount?: number
  /** Only rows created at or before this time (ms). */
  createdBefore?: number
  /** At most this many rows (oldest first). */
  limit?: number
}

export interface StockMoveItem { productId: string, quantity: number }
export type StockMove = 'reserve' | 'release' | 'consume' | 'return' | 'retake'

/** What a changed order writes: its state, totals and flags, with these extras. */
export interface OrderWrite {
  /** The history row of a state change. */
  entry?: HistoryEntry | null
  /** `shop_order.provider` (set when paid). */
  provider?: ProviderName
  /** False keeps the state's `*_at` (no state change: a flag, a lowered refund) [true]. */
  stamp?: boolean
}

/** Work inside one database transaction. Locks are held until it ends. */
export interface PaymentTx {
  /** The order locked FOR UPDATE, or null for a missing, malformed or unknown id. */
  lockOrder(orderId: string | null | undefined): Promise<Order | null>
  /** The order of `provider`'s payment `providerId` locked FOR UPDATE (one statement), or null when no such payment exists. */
  lockOrderOfPayment(provider: string, providerId: string): Promise<Order | null>
  /** The order as it is, without a lock. */
  readOrder(orderId: string): Promise<Order | null>
  /** `shop_order.provider`: who paid it. */
  paidBy(orderId: string): Promise<ProviderName | null>
  /** The items' English titles by product id. */
  itemTitles(orderId: string): Promise<Map<string, string>>
  /** The order's items with their title snapshots and their products' fiscal data, in product id order. */
  fiscalItems(orderId: string): Promise<FiscalItem[]>
  /** Every Payme transaction and Click attempt of the order (`except`: one payment id left out). */
  holdCandidates(orderId: string, except?: string): Promise<HoldCandidate[]>
  /** Writes a changed order (state, refunded total, flags, version) and its history row. */
  writeOrder(order: Order, write?: OrderWrite): Promise<void>
  moveStock(items: readonly StockMoveItem[], move: StockMove, now: number): Promise<void>
  /** Items whose stock cannot take `quantity` back out (`stock − reserved < quantity`), locked. */
  stockShort(items: readonly StockMoveItem[]): Promise<Array<{ productId: string, available: number, quantity: number }>>
  enqueue(topic: OutboxTopic, payload: Record<string, unknown>, now: number): Promise<void>
  /** An analytics event row. */
  track(name: string, order: Order, properties: Record<string, unknown>, now: number): Promise<void>

  /** A payment by the provider's id (locked when `lock`). */
  payment(provider: ProviderName, providerId: string, lock?: boolean): Promise<PaymentRecord | undefined>
  /** A payment by its `seq` (Click's `merchant_prepare_id`), locked. */
  paymentBySeq(provider: ProviderName, seq: number): Promise<PaymentRecord | undefined>
  paymentById(id: string, lock?: boolean): Promise<PaymentRecord | undefined>
  /** The order's payments of a provider in a state, oldest (performed, then seq) first. */
  payments(orderId: string, provider: ProviderName, state: TransactionState): Promise<PaymentRecord[]>
  /** Payme rows with `from ≤ paymeTime ≤ to`, by Payme time. */
  paymentsByPaymeTime(from: number, to: number): Promise<PaymentRecord[]>
  insertPayment(payment: NewPayment, now: number): Promise<PaymentRecord>
  updatePayment(id: string, change: PaymentChange): Promise<void>
  /** Stores Payme's SetFiscalData; false when the id is unknown. */
  setPaymeFiscal(paymeId: string, type: 'PERFORM' | 'CANCEL', data: Record<string, unknown>): Promise<boolean>

  refunds(filter: RefundFilter, lock?: boolean): Promise<RefundRecord[]>
  refundById(id: string, lock?: boolean): Promise<RefundRecord | undefined>
  insertRefund(refund: NewRefund, now: number, id?: string): Promise<RefundRecord>
  updateRefund(id: string, change: RefundChange): Promise<RefundRecord | undefined>

  /** The call's `provider_audit` row, in this transaction (committed with the state change). */
  audit(entry: ProviderAuditEntry, secrets: readonly string[]): Promise<void>

  /** Records a provider event once by its id: false when it was recorded before. */
  recordProviderEvent(provider: ProviderName, eventId: string, payload: unknown, now: number): Promise<boolean>
  setProviderEventResult(provider: ProviderName, eventId: string, result: unknown): Promise<void>

  /** The order's latest Stripe attempt of a kind, locked. */
  latestAttempt(orderId: string, kind: StripeAttempt['kind']): Promise<StripeAttempt | undefined>
  attemptById(id: number, lock?: boolean): Promise<StripeAttempt | undefined>
  /** Stripe attempts matching every given field (`statuses`: any of them). */
  attempts(filter: AttemptFilter): Promise<StripeAttempt[]>
  insertAttempt(attempt: Pick<StripeAttempt, 'orderId' | 'kind' | 'attempt' | 'idempotencyKey' | 'expiresAt'>, now: number): Promise<StripeAttempt>
  /** Changes the attempts matching `filter`; the ids changed. */
  updateAttempts(filter: AttemptFilter, change: AttemptChange, now: number): Promise<number[]>
  /** Open or creating checkout attempts of pending orders whose `expires_at ≤ now`, oldest first. */
  liveCheckoutsDue(now: number, limit: number): Promise<StripeAttempt[]>
}

export interface AttemptFilter {
  id?: number
  orderId?: string
  kind?: StripeAttempt['kind']
  sessionId?: string
  paymentIntentId?: string
  statuses?: ReadonlyArray<StripeAttempt['status']>
}

export type AttemptChange = Partial<Pick<StripeAttempt, 'status' | 'sessionId' | 'paymentIntentId' | 'url' | 'expiresAt'>> & { lastError?: Record<string, unknown> | null }

/** Opens transactions. */
export interface PaymentStore {
  transaction<T>(work: (tx: PaymentTx) => Promise<T>): Promise<T>
  /** The same operations outside a transaction (reads, single statements). */
  readonly direct: PaymentTx
}

/**
 * The audit row of a callback that changes state: its ledger writes it inside the call's own
 * transaction, so one commit holds the change and its audit (issue 18). `entry` is called with the
 * outcome just before the commit (again when the call re-runs after a unique violation).
 */
export interface AuditInTx<O> {
  entry(outcome: O): ProviderAuditEntry
  secrets: readonly string[]
}

/** Writes `audit`'s row for `outcome` in `tx` (when there is one) and returns the outcome. */
export async function auditedOutcome<O> (tx: PaymentTx, outcome: O, audit: AuditInTx<O> | undefined): Promise<O> {
  if (audit !== undefined) await tx.audit(audit.entry(outcome), audit.secrets)
  return outcome
}

/** Who acts for a provider in history rows. */
export function providerActor (provider: ProviderName): Actor {
  return { kind: 'provider', provider }
}

export type { OrderItem }

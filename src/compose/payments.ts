/**
 * The payment ledgers, built on one {@link PaymentStore}: each provider's use case
 * (usecases/payments/) over the PostgreSQL/PGlite store. Part of the composition root; tests
 * build their ledgers here too.
 *
 * @example
 * const ledger = paymeLedgerOf(database.db)
 */
import type { Db } from '../adapters/postgres/database.js'
import { isUniqueViolation } from '../adapters/postgres/errors.js'
import { createPaymentStore, paymentTx } from '../adapters/postgres/payment-store.js'
import { createPaymeLedger, type AuditedPaymeLedger } from '../usecases/payments/payme-ledger.js'
import { createClickLedger, type AuditedClickLedger } from '../usecases/payments/click-ledger.js'
import { createClickRefundLedger } from '../usecases/payments/click-refunds.js'
import type { ClickReversalLedger } from '../usecases/click-reversal.js'
import type { StarsPayments } from '../usecases/bot-ports.js'
import type { StarsRefundStore } from '../usecases/stars-refund.js'
import { createStarsLedger, createStarsRefundStore } from '../usecases/payments/stars-ledger.js'
import { createStripeLedger } from '../usecases/payments/stripe-ledger.js'
import type { StripeLedger } from '../usecases/ports-stripe.js'
import type { RefundOrderStore } from '../usecases/refund-order.js'

export function paymeLedgerOf (db: Db): AuditedPaymeLedger {
  return createPaymeLedger({ store: createPaymentStore(db), isUniqueViolation })
}

export function clickLedgerOf (db: Db, options: { autoReverse?: boolean } = {}): AuditedClickLedger {
  return createClickLedger({ store: createPaymentStore(db), isUniqueViolation, ...options })
}

export function clickRefundLedgerOf (db: Db): ClickReversalLedger {
  return createClickRefundLedger(createPaymentStore(db))
}

export function starsLedgerOf (db: Db): StarsPayments {
  return createStarsLedger(createPaymentStore(db))
}

/** The automatic Stars refunds' store; the outbox step's transaction is a `Db`. */
export function starsRefundStoreOf (db: Db): StarsRefundStore<Db> {
  return createStarsRefundStore(createPaymentStore(db), (tx: Db) => paymentTx(tx))
}

export function stripeLedgerOf (db: Db): StripeLedger {
  return createStripeLedger({ store: createPaymentStore(db), isUniqueViolation })
}

/** The admin refund's view of an order: the order and the provider that paid it. */
export function refundStoreOf (db: Db): RefundOrderStore {
  const { direct } = createPaymentStore(db)
  return {
    async readForRefund (orderId) {
      const order = await direct.readOrder(orderId)
      return order === null ? undefined : { order, provider: await direct.paidBy(orderId) }
    }
  }
}

/**
 * The one rule for "which payments might hold this order" (DESIGN.md: only a Payme transaction
 * in state 1 or a prepared, not stale Click attempt holds an order), read from
 * `payment_transaction`: every Payme transaction (with Payme's own `time`, which its 12-hour
 * timeout counts from) and every Click attempt of the order. Whether one holds the order at a
 * given time is the domain's `holdsOrder`; every caller (Payme, Click, Stripe, Stars, the pay
 * link, cancel and expiry) reads the candidates here.
 */
import { and, eq, inArray } from 'drizzle-orm'
import type { HoldCandidate } from '../../domain/orders/hold.js'
import type { PaymeState } from '../../domain/payments/payme-transaction.js'
import { isOrderId } from '../../domain/shared/ids.js'
import { clickStatusOf } from '../../domain/payments/click-payment.js'
import type { Db } from './database.js'
import { paymentTransaction } from './schema.js'

/**
 * Every Payme transaction and Click attempt of `orderId` as hold candidates (DESIGN.md: only
 * a Payme transaction in state 1 or a prepared, not stale Click attempt holds an order).
 * `except` leaves out one row by its `payment_transaction.id`.
 */
export async function loadHoldCandidates (db: Db, orderId: string, except?: string): Promise<HoldCandidate[]> {
  if (!isOrderId(orderId)) return []
  const rows = await db.select().from(paymentTransaction)
    .where(and(eq(paymentTransaction.orderId, orderId), inArray(paymentTransaction.provider, ['payme', 'click'])))
  return rows.filter((row) => row.id !== except).map((row): HoldCandidate => row.provider === 'payme'
    ? { provider: 'payme', id: row.providerTransactionId, state: (row.providerState ?? 1) as PaymeState, paymeTime: row.paymeTime ?? 0 }
    : { provider: 'click', id: String(row.seq), status: clickStatusOf(row), preparedAt: row.createdAt.getTime() })
}

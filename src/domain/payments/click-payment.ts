import type { TransactionState } from './payment.js'

/** Status of a Click attempt in our billing (specs/click.md §6). */
export type ClickPaymentStatus = 'prepared' | 'confirmed' | 'cancelled'

/** A `prepared` record stops holding its order this long after Prepare (specs/click.md §6.3). */
export const CLICK_PREPARE_STALE_MS = 24 * 60 * 60 * 1000

/**
 * One Click payment attempt as stored. The attempt key is (`clickTransId`, `orderId`);
 * `prepareId` is our integer id, sent as `merchant_prepare_id` and `merchant_confirm_id`.
 */
export interface ClickPaymentRecord {
  /** Integer below 2^53 (a bigserial), unique. */
  prepareId: number
  /** Click's 64-bit id as a decimal string, never a Number. */
  clickTransId: string
  clickPaydocId: string
  /** Our order id (`merchant_trans_id`). */
  orderId: string
  /** Tiyin. */
  amount: number
  /** `amount` exactly as Click sent it (e.g. `"125000.00"`). */
  rawAmount: string
  status: ClickPaymentStatus
  preparedAt: number
  confirmedAt: number | null
  cancelledAt: number | null
  /** True when Click cancelled the payment after we had confirmed it (the order is flagged). */
  cancelledAfterConfirm: boolean
}

/** True for a `prepared` record at least 24 h old: it no longer holds its order. */
export function isClickStale (record: Pick<ClickPaymentRecord, 'status' | 'preparedAt'>, now: number): boolean {
  return record.status === 'prepared' && now - record.preparedAt >= CLICK_PREPARE_STALE_MS
}

/** True for a `prepared`, not stale record: it holds its order. */
export function isClickLive (record: Pick<ClickPaymentRecord, 'status' | 'preparedAt'>, now: number): boolean {
  return record.status === 'prepared' && !isClickStale(record, now)
}

/** Ledger state: prepared → pending, confirmed → succeeded, cancelled → cancelled. */
export function clickTransactionState (status: ClickPaymentStatus): TransactionState {
  return status === 'prepared' ? 'pending' : status === 'confirmed' ? 'succeeded' : 'cancelled'
}

/**
 * The Click status of a stored payment: pending → prepared; succeeded, or refunded by our
 * reversal after confirmation → confirmed (Click's repeats get the answers of a confirmed
 * payment); anything else → cancelled. Times in ms or null.
 */
export function clickStatusOf (row: { state: TransactionState, performedAt: unknown, cancelledAt: unknown }): ClickPaymentStatus {
  if (row.state === 'pending') return 'prepared'
  if (row.state === 'succeeded') return 'confirmed'
  return row.state === 'refunded' && row.performedAt !== null && row.cancelledAt === null ? 'confirmed' : 'cancelled'
}

import type { TransactionState } from './payment.js'

/** Payme transaction states (specs/payme.md §5.1). */
export type PaymeState = 1 | 2 | -1 | -2

/** Cancel reasons Payme defines (§5.2); any integer Payme sends is stored as is. */
export const PAYME_CANCEL_REASONS = {
  receiverNotFound: 1,
  debitFailed: 2,
  executionError: 3,
  timeout: 4,
  refund: 5,
  unknown: 10
} as const

/** A state-1 transaction older than this (measured from Payme's `time`) is dead (§5.3). */
export const PAYME_TIMEOUT_MS = 43_200_000
/**
 * How far ahead of our clock a new transaction's `time` may be (decision 0026): Payme's clock and
 * ours differ by seconds, not years; a `time` further ahead would hold the order past its expiry.
 */
export const PAYME_MAX_FUTURE_MS = 10 * 60_000

/**
 * One Payme transaction as stored (specs/payme.md §11). `performTime`/`cancelTime` are
 * `null` until set (the wire shows them as `0`).
 */
export interface PaymeTransactionRecord {
  /** Payme's id (24 hex chars), the idempotency key. */
  paymeId: string
  /** Payme's creation time (`time` of CreateTransaction), ms. */
  paymeTime: number
  /** Tiyin. */
  amount: number
  orderId: string
  /** Our id for the transaction, returned to Payme as `transaction` (a string). */
  transaction: string
  state: PaymeState
  createTime: number
  performTime: number | null
  cancelTime: number | null
  reason: number | null
  receivers: unknown[] | null
}

/** True when a state-1 transaction is past the 12-hour limit: `now − paymeTime > 43 200 000`. */
export function isPaymeTimedOut (tx: Pick<PaymeTransactionRecord, 'paymeTime'>, now: number): boolean {
  return now - tx.paymeTime > PAYME_TIMEOUT_MS
}

/** True for a state-1 transaction that still holds its order (not timed out). */
export function isPaymeLive (tx: Pick<PaymeTransactionRecord, 'state' | 'paymeTime'>, now: number): boolean {
  return tx.state === 1 && !isPaymeTimedOut(tx, now)
}

/** Allowed Payme transitions: 1 → 2, 1 → −1, 2 → −2 (§5.1). */
export function canPaymeTransition (from: PaymeState | null, to: PaymeState): boolean {
  if (from === null) return to === 1
  return (from === 1 && (to === 2 || to === -1)) || (from === 2 && to === -2)
}

/** 1 → 2 at `now`. The caller has checked {@link canPaymeTransition} and the timeout. */
export function performPayme (tx: PaymeTransactionRecord, now: number): PaymeTransactionRecord {
  return { ...tx, state: 2, performTime: now }
}

/** 1 → −1 or 2 → −2 at `now` with `reason`; `performTime` is kept. */
export function cancelPayme (tx: PaymeTransactionRecord, reason: number, now: number): PaymeTransactionRecord {
  return { ...tx, state: tx.state === 2 ? -2 : -1, cancelTime: now, reason }
}

/** The 12-hour rule applied: state −1, reason 4, `cancelTime = now`. */
export function timeOutPayme (tx: PaymeTransactionRecord, now: number): PaymeTransactionRecord {
  return cancelPayme(tx, PAYME_CANCEL_REASONS.timeout, now)
}

/** Ledger state of a Payme transaction: 1 pending, 2 succeeded, −1 cancelled, −2 refunded. */
export function paymeTransactionState (state: PaymeState): TransactionState {
  switch (state) {
    case 1: return 'pending'
    case 2: return 'succeeded'
    case -1: return 'cancelled'
    case -2: return 'refunded'
  }
}

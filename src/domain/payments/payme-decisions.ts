import { findHold, type HoldCandidate } from '../orders/hold.js'
import { isExpired, isRefundAllowed } from '../orders/order-state.js'
import type { Order } from '../orders/order.js'
import {
  cancelPayme, isPaymeLive, isPaymeTimedOut, PAYME_MAX_FUTURE_MS, performPayme, timeOutPayme,
  type PaymeTransactionRecord
} from './payme-transaction.js'

/**
 * Why Payme is refused, in the core's words; the Payme adapter maps each to its error code
 * (order_not_found −31050, order_not_payable −31051, order_held −31052, amount_mismatch −31001,
 * state_conflict −31008, transaction_not_found −31003, not_cancellable −31007).
 */
export type PaymeRefusal =
  | 'order_not_found'
  | 'order_not_payable'
  | 'order_held'
  | 'amount_mismatch'
  | 'state_conflict'
  | 'transaction_not_found'
  | 'not_cancellable'

/** The part of an order the Payme rules read. */
export type PaymeOrderView = Pick<Order, 'id' | 'state' | 'total' | 'expiresAt' | 'items'>

/** What a ledger call answers: the stored transaction, or a refusal. */
export type PaymeOutcome =
  | { ok: true, tx: PaymeTransactionRecord }
  | { ok: false, refusal: PaymeRefusal }

/** True when the order, with no hold, could be paid through Payme now. */
function isOpenForPayme (order: PaymeOrderView, now: number, heldByThis: boolean): boolean {
  return order.state === 'pending' && order.total.currency === 'UZS' && (heldByThis || !isExpired(order, now))
}

/**
 * CheckPerformTransaction (specs/payme.md §6.1), in order: no order → order_not_found;
 * paid/cancelled/expired/refunded or not UZS → order_not_payable; held by a live payment of
 * any provider → order_held; amount ≠ total → amount_mismatch.
 */
export function decidePaymeCheck (ctx: { order: PaymeOrderView | null, holds: readonly HoldCandidate[], amount: number, now: number }): { ok: true } | { ok: false, refusal: PaymeRefusal } {
  const { order, now } = ctx
  if (order === null) return { ok: false, refusal: 'order_not_found' }
  const held = findHold(ctx.holds, now) !== undefined
  if (order.state !== 'pending' || order.total.currency !== 'UZS') return { ok: false, refusal: 'order_not_payable' }
  if (held) return { ok: false, refusal: 'order_held' }
  if (isExpired(order, now)) return { ok: false, refusal: 'order_not_payable' }
  if (ctx.amount !== order.total.amount) return { ok: false, refusal: 'amount_mismatch' }
  return { ok: true }
}

/** New-transaction fields the ledger stores (it adds our `transaction` id). */
export type PaymeDraft = Omit<PaymeTransactionRecord, 'transaction'>

/**
 * What CreateTransaction must do. The ledger applies it in one database transaction:
 * - `repeat`: answer `tx` unchanged;
 * - `time_out`: store `tx` (state −1, reason 4) and answer state_conflict (−31008);
 * - `refuse`: write nothing;
 * - `create`: first time out the order's dead state-1 transactions listed in `timeOut`
 *   (so the "one live Payme transaction per order" index admits the new one), then insert
 *   `draft` with a new `transaction` id; the order stays pending, now held.
 */
export type PaymeCreatePlan =
  | { kind: 'repeat', tx: PaymeTransactionRecord }
  | { kind: 'time_out', tx: PaymeTransactionRecord }
  | { kind: 'refuse', refusal: PaymeRefusal }
  | { kind: 'create', draft: PaymeDraft, timeOut: string[] }

export interface PaymeCreateContext {
  input: { paymeId: string, paymeTime: number, amount: number, orderId: string }
  /** The stored transaction with `input.paymeId`, looked up first. */
  existing: PaymeTransactionRecord | null
  order: PaymeOrderView | null
  /** Every Payme transaction and Click attempt of the order (other than `existing`). */
  payments: readonly HoldCandidate[]
  now: number
}

/** CreateTransaction's decision table (specs/payme.md §6.2), checks in the listed order. */
export function decidePaymeCreate (ctx: PaymeCreateContext): PaymeCreatePlan {
  const { existing, order, input, now } = ctx
  if (existing !== null) {
    if (existing.state !== 1) return { kind: 'refuse', refusal: 'state_conflict' }
    if (isPaymeTimedOut(existing, now)) return { kind: 'time_out', tx: timeOutPayme(existing, now) }
    return { kind: 'repeat', tx: existing }
  }
  if (order === null) return { kind: 'refuse', refusal: 'order_not_found' }
  const others = ctx.payments.filter((p) => !(p.provider === 'payme' && p.id === input.paymeId))
  const paymeBlocks = others.some((p) => p.provider === 'payme' && (p.state === 2 || isPaymeLive(p, now)))
  if (paymeBlocks) return { kind: 'refuse', refusal: 'state_conflict' }
  if (findHold(others, now) !== undefined) return { kind: 'refuse', refusal: 'state_conflict' }
  if (!isOpenForPayme(order, now, false)) return { kind: 'refuse', refusal: 'order_not_payable' }
  if (input.amount !== order.total.amount) return { kind: 'refuse', refusal: 'amount_mismatch' }
  if (isPaymeTimedOut(input, now)) return { kind: 'refuse', refusal: 'state_conflict' }
  if (input.paymeTime - now > PAYME_MAX_FUTURE_MS) return { kind: 'refuse', refusal: 'state_conflict' }
  const timeOut = others.filter((p) => p.provider === 'payme' && p.state === 1).map((p) => p.id)
  return {
    kind: 'create',
    timeOut,
    draft: {
      paymeId: input.paymeId,
      paymeTime: input.paymeTime,
      amount: input.amount,
      orderId: input.orderId,
      state: 1,
      createTime: now,
      performTime: null,
      cancelTime: null,
      reason: null,
      receivers: null
    }
  }
}

/**
 * What PerformTransaction must do (§6.3):
 * - `perform`: store `tx` (state 2), order → paid, fulfilment into the outbox — once;
 * - `repeat` / `time_out` / `refuse`: as in {@link PaymeCreatePlan}.
 */
export type PaymePerformPlan =
  | { kind: 'perform', tx: PaymeTransactionRecord }
  | { kind: 'repeat', tx: PaymeTransactionRecord }
  | { kind: 'time_out', tx: PaymeTransactionRecord }
  | { kind: 'refuse', refusal: PaymeRefusal }

/** PerformTransaction's decision table (§6.3). `order` is the transaction's order. */
export function decidePaymePerform (ctx: { tx: PaymeTransactionRecord | null, order: PaymeOrderView | null, now: number }): PaymePerformPlan {
  const { tx, order, now } = ctx
  if (tx === null) return { kind: 'refuse', refusal: 'transaction_not_found' }
  if (tx.state === 2) return { kind: 'repeat', tx }
  if (tx.state !== 1) return { kind: 'refuse', refusal: 'state_conflict' }
  if (isPaymeTimedOut(tx, now)) return { kind: 'time_out', tx: timeOutPayme(tx, now) }
  // The live transaction holds the order past expiresAt, so expiry does not apply here.
  if (order === null) return { kind: 'refuse', refusal: 'order_not_found' }
  if (!isOpenForPayme(order, now, true)) return { kind: 'refuse', refusal: 'order_not_payable' }
  return { kind: 'perform', tx: performPayme(tx, now) }
}

/**
 * What CancelTransaction must do (§6.4):
 * - `cancel` with `orderEffect: 'release'`: store `tx` (−1); the order is payable again until expiry;
 * - `cancel` with `orderEffect: 'refund'`: store `tx` (−2, perform_time kept); refund the
 *   transaction's amount on the order (`applyRefund`), reversal/notification into the outbox;
 * - `repeat`: answer the stored transaction (reason not overwritten);
 * - `refuse`: transaction_not_found, or not_cancellable (−31007) for a fulfilled order with a
 *   non-refundable product.
 */
export type PaymeCancelPlan =
  | { kind: 'cancel', tx: PaymeTransactionRecord, orderEffect: 'release' | 'refund' }
  | { kind: 'repeat', tx: PaymeTransactionRecord }
  | { kind: 'refuse', refusal: PaymeRefusal }

/** CancelTransaction's decision table (§6.4). */
export function decidePaymeCancel (ctx: { tx: PaymeTransactionRecord | null, order: PaymeOrderView | null, reason: number, now: number }): PaymeCancelPlan {
  const { tx, order, now } = ctx
  if (tx === null) return { kind: 'refuse', refusal: 'transaction_not_found' }
  if (tx.state === -1 || tx.state === -2) return { kind: 'repeat', tx }
  if (tx.state === 1) return { kind: 'cancel', tx: cancelPayme(tx, ctx.reason, now), orderEffect: 'release' }
  if (order !== null && !isRefundAllowed(order)) return { kind: 'refuse', refusal: 'not_cancellable' }
  return { kind: 'cancel', tx: cancelPayme(tx, ctx.reason, now), orderEffect: 'refund' }
}

/**
 * The answer a ledger returns after applying a plan. For `create` pass the inserted row.
 *
 * @example
 * return paymeOutcome(plan, inserted)
 */
export function paymeOutcome (plan: PaymeCreatePlan | PaymePerformPlan | PaymeCancelPlan, inserted?: PaymeTransactionRecord): PaymeOutcome {
  switch (plan.kind) {
    case 'refuse': return { ok: false, refusal: plan.refusal }
    case 'time_out': return { ok: false, refusal: 'state_conflict' }
    case 'create':
      if (inserted === undefined) throw new Error('paymeOutcome: a create plan needs the inserted transaction')
      return { ok: true, tx: inserted }
    default: return { ok: true, tx: plan.tx }
  }
}

import { findHold, type HoldCandidate } from '../orders/hold.js'
import { isExpired } from '../orders/order-state.js'
import type { Order } from '../orders/order.js'
import { isClickLive, type ClickPaymentRecord } from './click-payment.js'

/** Prepare (`action=0`) after the form, signature, action and service checks. */
export interface ClickPrepareInput {
  /** Decimal digit string (64-bit). */
  clickTransId: string
  clickPaydocId: string
  /** `merchant_trans_id`. */
  orderId: string
  /** Tiyin, or `null` when the raw amount is not a whole number of tiyin above zero. */
  amount: number | null
  rawAmount: string
  /** Click's `error` field: 0 or negative. */
  clickError: number
  now: number
}

/** Complete (`action=1`) after the same checks. */
export interface ClickCompleteInput {
  clickTransId: string
  orderId: string
  /** `merchant_prepare_id` (integer). */
  prepareId: number
  amount: number | null
  rawAmount: string
  clickError: number
  now: number
}

/**
 * Why Click is refused, in the core's words; the Click adapter maps each to its error number
 * (order_not_found −5, already_paid −4, cancelled −9, amount_mismatch −2, attempt_not_found −6).
 */
export type ClickRefusal = 'order_not_found' | 'already_paid' | 'cancelled' | 'amount_mismatch' | 'attempt_not_found'

/** The part of an order the Click rules read. */
export type ClickOrderView = Pick<Order, 'id' | 'state' | 'total' | 'expiresAt'>

/** What a ledger call answers: the record, or a refusal with the record involved (if any). */
export type ClickOutcome =
  | { ok: true, record: ClickPaymentRecord }
  | { ok: false, refusal: ClickRefusal, record: ClickPaymentRecord | null }

/**
 * What Prepare must do (specs/click.md §6.2):
 * - `insert`: insert `draft` (the ledger assigns `prepareId`), the order is now held;
 * - `repeat`: answer the stored record (same `merchant_prepare_id`);
 * - `cancel`: store `record` (cancelled) and answer cancelled (−9);
 * - `refuse`: write nothing.
 */
export type ClickPreparePlan =
  | { kind: 'insert', draft: Omit<ClickPaymentRecord, 'prepareId'> }
  | { kind: 'repeat', record: ClickPaymentRecord }
  | { kind: 'cancel', record: ClickPaymentRecord }
  | { kind: 'refuse', refusal: ClickRefusal, record: ClickPaymentRecord | null }

export interface ClickPrepareContext {
  input: ClickPrepareInput
  order: ClickOrderView | null
  /** The record of this attempt (`clickTransId`, `orderId`), if one exists. */
  attempt: ClickPaymentRecord | null
  /** The order's other payments: Payme transactions and other Click attempts. */
  others: readonly HoldCandidate[]
}

function cancelRecord (record: ClickPaymentRecord, now: number, afterConfirm: boolean): ClickPaymentRecord {
  return { ...record, status: 'cancelled', cancelledAt: now, cancelledAfterConfirm: afterConfirm }
}

/** Prepare's decision table (specs/click.md §6.1 step 5 and §6.2), in the listed order. */
export function decideClickPrepare (ctx: ClickPrepareContext): ClickPreparePlan {
  const { input, order, attempt } = ctx
  const now = input.now
  if (order === null) return { kind: 'refuse', refusal: 'order_not_found', record: null }
  if (input.clickError < 0) {
    return attempt?.status === 'prepared'
      ? { kind: 'cancel', record: cancelRecord(attempt, now, false) }
      : { kind: 'refuse', refusal: 'cancelled', record: attempt }
  }
  if (attempt !== null) {
    if (attempt.status === 'prepared') return { kind: 'repeat', record: attempt }
    if (attempt.status === 'cancelled') return { kind: 'refuse', refusal: 'cancelled', record: attempt }
    return { kind: 'refuse', refusal: 'already_paid', record: attempt }
  }
  if (order.state === 'paid' || order.state === 'fulfilled') return { kind: 'refuse', refusal: 'already_paid', record: null }
  if (order.state !== 'pending' || order.total.currency !== 'UZS') return { kind: 'refuse', refusal: 'cancelled', record: null }
  const held = findHold(ctx.others, now) !== undefined
  // An expired order (no hold keeps it alive) is refused before the amount is compared.
  if (!held && isExpired(order, now)) return { kind: 'refuse', refusal: 'cancelled', record: null }
  if (input.amount === null || input.amount !== order.total.amount) return { kind: 'refuse', refusal: 'amount_mismatch', record: null }
  if (held) return { kind: 'refuse', refusal: 'cancelled', record: null }
  return {
    kind: 'insert',
    draft: {
      clickTransId: input.clickTransId,
      clickPaydocId: input.clickPaydocId,
      orderId: input.orderId,
      amount: input.amount,
      rawAmount: input.rawAmount,
      status: 'prepared',
      preparedAt: now,
      confirmedAt: null,
      cancelledAt: null,
      cancelledAfterConfirm: false
    }
  }
}

/**
 * What Complete must do (specs/click.md §6.3):
 * - `confirm`: store `record` (confirmed) in one transaction with, for `orderEffect: 'pay'`,
 *   order → paid and the fulfilment outbox row, or for `'refund'` (order no longer payable by
 *   this attempt: paid another way, cancelled, expired) a reversal into the outbox;
 * - `cancel`: store `record` (cancelled), release the hold; answer cancelled (−9);
 * - `cancel_confirmed`: store `record` (cancelled after confirmation), the order keeps its
 *   state and is flagged `needs_attention`; answer cancelled (−9);
 * - `refuse`: write nothing.
 */
export type ClickCompletePlan =
  | { kind: 'confirm', record: ClickPaymentRecord, orderEffect: 'pay' | 'refund' }
  | { kind: 'cancel', record: ClickPaymentRecord }
  | { kind: 'cancel_confirmed', record: ClickPaymentRecord }
  | { kind: 'refuse', refusal: ClickRefusal, record: ClickPaymentRecord | null }

export interface ClickCompleteContext {
  input: ClickCompleteInput
  order: ClickOrderView | null
  /** The record with id `input.prepareId`, if any. */
  record: ClickPaymentRecord | null
  /** The order's other payments (not `record`). */
  others: readonly HoldCandidate[]
}

/** Complete's decision table (specs/click.md §6.1 step 5 and §6.3), in the listed order. */
export function decideClickComplete (ctx: ClickCompleteContext): ClickCompletePlan {
  const { input, order, record } = ctx
  const now = input.now
  if (order === null) return { kind: 'refuse', refusal: 'order_not_found', record: null }
  if (record === null || record.orderId !== input.orderId || record.clickTransId !== input.clickTransId) {
    return { kind: 'refuse', refusal: 'attempt_not_found', record: null }
  }
  if (record.status === 'confirmed') {
    return input.clickError < 0
      ? { kind: 'cancel_confirmed', record: cancelRecord(record, now, true) }
      : { kind: 'refuse', refusal: 'already_paid', record }
  }
  if (record.status === 'cancelled') return { kind: 'refuse', refusal: 'cancelled', record }
  if (input.clickError < 0) return { kind: 'cancel', record: cancelRecord(record, now, false) }
  if (input.amount === null || input.amount !== record.amount) return { kind: 'refuse', refusal: 'amount_mismatch', record }
  const heldByOther = findHold(ctx.others, now) !== undefined
  const payable = order.state === 'pending' && order.total.currency === 'UZS' && !heldByOther &&
    (isClickLive(record, now) || !isExpired(order, now))
  return { kind: 'confirm', record: { ...record, status: 'confirmed', confirmedAt: now }, orderEffect: payable ? 'pay' : 'refund' }
}

/**
 * The answer a ledger returns after applying a plan. For `insert` pass the inserted record.
 */
export function clickOutcome (plan: ClickPreparePlan | ClickCompletePlan, inserted?: ClickPaymentRecord): ClickOutcome {
  switch (plan.kind) {
    case 'refuse': return { ok: false, refusal: plan.refusal, record: plan.record }
    case 'cancel':
    case 'cancel_confirmed':
      return { ok: false, refusal: 'cancelled', record: plan.record }
    case 'insert':
      if (inserted === undefined) throw new Error('clickOutcome: an insert plan needs the inserted record')
      return { ok: true, record: inserted }
    default: return { ok: true, record: plan.record }
  }
}

import type { ClickOutcome } from './click-decisions.js'

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
 * The database side of Click's SHOP API, called by `handleClickRequest` after the form,
 * signature, action and `service_id` were checked. Each method runs in one SQL transaction:
 * lock the order and the attempt's record, decide with `decideClickPrepare` /
 * `decideClickComplete` (`click-decisions.ts`), apply the plan (order change, history,
 * outbox rows), and return `clickOutcome(plan, inserted)`. Throwing means "could not record"
 * and the dispatcher answers −7.
 *
 * @example
 * const outcome = await ledger.prepare({ clickTransId: '2387417364', clickPaydocId: '3112459087', orderId: '1042', amount: 12_500_000, rawAmount: '125000.00', clickError: 0, now })
 */
export interface ClickLedger {
  /** Prepare (`action=0`). The attempt key is (`clickTransId`, `orderId`), unique in storage. */
  prepare(input: ClickPrepareInput): Promise<ClickOutcome>
  /** Complete (`action=1`). The record is looked up by `prepareId`. */
  complete(input: ClickCompleteInput): Promise<ClickOutcome>
}

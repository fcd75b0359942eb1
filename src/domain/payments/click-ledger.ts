import type { ClickCompleteInput, ClickOutcome, ClickPrepareInput } from './click-decisions.js'

export type { ClickCompleteInput, ClickPrepareInput }

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

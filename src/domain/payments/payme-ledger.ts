import type { PaymeOutcome, PaymeRefusal } from './payme-decisions.js'
import type { PaymeTransactionRecord } from './payme-transaction.js'

/** Fiscal receipt detail for CheckPerformTransaction (specs/payme.md §6.1); omitted without IKPU codes. */
export interface PaymeReceiptDetail {
  receipt_type: 0
  shipping?: { title: string, price: number }
  items: Array<{
    title: string
    price: number
    count: number
    code: string
    package_code: string
    vat_percent: number
    units?: number
    discount?: number
  }>
}

export type PaymeCheckOutcome =
  | { ok: true, detail?: PaymeReceiptDetail, additional?: Record<string, string> }
  | { ok: false, refusal: PaymeRefusal }

export interface PaymeCreateInput {
  paymeId: string
  /** Payme's `time` (ms). */
  paymeTime: number
  /** Tiyin. */
  amount: number
  /** Normalised `account.order_id` (a decimal string). */
  orderId: string
  now: number
}

/**
 * The database side of Payme's Merchant API, called by `handlePaymeRequest` after the
 * envelope, auth and parameters were checked. Each mutating method runs in one SQL
 * transaction: lock the rows it reads, decide with the pure deciders of
 * `payme-decisions.ts` (`decidePaymeCheck/Create/Perform/Cancel`), apply the plan (with the
 * order change, history and outbox rows), and return `paymeOutcome(plan, inserted)`. `now`
 * is the dispatcher's clock reading. Throwing means "our failure": the dispatcher answers
 * −32400.
 *
 * @example
 * const outcome = await ledger.create({ paymeId: '6650a3f1c2e4b8a1d3f09e77', paymeTime: 1715682615123, amount: 12_500_000, orderId: '1042', now })
 */
export interface PaymeLedger {
  /** CheckPerformTransaction: read-only, `decidePaymeCheck` over the order and its holds. */
  checkPerform(input: { orderId: string, amount: number, now: number }): Promise<PaymeCheckOutcome>
  /** CreateTransaction: `decidePaymeCreate`; unique-violation on `paymeId` → re-read, answer as a repeat. */
  create(input: PaymeCreateInput): Promise<PaymeOutcome>
  /** PerformTransaction: `decidePaymePerform`; marks the order paid once. */
  perform(input: { paymeId: string, now: number }): Promise<PaymeOutcome>
  /** CancelTransaction: `decidePaymeCancel`. */
  cancel(input: { paymeId: string, reason: number, now: number }): Promise<PaymeOutcome>
  /** CheckTransaction: the stored row, no state change (no timeout applied). */
  find(paymeId: string): Promise<PaymeTransactionRecord | null>
  /** GetStatement: rows with `from ≤ paymeTime ≤ to` (the dispatcher sorts and filters again). */
  statement(input: { from: number, to: number }): Promise<PaymeTransactionRecord[]>
  /** SetFiscalData: store PERFORM/CANCEL data of the transaction; false when `paymeId` is unknown. */
  setFiscalData(input: { paymeId: string, type: 'PERFORM' | 'CANCEL', data: Record<string, unknown> }): Promise<boolean>
}

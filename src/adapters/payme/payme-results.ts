import type { PaymeReceiptDetail } from '../../domain/payments/payme-ledger.js'
import type { PaymeState, PaymeTransactionRecord } from '../../domain/payments/payme-transaction.js'

/** Result shapes of each method, exactly as specs/payme.md §6 and §12 show them. */
export interface CheckPerformTransactionResult { allow: true, additional?: Record<string, string>, detail?: PaymeReceiptDetail }
export interface CreateTransactionResult { create_time: number, transaction: string, state: PaymeState }
export interface PerformTransactionResult { transaction: string, perform_time: number, state: PaymeState }
export interface CancelTransactionResult { transaction: string, cancel_time: number, state: PaymeState }
export interface CheckTransactionResult {
  create_time: number
  perform_time: number
  cancel_time: number
  transaction: string
  state: PaymeState
  reason: number | null
}
/** A GetStatement entry: CheckTransaction's fields plus the transaction's own parameters. */
export interface StatementTransaction extends CheckTransactionResult {
  id: string
  time: number
  amount: number
  account: { order_id: string }
  receivers: unknown[] | null
}
export interface GetStatementResult { transactions: StatementTransaction[] }
export interface SetFiscalDataResult { success: true }

export function createResult (tx: PaymeTransactionRecord): CreateTransactionResult {
  return { create_time: tx.createTime, transaction: tx.transaction, state: tx.state }
}

export function performResult (tx: PaymeTransactionRecord): PerformTransactionResult {
  return { transaction: tx.transaction, perform_time: tx.performTime ?? 0, state: tx.state }
}

export function cancelResult (tx: PaymeTransactionRecord): CancelTransactionResult {
  return { transaction: tx.transaction, cancel_time: tx.cancelTime ?? 0, state: tx.state }
}

/** Absent times are `0` and an absent reason is `null` (specs/payme.md §14). */
export function checkResult (tx: PaymeTransactionRecord): CheckTransactionResult {
  return {
    create_time: tx.createTime,
    perform_time: tx.performTime ?? 0,
    cancel_time: tx.cancelTime ?? 0,
    transaction: tx.transaction,
    state: tx.state,
    reason: tx.reason
  }
}

export function statementTransaction (tx: PaymeTransactionRecord): StatementTransaction {
  return {
    id: tx.paymeId,
    time: tx.paymeTime,
    amount: tx.amount,
    account: { order_id: tx.orderId },
    create_time: tx.createTime,
    perform_time: tx.performTime ?? 0,
    cancel_time: tx.cancelTime ?? 0,
    transaction: tx.transaction,
    state: tx.state,
    reason: tx.reason,
    receivers: tx.receivers
  }
}

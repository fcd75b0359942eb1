import { isOrderId } from '../../domain/shared/ids.js'
import { isPaymeAmount } from './payme-amount.js'
import { PAYME_ERROR, type PaymeErrorCode } from './payme-errors.js'

/** Params of each Merchant API method after validation (unknown extra fields dropped). */
export interface CheckPerformTransactionParams { amount: number, account: { order_id: string } }
export interface CreateTransactionParams { id: string, time: number, amount: number, account: { order_id: string } }
export interface PerformTransactionParams { id: string }
export interface CancelTransactionParams { id: string, reason: number }
export interface CheckTransactionParams { id: string }
export interface GetStatementParams { from: number, to: number }
export interface SetFiscalDataParams { id: string, type: 'PERFORM' | 'CANCEL', fiscal_data: Record<string, unknown> }
/** Legacy; not implemented (answered −32601, specs/payme.md §6.8). */
export interface ChangePasswordParams { password: string }

/** A parse result: the typed params, or the error code to answer. */
export type ParamsResult<P> = { ok: true, value: P } | { ok: false, code: PaymeErrorCode }

type Raw = Record<string, unknown>

const invalid = { ok: false, code: PAYME_ERROR.INVALID_REQUEST } as const

function isObject (value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isId (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64
}

function isTimestamp (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** `account.order_id` as a decimal order id; a number is normalised to its digits. */
function orderIdOf (account: Raw): string | null {
  const raw = account.order_id
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? String(raw) : null
  return isOrderId(raw) ? raw : null
}

/**
 * `amount` + `account` in the order of specs/payme.md §3.5 step 6: a non-number amount or a
 * non-object account is −32600, then a bad `order_id` is −31050, then a number that is not a
 * positive integer is −31001.
 */
function amountAndAccount (params: Raw): ParamsResult<{ amount: number, account: { order_id: string } }> {
  if (typeof params.amount !== 'number' || !isObject(params.account)) return invalid
  const orderId = orderIdOf(params.account)
  if (orderId === null) return { ok: false, code: PAYME_ERROR.ORDER_NOT_FOUND }
  if (!isPaymeAmount(params.amount)) return { ok: false, code: PAYME_ERROR.INVALID_AMOUNT }
  return { ok: true, value: { amount: params.amount, account: { order_id: orderId } } }
}

export function parseCheckPerformParams (params: Raw): ParamsResult<CheckPerformTransactionParams> {
  return amountAndAccount(params)
}

export function parseCreateParams (params: Raw): ParamsResult<CreateTransactionParams> {
  if (!isId(params.id) || !isTimestamp(params.time)) return invalid
  const rest = amountAndAccount(params)
  return rest.ok ? { ok: true, value: { id: params.id, time: params.time, ...rest.value } } : rest
}

export function parseIdParams (params: Raw): ParamsResult<PerformTransactionParams> {
  return isId(params.id) ? { ok: true, value: { id: params.id } } : invalid
}

export function parseCancelParams (params: Raw): ParamsResult<CancelTransactionParams> {
  if (!isId(params.id) || typeof params.reason !== 'number' || !Number.isSafeInteger(params.reason)) return invalid
  return { ok: true, value: { id: params.id, reason: params.reason } }
}

export function parseStatementParams (params: Raw): ParamsResult<GetStatementParams> {
  if (!isTimestamp(params.from) || !isTimestamp(params.to)) return invalid
  return { ok: true, value: { from: params.from, to: params.to } }
}

export function parseFiscalParams (params: Raw): ParamsResult<SetFiscalDataParams> {
  if (!isId(params.id) || (params.type !== 'PERFORM' && params.type !== 'CANCEL') || !isObject(params.fiscal_data)) return invalid
  return { ok: true, value: { id: params.id, type: params.type, fiscal_data: params.fiscal_data } }
}

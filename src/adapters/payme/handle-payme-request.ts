import type { PaymeRefusal } from '../../domain/payments/payme-decisions.js'
import type { PaymeLedger } from '../../domain/payments/payme-ledger.js'
import type { Clock } from '../../domain/shared/clock.js'
import { isPaymeAuthorized } from './payme-auth.js'
import { PAYME_ERROR, paymeErrorBody, type PaymeErrorBody, type PaymeErrorCode } from './payme-errors.js'
import {
  parseCancelParams, parseCheckPerformParams, parseCreateParams, parseFiscalParams, parseIdParams,
  parseStatementParams, type ParamsResult
} from './payme-params.js'
import {
  cancelResult, checkResult, createResult, performResult, statementTransaction
} from './payme-results.js'

export type PaymeRequestId = number | string | null

/** The JSON body of every answer (always HTTP 200): exactly one of `result` / `error`. */
export type PaymeResponse =
  | { jsonrpc: '2.0', id: PaymeRequestId, result: object }
  | { jsonrpc: '2.0', id: PaymeRequestId, error: PaymeErrorBody }

export interface PaymeDeps {
  ledger: PaymeLedger
  /** `PAYME_KEY` (or the TEST_KEY in the sandbox). */
  key: string
  clock: Clock
  /** Called with an unexpected exception before answering −32400 (log it there). */
  onError?: (error: unknown, context: { method: string, id: PaymeRequestId }) => void
}

/** What a method handler answers: a result object, or an error code. */
export type PaymeAnswer = { result: object } | { error: PaymeErrorCode }

/** A method: validate `params` (−32600/−31050/−31001), then run against the ledger. */
export interface PaymeMethod<P> {
  parse(params: Record<string, unknown>): ParamsResult<P>
  run(params: P, ledger: PaymeLedger, now: number): Promise<PaymeAnswer>
}

const REFUSAL_CODE: Readonly<Record<PaymeRefusal, PaymeErrorCode>> = {
  order_not_found: PAYME_ERROR.ORDER_NOT_FOUND,
  order_not_payable: PAYME_ERROR.ORDER_NOT_PAYABLE,
  order_held: PAYME_ERROR.ORDER_BEING_PAID,
  amount_mismatch: PAYME_ERROR.INVALID_AMOUNT,
  state_conflict: PAYME_ERROR.CANNOT_PERFORM,
  transaction_not_found: PAYME_ERROR.TRANSACTION_NOT_FOUND,
  not_cancellable: PAYME_ERROR.CANNOT_CANCEL
}

/** The Payme error code of a core refusal. */
export function paymeCodeOf (refusal: PaymeRefusal): PaymeErrorCode {
  return REFUSAL_CODE[refusal]
}

function method<P> (m: PaymeMethod<P>): PaymeMethod<unknown> {
  return m as PaymeMethod<unknown>
}

/** The implemented methods. `ChangePassword` is deliberately absent (−32601, §6.8). */
export const PAYME_METHODS: Readonly<Record<string, PaymeMethod<unknown>>> = {
  CheckPerformTransaction: method({
    parse: parseCheckPerformParams,
    async run (p, ledger, now) {
      const out = await ledger.checkPerform({ orderId: p.account.order_id, amount: p.amount, now })
      if (!out.ok) return { error: paymeCodeOf(out.refusal) }
      const result: Record<string, unknown> = { allow: true }
      if (out.additional !== undefined) result.additional = out.additional
      if (out.detail !== undefined) result.detail = out.detail
      return { result }
    }
  }),
  CreateTransaction: method({
    parse: parseCreateParams,
    async run (p, ledger, now) {
      const out = await ledger.create({ paymeId: p.id, paymeTime: p.time, amount: p.amount, orderId: p.account.order_id, now })
      return out.ok ? { result: createResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
    }
  }),
  PerformTransaction: method({
    parse: parseIdParams,
    async run (p, ledger, now) {
      const out = await ledger.perform({ paymeId: p.id, now })
      return out.ok ? { result: performResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
    }
  }),
  CancelTransaction: method({
    parse: parseCancelParams,
    async run (p, ledger, now) {
      const out = await ledger.cancel({ paymeId: p.id, reason: p.reason, now })
      return out.ok ? { result: cancelResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
    }
  }),
  CheckTransaction: method({
    parse: parseIdParams,
    async run (p, ledger) {
      const tx = await ledger.find(p.id)
      return tx === null ? { error: PAYME_ERROR.TRANSACTION_NOT_FOUND } : { result: checkResult(tx) }
    }
  }),
  GetStatement: method({
    parse: parseStatementParams,
    async run (p, ledger) {
      const rows = await ledger.statement({ from: p.from, to: p.to })
      const transactions = rows
        .filter((tx) => tx.paymeTime >= p.from && tx.paymeTime <= p.to)
        .sort((a, b) => a.paymeTime - b.paymeTime)
        .map(statementTransaction)
      return { result: { transactions } }
    }
  }),
  SetFiscalData: method({
    parse: parseFiscalParams,
    async run (p, ledger) {
      const found = await ledger.setFiscalData({ paymeId: p.id, type: p.type, data: p.fiscal_data })
      return found ? { result: { success: true } } : { error: PAYME_ERROR.TRANSACTION_NOT_FOUND }
    }
  })
}

function failure (id: PaymeRequestId, code: PaymeErrorCode, methodName?: string): PaymeResponse {
  return { jsonrpc: '2.0', id, error: paymeErrorBody(code, methodName) }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function idOf (body: unknown): PaymeRequestId {
  if (!isObject(body)) return null
  const id = body.id
  return typeof id === 'number' || typeof id === 'string' ? id : null
}

const UNPARSED = Symbol('unparsed')

/**
 * Answers one call of Payme's Merchant API (`POST /payments/payme`); the route sends the
 * returned object as JSON with HTTP 200, always. Checks run in the order of
 * specs/payme.md §3.5: HTTP method (−32300), Basic auth (−32504), JSON (−32700), envelope
 * (−32600), method (−32601), params (−32600/−31050/−31001), then the ledger; an exception
 * there answers −32400. Extra params are ignored.
 *
 * @example
 * const body = await handlePaymeRequest(rawBody, request.headers.authorization, { ledger, key: config.payme.key, clock })
 * reply.code(200).send(body)
 */
export async function handlePaymeRequest (rawBody: string, authorization: string | undefined, deps: PaymeDeps, httpMethod = 'POST'): Promise<PaymeResponse> {
  if (httpMethod.toUpperCase() !== 'POST') return failure(null, PAYME_ERROR.METHOD_NOT_POST)
  let body: unknown = UNPARSED
  try {
    body = JSON.parse(rawBody)
  } catch {}
  const id = body === UNPARSED ? null : idOf(body)
  if (!isPaymeAuthorized(authorization, deps.key)) return failure(id, PAYME_ERROR.INSUFFICIENT_PRIVILEGES)
  if (body === UNPARSED) return failure(null, PAYME_ERROR.PARSE_ERROR)
  if (!isObject(body) || typeof body.method !== 'string' || !isObject(body.params) || typeof body.id !== 'number') {
    return failure(id, PAYME_ERROR.INVALID_REQUEST)
  }
  const name = body.method
  const handler = Object.prototype.hasOwnProperty.call(PAYME_METHODS, name) ? PAYME_METHODS[name] : undefined
  if (handler === undefined) return failure(id, PAYME_ERROR.METHOD_NOT_FOUND, name)
  const params = handler.parse(body.params)
  if (!params.ok) return failure(id, params.code)
  try {
    const answer = await handler.run(params.value, deps.ledger, deps.clock.now())
    return 'result' in answer ? { jsonrpc: '2.0', id, result: answer.result } : failure(id, answer.error)
  } catch (error) {
    deps.onError?.(error, { method: name, id })
    return failure(id, PAYME_ERROR.SYSTEM_ERROR)
  }
}

import type { PaymeOutcome, PaymeRefusal } from '../../domain/payments/payme-decisions.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ProviderAuditEntry } from '../../usecases/ports-audit.js'
import type { AuditInTx } from '../../usecases/payments/ports.js'
import type { AuditedPaymeLedger } from '../../usecases/payments/payme-ledger.js'
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
  ledger: AuditedPaymeLedger
  /** `PAYME_KEY` (or the TEST_KEY in the sandbox). */
  key: string
  clock: Clock
  /** Called with an unexpected exception before answering −32400 (log it there). */
  onError?: (error: unknown, context: { method: string, id: PaymeRequestId }) => void
  /**
   * The call's audit row for an answer: given, a method that changes state has its ledger write
   * it inside the call's transaction (one commit; {@link PaymeCall.audited}).
   */
  audit?: { entryFor(response: PaymeResponse, body: unknown): ProviderAuditEntry, secrets: readonly string[] }
}

/** A state-changing method's hook: the audit of the outcome, built from its answer. */
export type PaymeAuditHook = <O>(toAnswer: (outcome: O) => PaymeAnswer) => AuditInTx<O> | undefined

/** What a method handler answers: a result object, or an error code. */
export type PaymeAnswer = { result: object } | { error: PaymeErrorCode }

/** A method: validate `params` (−32600/−31050/−31001), then run against the ledger. */
export interface PaymeMethod<P> {
  parse(params: Record<string, unknown>): ParamsResult<P>
  run(params: P, ledger: AuditedPaymeLedger, now: number, audit: PaymeAuditHook): Promise<PaymeAnswer>
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
    async run (p, ledger, now, audit) {
      const answer = (out: PaymeOutcome): PaymeAnswer => out.ok ? { result: createResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
      return answer(await ledger.create({ paymeId: p.id, paymeTime: p.time, amount: p.amount, orderId: p.account.order_id, now }, audit(answer)))
    }
  }),
  PerformTransaction: method({
    parse: parseIdParams,
    async run (p, ledger, now, audit) {
      const answer = (out: PaymeOutcome): PaymeAnswer => out.ok ? { result: performResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
      return answer(await ledger.perform({ paymeId: p.id, now }, audit(answer)))
    }
  }),
  CancelTransaction: method({
    parse: parseCancelParams,
    async run (p, ledger, now, audit) {
      const answer = (out: PaymeOutcome): PaymeAnswer => out.ok ? { result: cancelResult(out.tx) } : { error: paymeCodeOf(out.refusal) }
      return answer(await ledger.cancel({ paymeId: p.id, reason: p.reason, now }, audit(answer)))
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

/** One answered call and what its audit needs to know. */
export interface PaymeCall {
  response: PaymeResponse
  /**
   * True when the call was refused before its body was trusted (not a POST, failed Basic auth, not
   * JSON): its audit keeps a capped summary, never the body (issue 19).
   */
  refused: boolean
  /** True when Basic auth failed (−32504). */
  unauthenticated: boolean
  /** The `method` the body named, when it parsed and named one. */
  method: string | null
  /** True when the ledger wrote the audit row in the call's own transaction ({@link PaymeDeps.audit}). */
  audited: boolean
  /** The parsed body (undefined when refused). */
  body?: unknown
}

function answerOf (id: PaymeRequestId, answer: PaymeAnswer): PaymeResponse {
  return 'result' in answer ? { jsonrpc: '2.0', id, result: answer.result } : failure(id, answer.error)
}

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
  return (await answerPaymeCall(rawBody, authorization, deps, httpMethod)).response
}

/**
 * {@link handlePaymeRequest} with what the route's audit needs: whether the call was refused
 * before its body was trusted, the method named, and whether the ledger already wrote the
 * audit row inside its transaction.
 *
 * @example
 * const call = await answerPaymeCall(raw, request.headers.authorization, { ledger, key, clock, audit: { entryFor, secrets: [key] } })
 * if (!call.audited) audit.record(entryFor(call.response), [key])
 */
export async function answerPaymeCall (rawBody: string, authorization: string | undefined, deps: PaymeDeps, httpMethod = 'POST'): Promise<PaymeCall> {
  const refuse = (response: PaymeResponse, unauthenticated = false, method: string | null = null): PaymeCall =>
    ({ response, refused: true, unauthenticated, method, audited: false })
  if (httpMethod.toUpperCase() !== 'POST') return refuse(failure(null, PAYME_ERROR.METHOD_NOT_POST))
  let body: unknown = UNPARSED
  try {
    body = JSON.parse(rawBody)
  } catch {}
  const id = body === UNPARSED ? null : idOf(body)
  const named = isObject(body) && typeof body.method === 'string' ? body.method : null
  if (!isPaymeAuthorized(authorization, deps.key)) return refuse(failure(id, PAYME_ERROR.INSUFFICIENT_PRIVILEGES), true, named)
  if (body === UNPARSED) return refuse(failure(null, PAYME_ERROR.PARSE_ERROR))
  const done = (response: PaymeResponse, audited = false): PaymeCall => ({ response, refused: false, unauthenticated: false, method: named, audited, body })
  if (!isObject(body) || typeof body.method !== 'string' || !isObject(body.params) || typeof body.id !== 'number') {
    return done(failure(id, PAYME_ERROR.INVALID_REQUEST))
  }
  const name = body.method
  const handler = Object.prototype.hasOwnProperty.call(PAYME_METHODS, name) ? PAYME_METHODS[name] : undefined
  if (handler === undefined) return done(failure(id, PAYME_ERROR.METHOD_NOT_FOUND, name))
  const params = handler.parse(body.params)
  if (!params.ok) return done(failure(id, params.code))
  let audited = false
  const audit = deps.audit
  const hook: PaymeAuditHook = (toAnswer) => audit === undefined
    ? undefined
    : { secrets: audit.secrets, entry: (outcome) => { audited = true; return audit.entryFor(answerOf(id, toAnswer(outcome)), body) } }
  try {
    const answer = await handler.run(params.value, deps.ledger, deps.clock.now(), hook)
    return done(answerOf(id, answer), audited)
  } catch (error) {
    deps.onError?.(error, { method: name, id })
    return done(failure(id, PAYME_ERROR.SYSTEM_ERROR))
  }
}

import type { IncomingHttpHeaders } from 'node:http'
import { apiError, authenticationError, EmulatorError, rateLimitError } from './errors.js'
import type { FaultInjector, FaultKind } from './faults.js'
import { canonicalParams, decodeForm, type FormParams } from './form.js'
import type { IdempotencyStore } from './idempotency.js'
import { validateParams } from './params.js'
import { ROUTES } from './routes.js'
import { API_VERSION, type EmulatorState } from './state.js'
import { sweepExpiredSessions } from './checkout-sessions.js'

/** One API call as recorded in `emulator.requests`. */
export interface RecordedRequest {
  requestId: string
  method: string
  path: string
  /** Decoded form body (POST) or query (GET). */
  params: FormParams
  idempotencyKey: string | null
  /** Status answered; `null` for a dropped connection or while held. */
  status: number | null
  replayed: boolean
  fault: FaultKind | null
  /** Clock time (ms). */
  at: number
}

/** What the HTTP layer must do with an API call. */
export type ApiOutcome =
  | { kind: 'respond', status: number, headers: Record<string, string>, body: string, holdMs?: number }
  | { kind: 'drop' }

export interface ApiDeps {
  state: EmulatorState
  secretKey: string
  faults: FaultInjector
  idempotency: IdempotencyStore
  requests: RecordedRequest[]
  deliverySucceeded: (eventId: string) => boolean
}

function apiKeyOf (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const [scheme = '', value = ''] = header.split(' ', 2)
  if (scheme.toLowerCase() === 'bearer') return value.trim()
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0]
  return ''
}

function json (status: number, requestId: string, body: unknown, extra: Record<string, string> = {}): ApiOutcome {
  return {
    kind: 'respond',
    status,
    headers: { 'content-type': 'application/json', 'request-id': requestId, 'stripe-version': API_VERSION, 'access-control-allow-origin': '*', ...extra },
    body: JSON.stringify(body, null, 2)
  }
}

function errorOutcome (err: EmulatorError, requestId: string, extra: Record<string, string> = {}): ApiOutcome {
  const body = { ...err.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` }
  return json(err.status, requestId, { error: body }, { ...err.headers, ...extra })
}

function faultOutcome (kind: FaultKind, shouldRetry: boolean | undefined, requestId: string): ApiOutcome | undefined {
  const retry: Record<string, string> = shouldRetry === undefined ? {} : { 'stripe-should-retry': String(shouldRetry) }
  switch (kind) {
    case 'rate_limit': return errorOutcome(rateLimitError(), requestId, retry)
    case 'api_error': return errorOutcome(apiError(), requestId, retry)
    case 'auth': return errorOutcome(authenticationError('sk_test_injected_fault'), requestId)
    case 'drop': return { kind: 'drop' }
    case 'timeout': return undefined
  }
}

/**
 * Runs one `/v1` call: records it, applies faults, checks the API key, decodes and validates
 * parameters, applies Idempotency-Key semantics (§7.2) and executes the route.
 */
export function handleApiCall (deps: ApiDeps, input: { method: string, path: string, query: string, body: string, headers: IncomingHttpHeaders }): ApiOutcome {
  const { state } = deps
  const requestId = state.ids.next('req_')
  const rawKey = input.headers['idempotency-key']
  const key = input.method === 'POST' && typeof rawKey === 'string' && rawKey !== '' ? rawKey : null
  let params: FormParams = {}
  try { params = decodeForm(input.method === 'GET' ? input.query : input.body) } catch { params = {} }
  const record: RecordedRequest = { requestId, method: input.method, path: input.path, params, idempotencyKey: key, status: null, replayed: false, fault: null, at: state.clock.now() }
  deps.requests.push(record)
  const finish = (outcome: ApiOutcome): ApiOutcome => {
    if (outcome.kind === 'respond') record.status = outcome.status
    return outcome
  }
  const keyHeader: Record<string, string> = key === null ? {} : { 'idempotency-key': key }
  const fault = deps.faults.take(input.method, input.path)
  if (fault !== undefined) {
    record.fault = fault.kind
    const early = faultOutcome(fault.kind, fault.shouldRetry, requestId)
    if (early !== undefined) return finish(early)
  }
  const apiKey = apiKeyOf(input.headers.authorization)
  if (apiKey !== deps.secretKey) return finish(errorOutcome(authenticationError(apiKey), requestId))
  const hold = fault?.kind === 'timeout' ? { holdMs: fault.delayMs ?? Number.POSITIVE_INFINITY } : {}
  const route = ROUTES.find((r) => r.method === input.method && r.pattern.test(input.path))
  if (route === undefined) {
    return finish(json(404, requestId, {
      error: { type: 'invalid_request_error', message: `Unrecognized request URL (${input.method}: ${input.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` }
    }))
  }
  const canonical = canonicalParams(params)
  try {
    if (key !== null) {
      const stored = deps.idempotency.lookup(key, input.method, input.path, canonical)
      if (stored !== undefined) {
        record.replayed = true
        return finish({
          kind: 'respond',
          status: stored.status,
          headers: { 'content-type': 'application/json', 'request-id': requestId, 'stripe-version': API_VERSION, 'idempotent-replayed': 'true', 'original-request': stored.requestId, ...keyHeader },
          body: stored.body,
          ...hold
        })
      }
    }
    const validated = validateParams(route.fields, params)
    sweepExpiredSessions(state)
    const id = route.pattern.exec(input.path)?.[1] ?? ''
    const result = route.handle({ state, params: validated, id, request: { id: requestId, idempotency_key: key }, deliverySucceeded: deps.deliverySucceeded })
    const outcome = json(200, requestId, result, keyHeader)
    if (key !== null && outcome.kind === 'respond') deps.idempotency.store(key, { method: input.method, path: input.path, params: canonical, status: 200, body: outcome.body, requestId })
    return finish({ ...outcome, ...hold })
  } catch (err) {
    if (!(err instanceof EmulatorError)) throw err
    const outcome = errorOutcome(err, requestId, keyHeader)
    if (key !== null && err.executed && outcome.kind === 'respond') {
      deps.idempotency.store(key, { method: input.method, path: input.path, params: canonical, status: err.status, body: outcome.body, requestId })
    }
    return finish({ ...outcome, ...hold } as ApiOutcome)
  }
}

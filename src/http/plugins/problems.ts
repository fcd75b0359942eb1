/**
 * Every 4xx/5xx leaves as DESIGN.md's `problem` body (application/problem+json). Errors that
 * carry an `ERR_*` code and a status (DomainError and friends) keep them; Fastify's own errors
 * are translated; anything else is a 500 whose message never leaves the process.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  code: string
  errors?: Array<{ field: string, message: string }>
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable'
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_VALIDATION',
  FST_ERR_VALIDATION: 'ERR_VALIDATION',
  FST_ERR_BAD_URL: 'ERR_VALIDATION',
  FST_ERR_MAX_PARAM_LENGTH: 'ERR_VALIDATION',
  FST_ERR_ASYNC_CONSTRAINT: 'ERR_BAD_REQUEST',
  // @fastify/multipart (the product photo upload)
  FST_REQ_FILE_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'ERR_VALIDATION',
  FST_FILES_LIMIT: 'ERR_VALIDATION',
  FST_FIELDS_LIMIT: 'ERR_VALIDATION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_NO_FORM_DATA: 'ERR_VALIDATION'
}

/** Statuses Fastify's plugins give that the contract words otherwise. */
const FASTIFY_STATUSES: Record<string, number> = { FST_INVALID_MULTIPART_CONTENT_TYPE: 415, FST_PARTS_LIMIT: 400, FST_FILES_LIMIT: 400, FST_FIELDS_LIMIT: 400, FST_NO_FORM_DATA: 400 }

/** Builds a problem body; `code` follows ERR_<AREA>_<REASON>. */
export function problem (status: number, code: string, detail?: string, errors?: Problem['errors']): Problem {
  const body: Problem = { type: `urn:bozor:error:${code}`, title: TITLES[status] ?? 'Error', status, code }
  if (detail !== undefined) body.detail = detail
  if (errors !== undefined && errors.length > 0) body.errors = errors
  return body
}

export function sendProblem (reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body)
}

interface CodedError extends Error {
  code?: string
  statusCode?: number
  status?: number
  details?: unknown
  errors?: Problem['errors']
  validation?: Array<{ keyword?: string, instancePath?: string, message?: string, params?: Record<string, unknown> }>
  retryAfterS?: number
}

/** A JSON path of a field (`price.amount`, `items[0].productId`, `title["x y"]`) from a JSON Pointer. */
export function fieldPath (pointer: string, child?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (child !== undefined) segments.push(child)
  let path = ''
  for (const segment of segments) {
    if (/^(0|[1-9][0-9]*)$/.test(segment)) path += `[${segment}]`
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) path += path === '' ? segment : `.${segment}`
    else path += `[${JSON.stringify(segment)}]`
  }
  return path === '' ? '(body)' : path
}

type Validation = NonNullable<CodedError['validation']>[number]

/** How little an error says: a union's summary, a union branch's "must be null", then the rest. */
function vagueness (v: Validation): number {
  if (v.keyword === 'anyOf' || v.keyword === 'oneOf') return 2
  if (v.keyword === 'type' && v.params?.type === 'null') return 1
  return 0
}

/**
 * One problem `errors` entry per bad field: a missing or unknown property is named itself; an
 * error of an object whose fields have errors of their own is left out, and of a field's errors
 * (a union reports each branch) the most specific one is kept.
 */
export function validationErrors (validation: readonly Validation[]): NonNullable<Problem['errors']> {
  const entries: Array<{ field: string, message: string, rank: number, pointer: string }> = []
  for (const v of validation) {
    const at = v.instancePath ?? ''
    const params = v.params ?? {}
    const names = (value: unknown): string[] => Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []
    const missing = [...names(params.requiredProperties), ...names(params.missingProperty)]
    const unknown = names(params.additionalProperties)
    const rank = vagueness(v)
    if (missing.length > 0) for (const name of missing) entries.push({ field: fieldPath(at, name), message: 'is required', rank, pointer: `${at}/${name}` })
    else if (unknown.length > 0) for (const name of unknown) entries.push({ field: fieldPath(at, name), message: 'is not a known field', rank, pointer: `${at}/${name}` })
    else entries.push({ field: fieldPath(at), message: v.message ?? 'is invalid', rank, pointer: at })
  }
  // an object's own error is implied by its fields' errors (a union of null and an object)
  const specific = entries.filter((e) => !entries.some((other) => other.pointer.startsWith(`${e.pointer}/`)))
  const best = new Map<string, { field: string, message: string, rank: number }>()
  for (const e of specific) {
    const held = best.get(e.field)
    if (held === undefined || e.rank < held.rank) best.set(e.field, e)
  }
  return [...best.values()].map(({ field, message }) => ({ field, message }))
}

function toProblem (error: CodedError): Problem {
  if (error.validation !== undefined) {
    return problem(400, 'ERR_VALIDATION', 'The request does not match the schema.', validationErrors(error.validation))
  }
  const status = error.statusCode ?? error.status ?? 500
  const ownCode = typeof error.code === 'string' && error.code.startsWith('ERR_') ? error.code : undefined
  if (ownCode !== undefined && status < 500) return problem(status, ownCode, error.message, error.errors)
  const fastifyCode = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined
  if (fastifyCode !== undefined) return problem(FASTIFY_STATUSES[error.code as string] ?? status, fastifyCode, error.message)
  if (error instanceof SyntaxError && status === 400) return problem(400, 'ERR_VALIDATION', 'The body is not valid JSON.')
  if (status >= 400 && status < 500) return problem(status, 'ERR_BAD_REQUEST', error.message)
  if (status === 503) return problem(503, ownCode ?? 'ERR_UNAVAILABLE', 'A service Bozor depends on is unavailable; try again shortly.')
  return problem(500, 'ERR_INTERNAL', 'Something went wrong on our side. It has been logged.')
}

/** Sends the problem of any error (the app's error handler, and Fastify's `frameworkErrors`). */
export function replyWithProblem (error: FastifyError & CodedError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toProblem(error)
  if (body.status >= 500) request.log.error({ err: error }, 'request failed')
  else request.log.info({ code: body.code, status: body.status }, 'request refused')
  if (body.status === 429 && error.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterS))))
  return sendProblem(reply, body)
}

/**
 * Fastify's `frameworkErrors` option: a malformed URL (`/api/v1/orders/%E0`), a path parameter
 * over the router's length limit, answered before any route runs, as problems too.
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 400 : (error.statusCode ?? 400)
  const detail = error.code === 'FST_ERR_BAD_URL' ? 'The URL is malformed (a bad percent-encoding).' : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment of the URL is too long.' : 'The request was refused before routing.'
  const coded = Object.assign(new Error(detail), { code: error.code, statusCode: status })
  replyWithProblem(coded as FastifyError & CodedError, request, reply)
}

export const problemsPlugin = fp(async function problems (app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & CodedError, request, reply) => replyWithProblem(error, request, reply))
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problem(404, 'ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`))
  })
}, { name: 'bozor-problems' })

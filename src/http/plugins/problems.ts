/**
 * Every 4xx/5xx leaves as DESIGN.md's `problem` body (application/problem+json). Errors that
 * carry an `ERR_*` code and a status (DomainError and friends) keep them; Fastify's own errors
 * are translated; anything else is a 500 whose message never leaves the process.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'

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
  FST_ERR_VALIDATION: 'ERR_VALIDATION'
}

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
  validation?: Array<{ instancePath?: string, message?: string, params?: Record<string, unknown> }>
  retryAfterS?: number
}

function toProblem (error: CodedError): Problem {
  if (error.validation !== undefined) {
    const errors = error.validation.map((v) => {
      const missing = typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : ''
      const path = `${v.instancePath ?? ''}${missing}`.replace(/^\//, '').replace(/\//g, '.')
      return { field: path === '' ? '(body)' : path, message: v.message ?? 'is invalid' }
    })
    return problem(400, 'ERR_VALIDATION', 'The request does not match the schema.', errors)
  }
  const status = error.statusCode ?? error.status ?? 500
  const ownCode = typeof error.code === 'string' && error.code.startsWith('ERR_') ? error.code : undefined
  if (ownCode !== undefined && status < 500) return problem(status, ownCode, error.message, error.errors)
  const fastifyCode = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined
  if (fastifyCode !== undefined) return problem(status, fastifyCode, error.message)
  if (error instanceof SyntaxError && status === 400) return problem(400, 'ERR_VALIDATION', 'The body is not valid JSON.')
  if (status >= 400 && status < 500) return problem(status, 'ERR_BAD_REQUEST', error.message)
  if (status === 503) return problem(503, ownCode ?? 'ERR_UNAVAILABLE', 'A service Bozor depends on is unavailable; try again shortly.')
  return problem(500, 'ERR_INTERNAL', 'Something went wrong on our side. It has been logged.')
}

export const problemsPlugin = fp(async function problems (app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & CodedError, request, reply) => {
    const body = toProblem(error)
    if (body.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.code, status: body.status }, 'request refused')
    if (body.status === 429 && error.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterS))))
    return sendProblem(reply, body)
  })
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problem(404, 'ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`))
  })
}, { name: 'bozor-problems' })

/**
 * The admin API under `/api/v1` (DESIGN.md): its own scope with Bearer auth, a strict body
 * validator (money must be integers: no string coercion) and a mapping of domain error codes
 * to the contract's generic problem codes (ERR_VALIDATION, ERR_NOT_FOUND, ERR_CONFLICT, …), and
 * the `api.token` rate limit per token (429 ERR_RATE_LIMITED with Retry-After).
 *
 * @example
 * await app.register(adminRoutes, { prefix: '/api/v1', config, clock, store: createPostgresShop(db), verifyToken })
 */
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import type { TSchema } from 'typebox'
import { isDomainError } from '../../../domain/shared/errors.js'
import { adminAuth } from '../../plugins/admin-auth.js'
import { rateLimit } from '../../plugins/rate-limit.js'
import { productRoutes } from './products.js'
import { orderRoutes } from './orders.js'
import { refundRoutes } from './refunds.js'
import { stripePaymentIntentRoutes } from './stripe-payment-intent.js'
import { customerRoutes } from './customers.js'
import type { AdminRoutesOptions } from './options.js'

export type { AdminRoutesOptions, AdminSettings } from './options.js'

const GENERIC_CODES: Record<number, string> = {
  400: 'ERR_VALIDATION', 401: 'ERR_AUTH', 403: 'ERR_SCOPE', 404: 'ERR_NOT_FOUND', 409: 'ERR_CONFLICT', 429: 'ERR_RATE_LIMITED'
}

interface MappedError extends Error { code: string, statusCode: number, errors?: Array<{ field: string, message: string }> }

/** A domain error with the contract's generic code for its status (details keep the specific one). */
export function toAdminError (error: unknown): unknown {
  if (!isDomainError(error) || error.status >= 500) return error
  const code = error.code === 'ERR_REFUND_UNSUPPORTED' ? error.code : GENERIC_CODES[error.status] ?? error.code
  const mapped = new Error(error.message) as MappedError
  mapped.code = code
  mapped.statusCode = error.status
  const errors = error.errors ?? (error.status === 400 ? [{ field: String(error.details.field ?? 'items'), message: error.message }] : undefined)
  if (errors !== undefined) mapped.errors = errors
  return mapped
}

type ValidationFn = ((data: unknown) => boolean | { value: unknown }) & { errors?: FastifySchemaValidationError[] }

function compileValidator ({ schema, httpPart }: { schema: unknown, httpPart?: string }): ValidationFn {
  const check = Compile(schema as TSchema)
  const convert = httpPart === 'querystring' || httpPart === 'params'
  const fn: ValidationFn = (data) => {
    const value = convert ? Value.Convert(schema as TSchema, Value.Default(schema as TSchema, data ?? {})) : data
    if (check.Check(value)) return { value }
    fn.errors = [...check.Errors(value)].filter((e) => e.keyword !== 'boolean')
      .map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params as Record<string, unknown>, message: e.message }))
    return false
  }
  return fn
}

export async function adminRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  app.setValidatorCompiler(compileValidator)
  // hand the mapped error to the problems plugin's handler (the parent scope)
  app.setErrorHandler((error) => { throw toAdminError(error) })
  adminAuth(app, { adminToken: options.settings.adminToken, verifyToken: options.verifyToken })
  // `api.token` per admin token, after auth (onRequest) and before body validation
  const limitToken = rateLimit('api.token', (request) => ['t', request.admin?.tokenId ?? 'none'])
  app.addHook('preValidation', async (request, reply) => { await limitToken.call(app, request, reply) })
  // only the routes' own options: Fastify's (`prefix`) must not reach the child plugins
  const { refunds, customers } = options
  const routeOptions: AdminRoutesOptions = { settings: options.settings, view: options.view, clock: options.clock, store: options.store, verifyToken: options.verifyToken, ...(options.cache !== undefined ? { cache: options.cache } : {}), ...(options.stripe !== undefined ? { stripe: options.stripe } : {}) }
  await app.register(productRoutes, routeOptions)
  await app.register(orderRoutes, routeOptions)
  if (refunds !== undefined) await app.register(refundRoutes, { ...routeOptions, refunds })
  await app.register(stripePaymentIntentRoutes, { stripe: options.stripe })
  if (customers !== undefined) await app.register(customerRoutes, customers)
}

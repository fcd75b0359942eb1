/**
 * The admin API under `/api/v1` (DESIGN.md): its own scope with Bearer auth, a strict body
 * validator (money must be integers: no string coercion), domain errors answered with the
 * contract's codes (400 `ERR_VALIDATION` with `errors`, 404 `ERR_<AREA>_NOT_FOUND` and 409 with
 * the specific code, as DESIGN.md and docs/errors.md say), and the `api.token` rate limit per
 * token (429 ERR_RATE_LIMITED with Retry-After).
 *
 * @example
 * await app.register(adminRoutes, { prefix: '/api/v1', config, clock, store: createPostgresShop(db), verifyToken })
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import { isDomainError } from '../../../domain/shared/errors.js'
import { adminAuth } from '../../plugins/admin-auth.js'
import { compileStrictValidator } from '../../plugins/strict-validator.js'
import { rateLimit } from '../../plugins/rate-limit.js'
import { productRoutes } from './products.js'
import { orderRoutes } from './orders.js'
import { refundRoutes } from './refunds.js'
import { stripePaymentIntentRoutes } from './stripe-payment-intent.js'
import { customerRoutes } from './customers.js'
import { broadcastRoutes } from './broadcasts.js'
import { categoryRoutes } from './categories.js'
import { photoRoutes } from './photos.js'
import { auditRoutes, recordAudit } from './audit.js'
import { tokenRoutes } from './tokens.js'
import { settingsRoutes } from './settings.js'
import { analyticsRoutes } from './analytics.js'
import type { AdminRoutesOptions } from './options.js'

export type { AdminRoutesOptions, AdminSettings } from './options.js'

/**
 * Statuses whose domain codes are answered as the generic one. 404 and 409 keep their specific
 * code (`ERR_ORDER_NOT_FOUND`, `ERR_ORDER_OUT_OF_STOCK`, …): DESIGN.md's contract, and what a
 * client reads after the status.
 */
const GENERIC_CODES: Record<number, string> = {
  400: 'ERR_VALIDATION', 401: 'ERR_AUTH', 403: 'ERR_SCOPE', 429: 'ERR_RATE_LIMITED'
}

interface MappedError extends Error { code: string, statusCode: number, errors?: Array<{ field: string, message: string }> }

/** A domain error with the contract's code: generic for 400/401/403/429, its own for 404/409. */
export function toAdminError (error: unknown): unknown {
  if (!isDomainError(error) || error.status >= 500) return error
  const code = GENERIC_CODES[error.status] ?? error.code
  const mapped = new Error(error.message) as MappedError
  mapped.code = code
  mapped.statusCode = error.status
  const errors = error.errors ?? (error.status === 400 ? [{ field: String(error.details.field ?? 'items'), message: error.message }] : undefined)
  if (errors !== undefined) mapped.errors = errors
  return mapped
}

/** Every admin route is documented: `operationId`, a tag, and the bearer scheme (DESIGN.md). */
function documentRoute (route: RouteOptions): void {
  const schema = (route.schema ?? {}) as { operationId?: unknown, tags?: unknown, security?: unknown }
  if (typeof schema.operationId !== 'string' || !Array.isArray(schema.tags) || schema.tags.length === 0) {
    throw new Error(`admin route ${String(route.method)} ${route.url} needs schema.operationId and schema.tags (DESIGN.md: every /api/v1 route appears in /api/openapi.json)`)
  }
  Object.assign(schema, { security: [{ bearer: [] }] })
}

export async function adminRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  app.setValidatorCompiler(compileStrictValidator)
  app.addHook('onRoute', documentRoute)
  // hand the mapped error to the problems plugin's handler (the parent scope)
  app.setErrorHandler((error) => { throw toAdminError(error) })
  adminAuth(app, { adminToken: options.settings.adminToken, verifyToken: options.verifyToken, ...(options.resumeSession !== undefined ? { resumeSession: options.resumeSession } : {}) })
  // `api.token` per admin token, after auth (onRequest) and before body validation
  const limitToken = rateLimit('api.token', (request) => ['t', request.admin?.tokenId ?? 'none'])
  app.addHook('preValidation', async (request, reply) => { await limitToken.call(app, request, reply) })
  // only the routes' own options: Fastify's (`prefix`) must not reach the child plugins
  const { refunds, customers, broadcasts } = options
  // every change that succeeds is recorded: who, which route, what, and a summary (issue 15 point 5)
  app.addHook('onSend', async (request, reply, payload) => {
    await recordAudit(options.audit, options.clock, request, reply, payload)
    return payload
  })
  const routeOptions: AdminRoutesOptions = { settings: options.settings, view: options.view, clock: options.clock, store: options.store, orders: options.orders, catalog: options.catalog, audit: options.audit, tokens: options.tokens, settingsInfo: options.settingsInfo, shopWords: options.shopWords, photos: options.photos, mediaUrl: options.mediaUrl, verifyToken: options.verifyToken, ...(options.cache !== undefined ? { cache: options.cache } : {}), ...(options.stripe !== undefined ? { stripe: options.stripe } : {}) }
  await app.register(productRoutes, routeOptions)
  await app.register(photoRoutes, routeOptions)
  await app.register(categoryRoutes, routeOptions)
  await app.register(auditRoutes, routeOptions)
  await app.register(orderRoutes, routeOptions)
  if (refunds !== undefined) await app.register(refundRoutes, { ...routeOptions, refunds })
  await app.register(stripePaymentIntentRoutes, { stripe: options.stripe })
  if (customers !== undefined) await app.register(customerRoutes, customers)
  if (broadcasts !== undefined) await app.register(broadcastRoutes, broadcasts)
  await app.register(tokenRoutes, options.tokens)
  await app.register(settingsRoutes, { info: options.settingsInfo, words: options.shopWords })
  if (options.analytics !== undefined) await app.register(analyticsRoutes, options.analytics)
}

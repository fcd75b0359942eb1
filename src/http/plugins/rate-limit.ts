/**
 * HTTP rate limiting over the shared limiter (specs/redis.md §5): `rateLimitPlugin` makes the
 * limiter available to routes; `rateLimit(policy, keyFn)` is a preHandler that answers 429
 * `ERR_RATE_LIMITED` with `Retry-After` (whole seconds); `countOnly(policy, keyFn)` counts
 * provider callbacks and the Telegram webhook without ever refusing them.
 *
 * @example
 * app.post('/pay/:orderId', { preHandler: rateLimit('pay.open', (req) => ['o', req.params.orderId]) }, handler)
 * app.post('/payme', { preHandler: countOnly('public.ip', (req) => ['ip', req.ip]) }, handler)
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { KeySegment, RateLimiter } from '../../usecases/ports-kv.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's shared limiter (see {@link rateLimitPlugin}). */
    rateLimiter: RateLimiter
  }
}

/** Derives the limited subject from a request (e.g. `['ip', req.ip]`, `['t', tokenId]`). */
export type RateLimitKeyFn = (request: FastifyRequest) => KeySegment | readonly KeySegment[]

/** The error `rateLimit` throws; the problems plugin turns it into 429 + `Retry-After`. */
export class RateLimitedError extends Error {
  readonly code = 'ERR_RATE_LIMITED'
  readonly statusCode = 429
  /** Whole seconds to wait, or undefined when the request can never pass. */
  readonly retryAfterS: number | undefined
  constructor (retryAfterMs: number) {
    super(retryAfterMs < 0
      ? 'This request exceeds the rate limit and cannot pass.'
      : `Too many requests; try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`)
    this.name = 'RateLimitedError'
    this.retryAfterS = retryAfterMs < 0 ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000))
  }
}

/** Decorates the app with the limiter; register once in buildApp. */
export const rateLimitPlugin = fp(async function rateLimits (app: FastifyInstance, options: { limiter: RateLimiter }) {
  app.decorate('rateLimiter', options.limiter)
}, { name: 'bozor-rate-limit' })

/** A preHandler refusing requests over `policy` with 429 `ERR_RATE_LIMITED` and `Retry-After`. */
export function rateLimit (policy: string, keyFn: RateLimitKeyFn): preHandlerAsyncHookHandler {
  return async function rateLimitPreHandler (request, reply) {
    const decision = await request.server.rateLimiter.check(policy, keyFn(request))
    reply.header('ratelimit-remaining', String(decision.remaining))
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs)
  }
}

/**
 * A preHandler that only counts requests against `policy` (provider callbacks, the Telegram
 * webhook): it never refuses, and a limiter error is logged, not returned.
 */
export function countOnly (policy: string, keyFn: RateLimitKeyFn): preHandlerAsyncHookHandler {
  return async function countOnlyPreHandler (request) {
    try {
      const decision = await request.server.rateLimiter.check(policy, keyFn(request))
      // debug: a flood of callbacks would otherwise write a log line per call (issue 18)
      if (!decision.allowed) request.log.debug({ policy, retryAfterMs: decision.retryAfterMs }, 'over the rate limit (counted only, not refused)')
    } catch (error) {
      request.log.warn({ err: error, policy }, 'rate-limit counting failed')
    }
  }
}

/**
 * Bearer authentication of the admin API (`/api/v1/...`), registered inside the admin scope
 * only (STYLE R2). A token is `ADMIN_TOKEN` (compared in constant time over SHA-256 digests) or
 * a live token made with `bozor token create`. Missing, wrong or revoked → 401 `ERR_AUTH`; a
 * read-scope token on a mutating route → 403 `ERR_SCOPE`. Every failed authentication counts
 * against the `api.auth` policy of the caller's address; past it the answer is 429
 * `ERR_RATE_LIMITED` with `Retry-After` instead of 401 (decision 0020).
 *
 * @example
 * await app.register(async (admin) => { await adminAuth(admin, { adminToken, verifyToken }); admin.get(...) })
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { problem, sendProblem } from './problems.js'
import { RateLimitedError } from './rate-limit.js'

export type AdminScope = 'read' | 'write'

/** Who called: `tokenId` is `env` for ADMIN_TOKEN. */
export interface AdminPrincipal { tokenId: string, scope: AdminScope }

export interface AdminAuthOptions {
  /** `ADMIN_TOKEN`, if set. */
  adminToken?: string
  /** Looks a CLI-made token up; undefined for unknown or revoked. */
  verifyToken: (token: string) => Promise<{ id: string, scope: AdminScope } | undefined>
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminPrincipal
  }
  interface FastifyContextConfig {
    /** `write`: even a read of this route needs a write-scope token (the token list). */
    scope?: AdminScope
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function bearer (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header)
  return match?.[1]
}

/** The principal of `request`, or undefined when the token is missing or not valid. */
export async function authenticateAdmin (request: FastifyRequest, options: AdminAuthOptions): Promise<AdminPrincipal | undefined> {
  const token = bearer(request)
  if (token === undefined) return undefined
  if (options.adminToken !== undefined && timingSafeEqual(digest(token), digest(options.adminToken))) {
    return { tokenId: 'env', scope: 'write' }
  }
  const found = await options.verifyToken(token)
  return found === undefined ? undefined : { tokenId: found.id, scope: found.scope }
}

/** Adds the auth hook to `app` (call it inside the admin plugin, not with fastify-plugin). */
export function adminAuth (app: FastifyInstance, options: AdminAuthOptions): void {
  app.decorateRequest('admin', undefined)
  app.addHook('onRequest', async (request, reply) => {
    const principal = await authenticateAdmin(request, options)
    if (principal === undefined) {
      // a failed authentication costs the address one hit of `api.auth` (the limiter never rejects for a store outage)
      const decision = await request.server.rateLimiter.check('api.auth', ['ip', request.ip])
      if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs)
      reply.header('www-authenticate', 'Bearer realm="bozor"')
      return sendProblem(reply, problem(401, 'ERR_AUTH', 'Send Authorization: Bearer <token> with ADMIN_TOKEN or a token from `bozor token create`.'))
    }
    if (principal.scope !== 'write' && (!READ_METHODS.has(request.method) || request.routeOptions.config.scope === 'write')) {
      return sendProblem(reply, problem(403, 'ERR_SCOPE', 'This token has read scope; this route needs a write-scope token.'))
    }
    request.admin = principal
  })
}

/**
 * Bearer authentication of the admin API (`/api/v1/...`), registered inside the admin scope
 * only (STYLE R2). A token is `ADMIN_TOKEN` (compared in constant time over SHA-256 digests) or
 * a live token made with `bozor token create`. Missing, wrong or revoked → 401 `ERR_AUTH`; a
 * read-scope token on a mutating route → 403 `ERR_SCOPE`. Every failed authentication counts
 * against the `api.auth` policy of the caller's address; past it the answer is 429
 * `ERR_RATE_LIMITED` with `Retry-After` instead of 401 (decision 0020). Without a Bearer header,
 * the dashboard's session cookie is accepted too (decision 0040); a change made with it needs the
 * session's `X-CSRF-Token` header, else 403 `ERR_CSRF` and nothing changes.
 *
 * @example
 * await app.register(async (admin) => { await adminAuth(admin, { adminToken, verifyToken }); admin.get(...) })
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { problem, sendProblem } from './problems.js'
import { RateLimitedError } from './rate-limit.js'

export type AdminScope = 'read' | 'write'

/** Who called: `tokenId` is `env` for ADMIN_TOKEN; for a dashboard session, its token or who opened it (`code:bot:42`). */
export interface AdminPrincipal { tokenId: string, scope: AdminScope, session?: true }

export interface AdminAuthOptions {
  /** `ADMIN_TOKEN`, if set. */
  adminToken?: string
  /** Looks a CLI-made token up; undefined for unknown or revoked. */
  verifyToken: (token: string) => Promise<{ id: string, scope: AdminScope } | undefined>
  /** The live dashboard session behind a session cookie (decision 0040), when the dashboard is served. */
  resumeSession?: (sessionId: string) => Promise<{ scope: AdminScope, tokenId: string | null, openedBy: string } | undefined>
}

/** The dashboard's session cookie (HttpOnly, SameSite=Strict; Secure on https). */
export const SESSION_COOKIE = 'bozor_session'

/** A change sent with the session cookie but without its CSRF token (403 `ERR_CSRF`). */
export class CsrfError extends Error {
  override name = 'CsrfError'
  constructor () { super('A change made with the dashboard session needs its X-CSRF-Token header (GET /dashboard/session gives it).') }
}

/** The value of cookie `name` in the request's Cookie header, if any (the first one). */
export function cookieOf (request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie
  if (typeof header !== 'string') return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/** The CSRF token of a session: derived from its secret id (one-way), so it needs no storage. */
export function csrfTokenOf (sessionId: string): string {
  return createHash('sha256').update(`bozor-csrf:${sessionId}`).digest('base64url')
}

/** True when `presented` is the session's CSRF token (compared in constant time over digests). */
export function isCsrfTokenOf (sessionId: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  return timingSafeEqual(digest(presented), digest(csrfTokenOf(sessionId)))
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
  if (token === undefined) {
    const sessionId = cookieOf(request, SESSION_COOKIE)
    if (sessionId === undefined || options.resumeSession === undefined) return undefined
    const session = await options.resumeSession(sessionId)
    if (session === undefined) return undefined
    if (!READ_METHODS.has(request.method) && !isCsrfTokenOf(sessionId, request.headers['x-csrf-token'])) {
      throw new CsrfError()
    }
    return { tokenId: session.tokenId ?? session.openedBy, scope: session.scope, session: true }
  }
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
    let principal: AdminPrincipal | undefined
    try {
      principal = await authenticateAdmin(request, options)
    } catch (error) {
      if (!(error instanceof CsrfError)) throw error
      return sendProblem(reply, problem(403, 'ERR_CSRF', error.message))
    }
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

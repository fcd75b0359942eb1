/**
 * The merchant's web dashboard (DESIGN.md "Dashboard", decisions 0040 and 0041): `GET /` and
 * `GET /dashboard/...` answer the page shell (or 302 to `/login` without a live session), whose
 * plain ES modules under `/dashboard/assets/` (src/dashboard, served as they are: no build step)
 * talk only to the admin API with the session cookie and the `X-CSRF-Token` header; uPlot comes
 * from node_modules at `/dashboard/vendor/`.
 *
 * Login: `GET /login?code=` shows the login page (its module posts the code, so a link preview
 * that fetches the URL does not use the code up); `POST /login` `{"code"}` or `{"token"}` opens a
 * session (HttpOnly, SameSite=Strict cookie; Secure on https); `GET /dashboard/session` answers
 * the session's scope and CSRF token; `POST /logout` ends it. A login from another site
 * (`Sec-Fetch-Site: cross-site`, or an `Origin` that is not ours) is refused with 403 `ERR_CSRF`,
 * and a failed login counts against `api.auth` per address like a wrong admin token.
 *
 * @example
 * await app.register(dashboardRoutes, { login, verify, assetsDir, vendorDir, secureCookie: false })
 */
import { Type, type Static } from 'typebox'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError } from '../../domain/shared/errors.js'
import { loginWithCode, loginWithToken, logout, resumeSession, SESSION_IDLE_MS, type DashboardLoginDeps, type TokenVerifier } from '../../usecases/dashboard-login.js'
import { cookieOf, csrfTokenOf, isCsrfTokenOf, SESSION_COOKIE } from '../plugins/admin-auth.js'
import { problem, sendProblem } from '../plugins/problems.js'
import { RateLimitedError } from '../plugins/rate-limit.js'
import { compileStrictValidator } from '../plugins/strict-validator.js'
import { renderLoginPage, renderShell } from '../views/dashboard-pages.js'

export interface DashboardRoutesOptions {
  login: DashboardLoginDeps
  /** Checks a pasted admin token (ADMIN_TOKEN or a live CLI/API token). */
  verify: TokenVerifier
  /** src/dashboard: the page modules and stylesheet, served as they are. */
  assetsDir: string
  /** node_modules/uplot/dist. */
  vendorDir: string
  /** PUBLIC_URL is https: the cookie is Secure. */
  secureCookie: boolean
  /** Sandbox mode: the login page points at the web chat and says where the banner's link is. */
  sandbox: boolean
  /** TIMEZONE: the pages count days in the shop's calendar, as the analytics routes do. */
  timezone: string
}

const LoginBody = Type.Union([
  Type.Object({ code: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false })
])
const LoginQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 200 })),
  lang: Type.Optional(Type.String({ maxLength: 10 }))
})
const ShellQuery = Type.Object({}, { additionalProperties: true })
const SessionInfo = Type.Object({ scope: Type.Union([Type.Literal('read'), Type.Literal('write')]), csrfToken: Type.String() })

/** `Sec-Fetch-Site` or `Origin` says the request comes from another site. */
function isCrossSite (request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') return true
  const origin = request.headers.origin
  if (typeof origin !== 'string' || origin === '') return false
  try {
    const from = new URL(origin)
    return from.host !== new URL(`${from.protocol}//${request.headers.host ?? ''}`).host
  } catch {
    return true
  }
}

function sessionCookie (value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`
}

const html = (reply: FastifyReply, body: string): FastifyReply =>
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body)

export async function dashboardRoutes (app: FastifyInstance, options: DashboardRoutesOptions): Promise<void> {
  app.setValidatorCompiler(compileStrictValidator)
  const deps = options.login
  const live = async (request: FastifyRequest): Promise<{ id: string, scope: 'read' | 'write' } | undefined> => {
    const id = cookieOf(request, SESSION_COOKIE)
    if (id === undefined) return undefined
    const session = await resumeSession(deps, id)
    return session === undefined ? undefined : { id, scope: session.scope }
  }

  await app.register(fastifyStatic, { root: options.assetsDir, prefix: '/dashboard/assets/', decorateReply: false, index: false, cacheControl: true, maxAge: 0, allowedPath: (path) => /^\/[a-z0-9-]+(\/[a-z0-9-]+)?\.(js|css)$/.test(path) })
  await app.register(fastifyStatic, { root: options.vendorDir, prefix: '/dashboard/vendor/', decorateReply: false, index: false, maxAge: 3_600_000, allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css' })

  app.get('/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const query = request.query as Static<typeof LoginQuery>
    return html(reply, renderLoginPage({ acceptLanguage: request.headers['accept-language'], lang: query.lang, hasCode: query.code !== undefined && query.code !== '', sandbox: options.sandbox }))
  })

  app.post('/login', { schema: { body: LoginBody } }, async (request, reply) => {
    if (isCrossSite(request)) return sendProblem(reply, problem(403, 'ERR_CSRF', 'A dashboard login must come from the dashboard\'s own page.'))
    const body = request.body as Static<typeof LoginBody>
    try {
      const opened = 'code' in body ? await loginWithCode(deps, body.code) : await loginWithToken({ ...deps, verify: options.verify }, body.token)
      reply.header('set-cookie', sessionCookie(opened.sessionId, Math.floor(SESSION_IDLE_MS / 1000), options.secureCookie))
      return await reply.code(200).send({ scope: opened.scope })
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'ERR_AUTH') throw error
      const decision = await request.server.rateLimiter.check('api.auth', ['ip', request.ip])
      if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs)
      return sendProblem(reply, problem(401, 'ERR_AUTH', error.message))
    }
  })

  app.post('/logout', async (request, reply) => {
    const id = cookieOf(request, SESSION_COOKIE)
    if (id !== undefined) {
      if (!isCsrfTokenOf(id, request.headers['x-csrf-token'])) return sendProblem(reply, problem(403, 'ERR_CSRF', 'Logging out needs the session\'s X-CSRF-Token header.'))
      await logout(deps, id)
    }
    reply.header('set-cookie', sessionCookie('', 0, options.secureCookie))
    return await reply.code(204).send()
  })

  app.get('/dashboard/session', { schema: { response: { 200: SessionInfo } } }, async (request, reply) => {
    const session = await live(request)
    reply.header('cache-control', 'no-store')
    if (session === undefined) return sendProblem(reply, problem(401, 'ERR_AUTH', 'No dashboard session: log in at /login.'))
    return { scope: session.scope, csrfToken: csrfTokenOf(session.id) }
  })

  const shell = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (await live(request) === undefined) return await reply.redirect('/login', 302)
    return html(reply, renderShell(options.timezone))
  }
  app.get('/', { schema: { querystring: ShellQuery } }, shell)
  app.get('/dashboard', { schema: { querystring: ShellQuery } }, shell)
  app.get('/dashboard/*', { schema: { querystring: ShellQuery } }, shell)
}

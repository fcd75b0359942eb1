// Issue 17 point 1: dashboard login and sessions (DESIGN.md "Dashboard", decision 0040). A
// one-time code (15 minutes, once) or a pasted token opens a session kept in the database; its
// HttpOnly SameSite cookie works on /api/v1 with X-CSRF-Token on every change; a read session
// changes nothing; revoking the token ends its sessions; logout ends it; a cross-site login is
// refused. Plus fuzz of the new public routes (never a 5xx).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createAdminToken, revokeAdminToken } from '../../src/adapters/postgres/admin-tokens.js'
import { createDashboardSessionStore } from '../../src/adapters/postgres/dashboard-sessions.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { issueLoginCode, SESSION_IDLE_MS, LOGIN_CODE_TTL_MS } from '../../src/usecases/dashboard-login.js'
import { ADMIN, buildAdminApp } from '../helpers/admin.js'
import { createTestDb } from '../helpers/db.js'
import type { App } from '../../src/app.js'

const START = Date.parse('2026-12-07T10:00:00Z')

type Setup = Awaited<ReturnType<typeof build>>
async function build (t: import('node:test').TestContext) {
  const database = await createTestDb(t)
  const clock = new FakeClock(START)
  const built = await buildAdminApp(t, { database, clock })
  const login = { store: createDashboardSessionStore(database.db), clock }
  const code = async (scope: 'read' | 'write', tokenId?: string): Promise<string> =>
    (await issueLoginCode(login, { scope, issuedBy: 'test', ...(tokenId !== undefined ? { tokenId } : {}) })).code
  return { ...built, clock, code }
}

/** POST /login; the session cookie (`bozor_session=…`) when it worked. */
async function logIn (app: App, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, cookie?: string, setCookie: string, body: any }> {
  const res = await app.inject({ method: 'POST', url: '/login', payload: body as object, headers: { 'content-type': 'application/json', ...headers } })
  const setCookie = String(res.headers['set-cookie'] ?? '')
  const match = /^(bozor_session=[^;]+)/.exec(setCookie)
  return { status: res.statusCode, setCookie, body: res.body === '' ? undefined : res.json(), ...(match?.[1] !== undefined && res.statusCode === 200 ? { cookie: match[1] } : {}) }
}

async function csrfOf (app: App, cookie: string): Promise<string> {
  const res = await app.inject({ url: '/dashboard/session', headers: { cookie } })
  assert.equal(res.statusCode, 200)
  return res.json().csrfToken
}

const product = { title: { en: 'Mug' }, price: { amount: 500000, currency: 'UZS' }, kind: 'physical' }

test('dashboard login and sessions over one app (one database, a fake clock)', async (t) => {
  const s: Setup = await build(t)

  await t.test('a one-time code opens a write session once; the cookie is HttpOnly and SameSite; /api/v1 takes it with X-CSRF-Token on changes', async () => {
    const { app, code } = s
    const secret = await code('write')
    const page = await app.inject({ url: `/login?code=${secret}` })
    assert.equal(page.statusCode, 200)
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/)
    assert.doesNotMatch(page.body, /<script>|\sstyle=|\son\w+=/i, 'nothing inline')
    const first = await logIn(app, { code: secret })
    assert.equal(first.status, 200)
    assert.deepEqual(first.body, { scope: 'write' })
    assert.match(first.setCookie, /HttpOnly/)
    assert.match(first.setCookie, /SameSite=Strict/)
    assert.match(first.setCookie, /Path=\//)
    assert.doesNotMatch(first.setCookie, /Secure/, 'not on http')
    const again = await logIn(app, { code: secret })
    assert.equal(again.status, 401, 'a code works once')
    assert.equal(again.body.code, 'ERR_AUTH')
    const cookie = first.cookie as string
    // reads need only the cookie
    const list = await app.inject({ url: '/api/v1/products', headers: { cookie } })
    assert.equal(list.statusCode, 200)
    // a change without the CSRF header is refused, and nothing changes
    const bare = await app.inject({ method: 'POST', url: '/api/v1/products', headers: { cookie }, payload: product })
    assert.equal(bare.statusCode, 403)
    assert.equal(bare.json().code, 'ERR_CSRF')
    assert.match(String(bare.headers['content-type']), /application\/problem\+json/)
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/products', headers: { cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: product })
    assert.equal(wrong.statusCode, 403)
    assert.equal((await app.inject({ url: '/api/v1/products', headers: { cookie } })).json().items.length, 0)
    const csrf = await csrfOf(app, cookie)
    const made = await app.inject({ method: 'POST', url: '/api/v1/products', headers: { cookie, 'x-csrf-token': csrf }, payload: product })
    assert.equal(made.statusCode, 201)
    // the change is recorded with who did it (the session opened by a code from `test`)
    const audit = await app.inject({ url: `/api/v1/products/${made.json().id}/audit`, headers: { cookie } })
    assert.equal(audit.json().items[0].actor, 'code:test')
    // the dashboard's pages answer with the session and send to /login without it
    assert.equal((await app.inject({ url: '/', headers: { cookie } })).statusCode, 200)
    assert.equal((await app.inject({ url: '/dashboard/orders', headers: { cookie } })).statusCode, 200)
    // neither the code nor the session id reaches the log
    const log = s.logs.join('\n')
    assert.ok(log.includes('/login?code=[REDACTED]'), 'the login page request is logged without its code')
    assert.ok(!log.includes(secret), 'no code in the log')
    assert.ok(!log.includes(cookie.slice('bozor_session='.length)), 'no session id in the log')
    const away = await app.inject({ url: '/dashboard/orders' })
    assert.equal(away.statusCode, 302)
    assert.equal(away.headers.location, '/login')
  })

  await t.test('a read session sees everything and changes nothing', async () => {
    const { app, code } = s
    const { cookie, body } = await logIn(app, { code: await code('read') })
    assert.equal(body.scope, 'read')
    const session = await app.inject({ url: '/dashboard/session', headers: { cookie: cookie as string } })
    assert.equal(session.json().scope, 'read')
    const csrf = session.json().csrfToken
    const headers = { cookie: cookie as string, 'x-csrf-token': csrf }
    for (const url of ['/api/v1/products', '/api/v1/orders', '/api/v1/customers', '/api/v1/categories', '/api/v1/settings']) {
      assert.equal((await app.inject({ url, headers })).statusCode, 200, url)
    }
    const before = (await app.inject({ url: '/api/v1/products', headers })).json().items.length
    const made = await app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: product })
    assert.equal(made.statusCode, 403)
    assert.equal(made.json().code, 'ERR_SCOPE')
    assert.equal((await app.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { shop: { name: { en: 'X' } } } })).statusCode, 403)
    assert.equal((await app.inject({ url: '/api/v1/tokens', headers })).statusCode, 403, 'the token list needs write')
    assert.equal((await app.inject({ url: '/api/v1/products', headers })).json().items.length, before)
  })

  await t.test('a pasted token opens a session of its scope; revoking the token ends its sessions; a wrong token is 401', async () => {
    const { app, database } = s
    const made = await createAdminToken(database.db, { name: 'laptop', scope: 'write' })
    const opened = await logIn(app, { token: made.token })
    assert.equal(opened.status, 200)
    assert.equal(opened.body.scope, 'write')
    const cookie = opened.cookie as string
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie } })).statusCode, 200)
    const env = await logIn(app, { token: ADMIN })
    assert.equal(env.status, 200, 'ADMIN_TOKEN works too')
    await revokeAdminToken(database.db, made.id)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie } })).statusCode, 401, 'revoked token, session gone')
    assert.equal((await app.inject({ url: '/dashboard/session', headers: { cookie } })).statusCode, 401)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie: env.cookie as string } })).statusCode, 200, 'other sessions stay')
    const wrong = await logIn(app, { token: 'bzr_not-a-token' })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.cookie, undefined)
    assert.equal((await logIn(app, { token: made.token })).status, 401, 'a revoked token opens nothing')
  })

  await t.test('a code carrying a token dies with it; logout ends the session and needs the CSRF header', async () => {
    const { app, database, code } = s
    const made = await createAdminToken(database.db, { name: 'sandbox', scope: 'write' })
    const unused = await code('write', made.id)
    const { cookie } = await logIn(app, { code: await code('write', made.id) })
    await revokeAdminToken(database.db, made.id)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie: cookie as string } })).statusCode, 401)
    assert.equal((await logIn(app, { code: unused })).status, 401, 'a code of a revoked token opens nothing')
    const second = await logIn(app, { code: await code('write') })
    const other = second.cookie as string
    const refused = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: other } })
    assert.equal(refused.statusCode, 403, 'a cross-site logout is refused')
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie: other } })).statusCode, 200)
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: other, 'x-csrf-token': await csrfOf(app, other) } })
    assert.equal(out.statusCode, 204)
    assert.match(String(out.headers['set-cookie']), /bozor_session=;.*Max-Age=0/)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie: other } })).statusCode, 401)
  })

  await t.test('a login posted from another site is refused, and bad bodies are 4xx with nothing opened', async () => {
    const { app, code } = s
    const secret = await code('write')
    const cross = await logIn(app, { code: secret }, { origin: 'https://evil.example' })
    assert.equal(cross.status, 403)
    assert.equal(cross.body.code, 'ERR_CSRF')
    assert.equal((await logIn(app, { code: secret }, { 'sec-fetch-site': 'cross-site' })).status, 403)
    const form = await app.inject({ method: 'POST', url: '/login', payload: `code=${secret}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.equal(form.statusCode, 415, 'a plain HTML form cannot log in')
    for (const body of [{}, { code: secret, token: 'x' }, { code: 5 }, { code: '' }, { code: 'a\u0000b' }]) {
      const res = await logIn(app, body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.code, 'ERR_VALIDATION')
    }
    assert.equal((await logIn(app, { code: secret }, { origin: 'http://localhost:80' })).status, 200, 'the code was still good')
  })

  await t.test('fuzz: /login, /logout, /dashboard/session and the dashboard pages never answer 5xx', async () => {
    const { app } = s
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.base64String({ maxLength: 60 }), fc.constantFrom('', '\u0000', '%00', '../x', 'a'.repeat(43)))
    const cookie = fc.oneof(fc.constant(undefined), text.map((v) => `bozor_session=${v}`), text)
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET /login', 'POST /login', 'POST /logout', 'GET /dashboard/session', 'GET /', 'GET /dashboard/orders', 'GET /dashboard/assets/x', 'GET /dashboard/assets/app.js', 'GET /dashboard/vendor/uPlot.esm.js', 'GET /dashboard/vendor/x'),
      fc.oneof(fc.constant(undefined), fc.record({ code: text }), fc.record({ token: text }), fc.jsonValue()),
      fc.dictionary(fc.constantFrom('code', 'lang', 'x'), text, { maxKeys: 2 }),
      cookie,
      fc.oneof(fc.constant(undefined), text),
      async (route, body, query, cookieHeader, csrf) => {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string]
        const headers: Record<string, string> = {}
        if (cookieHeader !== undefined) headers.cookie = cookieHeader.replace(/[^\x20-\x7e]/g, '')
        if (csrf !== undefined) headers['x-csrf-token'] = csrf.replace(/[^\x20-\x7e]/g, '')
        const res = await app.inject({ method, url: `${path}?${new URLSearchParams(query).toString()}`, headers, ...(method === 'POST' && body !== undefined ? { payload: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } } : {}) })
        assert.ok(res.statusCode < 500, `${route} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
        if (method === 'POST' && path === '/login') assert.ok(res.statusCode !== 200 || body === undefined || typeof body !== 'object', 'nothing random logs in')
      }
    ), { seed: 1707, numRuns: 150 })
  })

  await t.test('a code expires after 15 minutes; a session after 7 idle days, and each request keeps it alive', async () => {
    const { app, code, clock } = s
    const late = await code('write')
    clock.advance(LOGIN_CODE_TTL_MS)
    assert.equal((await logIn(app, { code: late })).status, 401, 'expired at 15 minutes')
    const { cookie } = await logIn(app, { code: await code('read') })
    assert.ok(cookie)
    clock.advance(SESSION_IDLE_MS - 60_000)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie } })).statusCode, 200, 'used within 7 days')
    clock.advance(SESSION_IDLE_MS - 60_000)
    assert.equal((await app.inject({ url: '/api/v1/orders', headers: { cookie } })).statusCode, 200, 'the last use counts, not the login')
    clock.advance(SESSION_IDLE_MS)
    const gone = await app.inject({ url: '/api/v1/orders', headers: { cookie } })
    assert.equal(gone.statusCode, 401)
    assert.equal(gone.json().code, 'ERR_AUTH')
  })
})

test('a Secure cookie on https', async (t) => {
  const database = await createTestDb(t)
  const { app } = await buildAdminApp(t, { database, env: { PUBLIC_URL: 'https://shop.example' } })
  const res = await logIn(app, { token: ADMIN })
  assert.match(res.setCookie, /; Secure/)
})

// Issue 19 point 3: fast-check over every public endpoint of DESIGN.md's route list, on the real
// services (PostgreSQL and Redis), through one listening production-like app (webhook mode on the
// Telegram emulator, Payme, Click and Stripe configured). Properties: never a 5xx; the protocol's
// own error shape (Payme: JSON-RPC error with HTTP 200; Click: its error JSON with HTTP 200; ours:
// an application/problem+json body with an ERR_ code); and no state change (row counts of the
// orders, payment, provider_event, customer and outbox tables before and after; provider_audit
// grows as designed, and a signed Stripe event with an id is recorded once as designed).
// The admin API's valid-token fuzzing is test/http/admin-fuzz.test.ts's; here every admin route
// gets the callers it must refuse. Decision 0053 lists what this covers and what it does not.
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { clickSignString, type ClickSignFields } from '../../src/adapters/click/click-sign.js'
import type { App } from '../../src/app.js'
import type { Database } from '../../src/adapters/postgres/database.js'
import { createStripeEmulator, type StripeEmulator } from '../../src/sandbox/stripe/index.js'
import { openApiOf, operationsOf } from '../helpers/admin.js'
import { startBotApp, WEBHOOK_SECRET } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { payPath } from '../helpers/pay-links.js'
import { createServicesDb, createServicesKv, rowCounts } from '../helpers/reliability-services.js'

const SEED = 1903
const RUNS = 40
const ADMIN = 'reliability-fuzz-admin-token-00001'
const PAYME_KEY = 'payme-test-key'
const CLICK_SECRET = 'click-test-secret'

let app: App
let database: Database
let stripe: StripeEmulator
let orderId: string
let logsOfApp: string[] = []
const hooks: Array<() => unknown> = []
const ctx = { after: (fn: () => unknown) => { hooks.push(fn) }, fullName: 'fuzz-public: the shared app' } as unknown as TestContext

before(async () => {
  stripe = createStripeEmulator({ webhookRetryDelaysMs: [] })
  const { url } = await stripe.start()
  hooks.push(() => stripe.close())
  database = (await createServicesDb(ctx)).database
  const kv = createServicesKv(ctx)
  const started = await startBotApp(ctx, {
    mode: 'webhook',
    database,
    kv,
    env: {
      ADMIN_TOKEN: ADMIN,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: url,
      RATE_LIMITS: JSON.stringify({ 'api.auth': [{ limit: 100_000, windowS: 60 }], 'public.ip': [{ limit: 100_000, windowS: 60 }], 'pay.open': [{ limit: 100_000, windowS: 60 }] })
    }
  })
  app = started.app
  logsOfApp = started.logs
  const productId = await seedProduct(database, { title: 'Fuzz tea', amount: 1_500_000, currency: 'UZS' })
  const created = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: { authorization: `Bearer ${ADMIN}` }, payload: { customer: { telegramId: 4242 }, items: [{ productId, quantity: 1 }] } })
  assert.equal(created.statusCode, 201, created.body)
  orderId = created.json().id
})

after(async () => {
  for (const fn of hooks.reverse()) await fn()
})

/** Runs `property` RUNS times and asserts the guarded row counts did not change. */
async function unchanged (what: string, property: fc.IAsyncProperty<any>, runs = RUNS, allow: string[] = []): Promise<void> {
  const before = await rowCounts(database)
  await fc.assert(property, { seed: SEED, numRuns: runs })
  const afterwards = await rowCounts(database)
  for (const name of allow) { Reflect.deleteProperty(before, name); Reflect.deleteProperty(afterwards, name) }
  assert.deepEqual(afterwards, before, `${what} changed no row`)
}

function assertProblem (res: LightMyRequestResponse, statuses: number[], what: string): void {
  assert.ok(statuses.includes(res.statusCode), `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`)
  const body = res.json() as { code?: unknown, status?: unknown, title?: unknown }
  assert.match(String(body.code), /^ERR_[A-Z_]+$/, res.body)
  assert.equal(body.status, res.statusCode)
  assert.equal(typeof body.title, 'string')
}

/** Odd values: wrong types, bad text, huge numbers. */
const odd = fc.oneof(
  fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constant('\u0000'), fc.constant('a\uD800b'), fc.constant(1e300), fc.constant(-1), fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.constant('x'.repeat(5000)), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1, maxKeys: 3 })
)
/** A JSON text that may not parse, or not be an object. */
const rawBody = fc.oneof(
  fc.json({ maxDepth: 2 }), fc.string({ maxLength: 60 }), fc.constant(''), fc.constant('{"a":'), fc.constant('[]'), fc.constant('null'),
  fc.constant('{"__proto__":{"x":1}}'), fc.constant('"\\ud800"')
)

test('fuzz: POST /telegram/webhook: a wrong or missing secret is 401 before the body is read; a non-update 400; nothing changes', async () => {
  const secret = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }), fc.constant(WEBHOOK_SECRET + 'x'), fc.constant(WEBHOOK_SECRET.slice(1)))
  await unchanged('the webhook without the secret', fc.asyncProperty(secret, rawBody, async (header, body) => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'content-type': 'application/json', ...(header !== undefined ? { 'x-telegram-bot-api-secret-token': header } : {}) }, payload: body })
    assertProblem(res, [401], `secret ${JSON.stringify(header)}`)
  }))
  const notUpdate = fc.oneof(
    rawBody.filter((b) => { try { const v = JSON.parse(b) as { update_id?: unknown }; return typeof v !== 'object' || v === null || !Number.isInteger(v.update_id) || (v.update_id as number) < 0 } catch { return true } }),
    fc.record({ update_id: fc.oneof(fc.double(), fc.string(), fc.constant(-1), fc.constant(null)), message: odd }).map((v) => JSON.stringify(v))
  )
  await unchanged('non-updates with the secret', fc.asyncProperty(notUpdate, async (body) => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, payload: body })
    assertProblem(res, [400, 415], `body ${body.slice(0, 80)}`)
  }))
  // updates of a shape Telegram never sends (wrong types inside) are answered 200 or refused 400, never 5xx
  const oddUpdate = fc.record({ update_id: fc.integer({ min: 1, max: 2 ** 31 }), message: odd, callback_query: odd, pre_checkout_query: odd }, { requiredKeys: ['update_id'] })
  await unchanged('odd updates with the secret', fc.asyncProperty(oddUpdate, async (update) => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, payload: update })
    assert.ok(res.statusCode === 200 || res.statusCode === 400, `${JSON.stringify(update).slice(0, 200)} → ${res.statusCode} ${res.body} ${logsOfApp.filter((l) => /failed|error/i.test(l)).slice(-2).join('\n')}`)
    if (res.statusCode !== 200) assertProblem(res, [400], JSON.stringify(update).slice(0, 200))
  }), 30)
  // well-formed envelopes with odd contents (text, entities, contact, a payment, callback data):
  // handled (200) or refused (400), never 5xx; a message from a new user makes its customer row,
  // as designed, and nothing else changes
  const from = fc.record({ id: fc.integer({ min: 1, max: 2 ** 40 }), is_bot: fc.boolean(), first_name: fc.oneof(fc.string({ maxLength: 20 }), odd), language_code: odd }, { requiredKeys: ['id'] })
  const chat = from.map((u) => ({ id: u.id, type: 'private' }))
  const message = fc.record({ message_id: fc.nat(), date: fc.nat(), chat, from, text: odd, entities: odd, contact: odd, reply_to_message: odd, successful_payment: odd, refunded_payment: odd },
    { requiredKeys: ['message_id', 'date', 'chat'] })
  const callback = fc.record({ id: fc.string({ maxLength: 10 }), from, data: odd, message: fc.oneof(message, fc.object({ maxDepth: 1 })) }, { requiredKeys: ['id', 'from'] })
  const envelope = fc.oneof(
    fc.record({ update_id: fc.integer({ min: 1, max: 2 ** 31 }), message }),
    fc.record({ update_id: fc.integer({ min: 1, max: 2 ** 31 }), callback_query: callback })
  )
  await unchanged('well-formed updates with odd contents', fc.asyncProperty(envelope, async (update) => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, payload: update })
    assert.ok(res.statusCode === 200 || res.statusCode === 400, `${JSON.stringify(update).slice(0, 300)} → ${res.statusCode} ${res.body} ${logsOfApp.filter((l) => /failed|error/i.test(l)).slice(-2).join('\n').slice(0, 1500)}`)
    if (res.statusCode !== 200) assertProblem(res, [400], JSON.stringify(update).slice(0, 200))
  }), 40, ['customer'])
})

test('fuzz: POST /payments/stripe/webhook: a wrong signature is 400 and records nothing; a signed non-event is 400 or acknowledged, changing nothing else', async () => {
  const signature = (body: string): fc.Arbitrary<string | undefined> => fc.oneof(
    fc.constant(undefined), fc.string({ maxLength: 60 }), fc.constant(stripe.signPayload(body, { secret: 'whsec_wrong' })),
    fc.constant(stripe.signPayload(body + ' ')), fc.constant(stripe.signPayload(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))
  )
  await unchanged('unsigned Stripe calls', fc.asyncProperty(rawBody.chain((body) => fc.tuple(fc.constant(body), signature(body))), async ([body, sig]) => {
    const res = await app.inject({ method: 'POST', url: '/payments/stripe/webhook', headers: { 'content-type': 'application/json', ...(sig !== undefined ? { 'stripe-signature': sig } : {}) }, payload: body })
    assertProblem(res, [400], `sig ${String(sig).slice(0, 30)}`)
  }))
  const eventish = fc.oneof(rawBody, fc.record({
    id: fc.oneof(fc.constant('evt_fuzz_1'), fc.string({ maxLength: 10 }), odd),
    object: fc.constant('event'),
    type: fc.constantFrom('checkout.session.completed', 'payment_intent.succeeded', 'charge.refunded', 'checkout.session.expired', 'charge.dispute.created', 'x'),
    data: fc.oneof(odd, fc.record({ object: fc.oneof(odd, fc.record({ id: odd, metadata: fc.oneof(odd, fc.record({ order_id: fc.oneof(odd, fc.constant(orderId)) })), amount: odd, amount_total: odd, currency: odd, payment_status: odd })) }))
  }, { requiredKeys: ['object'] }).map((v) => JSON.stringify(v)))
  // a signed event with an id is recorded once in provider_event (ignored), as designed
  await unchanged('signed Stripe non-events', fc.asyncProperty(eventish, async (body) => {
    const res = await app.inject({ method: 'POST', url: '/payments/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.signPayload(body) }, payload: body })
    assert.ok(res.statusCode < 500, `${body.slice(0, 200)} → ${res.statusCode} ${res.body}`)
    if (res.statusCode >= 400) assertProblem(res, [400], body.slice(0, 200))
  }), RUNS, ['provider_event'])
})

const PAYME_METHODS = ['CheckPerformTransaction', 'CreateTransaction', 'PerformTransaction', 'CancelTransaction', 'CheckTransaction', 'GetStatement', 'SetFiscalData', 'ChangePassword', 'Unknown']
const PAYME_CODES = new Set([-32700, -32600, -32601, -32602, -32603, -32504, -32400, -31001, -31003, -31007, -31008, -31050, -31051, -31052, -31053, -31054, -31055, -31056, -31057, -31058, -31059, -31060, -31061, -31062, -31063, -31064, -31065, -31066, -31067, -31068, -31069, -31070, -31071, -31072, -31073, -31074, -31075, -31076, -31077, -31078, -31079, -31080, -31081, -31082, -31083, -31084, -31085, -31086, -31087, -31088, -31089, -31090, -31091, -31092, -31093, -31094, -31095, -31096, -31097, -31098, -31099])

test('fuzz: POST /payments/payme: wrong auth, and every method with wrongly typed, missing or oversized params, get a JSON-RPC error with HTTP 200 and change nothing', async () => {
  const auth = fc.oneof(fc.constant(paymeAuthHeader(PAYME_KEY)), fc.constant(paymeAuthHeader('wrong')), fc.constant(undefined), fc.string({ maxLength: 30 }), fc.constant('Basic %%%'), fc.constant(paymeAuthHeader(PAYME_KEY, 'Paycom2')))
  const params = fc.oneof(odd, fc.record({
    id: fc.oneof(odd, fc.stringMatching(/^[0-9a-f]{24}$/)),
    time: fc.oneof(odd, fc.constant(Date.now() + 3_600_000), fc.constant(0)),
    amount: fc.oneof(odd, fc.constant(1_499_999), fc.constant(0), fc.constant(-1_500_000), fc.constant(1_500_000.5)),
    account: fc.oneof(odd, fc.record({ order_id: fc.oneof(odd, fc.constant(orderId), fc.constant('999999999'), fc.constant(`${orderId} `)) })),
    reason: odd,
    from: odd,
    to: odd,
    password: odd,
    type: odd
  }, { requiredKeys: [] }))
  const envelope = fc.oneof(
    fc.record({ jsonrpc: fc.constant('2.0'), id: fc.oneof(fc.integer(), odd), method: fc.oneof(fc.constantFrom(...PAYME_METHODS), odd), params }, { requiredKeys: ['method'] }).map((v) => JSON.stringify(v)),
    rawBody
  )
  await unchanged('Payme calls', fc.asyncProperty(auth, envelope, async (header, body) => {
    const res = await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'application/json', ...(header !== undefined ? { authorization: header } : {}) }, payload: body })
    assert.equal(res.statusCode, 200, `${body.slice(0, 200)} → ${res.statusCode} ${res.body}`)
    const answer = res.json() as { jsonrpc?: unknown, result?: unknown, error?: { code: number, message: Record<string, string> } }
    if (header !== paymeAuthHeader(PAYME_KEY)) assert.equal(answer.error?.code, -32504, `${String(header)}: ${res.body}`)
    if (answer.error !== undefined) {
      assert.ok(PAYME_CODES.has(answer.error.code), res.body)
      assert.deepEqual(Object.keys(answer.error.message).sort(), ['en', 'ru', 'uz'], res.body)
      assert.equal('result' in answer, false)
    } else {
      // the only calls that may succeed on fuzz: reads (a statement, a check of the real order)
      assert.ok(answer.result !== undefined, res.body)
      assert.match(body, /"method":"(GetStatement|CheckPerformTransaction)"/, `a change was allowed: ${body} → ${res.body}`)
    }
  }), 80)
})

test('fuzz: POST /payments/click/prepare and /complete: wrongly typed or missing fields and bad signs get Click\'s error JSON with HTTP 200 and change nothing', async () => {
  const field = fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constant(''), fc.constant('1e400'), fc.constant('-0'), fc.constant('0x10'), fc.constant('x'.repeat(3000)))
  const form = fc.record({
    click_trans_id: fc.oneof(field, fc.constant('2387417364')),
    service_id: fc.oneof(field, fc.constant('1001')),
    click_paydoc_id: field,
    merchant_trans_id: fc.oneof(field, fc.constant(orderId)),
    merchant_prepare_id: field,
    amount: fc.oneof(field, fc.constant('15000.00'), fc.constant('15000.001'), fc.constant('-15000')),
    action: fc.oneof(field, fc.constantFrom('0', '1', '2')),
    error: fc.oneof(field, fc.constantFrom('0', '-5017')),
    error_note: field,
    sign_time: fc.oneof(field, fc.constant('2026-01-01 15:00:00'))
  }, { requiredKeys: [] })
  const signing = fc.constantFrom('right', 'wrong', 'none', 'garbage')
  await unchanged('Click calls', fc.asyncProperty(fc.constantFrom('prepare', 'complete'), form, signing, async (route, fields, sign) => {
    const body: Record<string, string> = { ...fields }
    if (sign === 'right') body.sign_string = clickSignString(body as Record<string, string> & ClickSignFields, CLICK_SECRET)
    else if (sign === 'wrong') body.sign_string = clickSignString(body as Record<string, string> & ClickSignFields, 'wrong-secret')
    else if (sign === 'garbage') body.sign_string = 'zz'
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString() })
    assert.equal(res.statusCode, 200, `${route} ${JSON.stringify(body).slice(0, 200)} → ${res.statusCode} ${res.body}`)
    assert.match(String(res.headers['content-type']), /application\/json/)
    const answer = res.json() as { error?: unknown, error_note?: unknown }
    assert.ok(Number.isInteger(answer.error) && (answer.error as number) < 0, `${route} ${JSON.stringify(body).slice(0, 300)} → ${res.body}`)
    assert.equal(typeof answer.error_note, 'string')
    if (sign !== 'right') assert.ok([-1, -8, -3].includes(answer.error as number), `unsigned ${route} → ${res.body}`)
  }), 80)
  // a body that is not a form at all
  await unchanged('Click non-forms', fc.asyncProperty(fc.constantFrom('prepare', 'complete'), rawBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (route, body, type) => {
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: { 'content-type': type }, payload: body })
    assert.equal(res.statusCode, 200, `${route} ${type} ${body.slice(0, 100)} → ${res.statusCode} ${res.body}`)
    assert.ok(Number.isInteger(res.json().error) && res.json().error < 0, res.body)
  }))
})

test('fuzz: GET /pay/:orderId/:provider: wrong signatures, unknown orders and providers get an HTML page, never 5xx, and change nothing', async () => {
  const good = new URL(payPath(orderId, 'payme'), 'http://x').searchParams.get('t')!
  const id = fc.oneof(fc.constant(orderId), fc.nat().map(String), fc.string({ maxLength: 12 }), fc.constant('99999999999999999999'), fc.constant('-1'), fc.constant('%00'))
  const provider = fc.oneof(fc.constantFrom('payme', 'click', 'stripe', 'stars', 'PAYME', 'paypal', ''), fc.string({ maxLength: 10 }))
  const sig = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 }), fc.constant(good.slice(1)), fc.constant(good.toUpperCase()), fc.constant(`${good}x`))
  await unchanged('pay links', fc.asyncProperty(id, provider, sig, async (orderPart, providerPart, t) => {
    const url = `/pay/${orderPart === '%00' ? '%00' : encodeURIComponent(orderPart)}/${encodeURIComponent(providerPart)}${t !== undefined ? `?t=${encodeURIComponent(t)}` : ''}`
    const res = await app.inject({ url })
    assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}`)
    assert.notEqual(res.statusCode, 302, `${url} redirected without the order's signature`)
    if (res.statusCode === 404 && !/^text\/html/.test(String(res.headers['content-type']))) assertProblem(res, [404], url)
  }))
})

test('fuzz: every admin route refuses a missing, wrong or cookie-only caller with a problem, and changes nothing', async () => {
  const operations = operationsOf(await openApiOf(app))
  assert.ok(operations.length > 20)
  const caller = fc.oneof(
    fc.constant({}), fc.constant({ authorization: 'Bearer wrong-token-0000000000' }), fc.constant({ authorization: `Basic ${ADMIN}` }),
    fc.constant({ authorization: `Bearer ${ADMIN}x` }), fc.constant({ authorization: `Bearer ${ADMIN.slice(0, -1)}` }), fc.constant({ authorization: 'Bearer ' }), fc.string({ maxLength: 40 }).map((s) => ({ authorization: s })),
    fc.constant({ cookie: 'bozor_session=deadbeef' }), fc.string({ maxLength: 40 }).map((s) => ({ cookie: `bozor_session=${encodeURIComponent(s)}`, 'x-csrf-token': s }))
  )
  const route = fc.constantFrom(...operations)
  await unchanged('admin routes without a valid caller', fc.asyncProperty(route, caller, fc.oneof(fc.constant(undefined), odd), async ({ method, path }, headers, body) => {
    const url = path.replace(/\{[A-Za-z]+\}/g, '1')
    const res = await app.inject({ method: method as 'GET', url, headers: { ...headers, ...(body !== undefined && method !== 'GET' ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined && method !== 'GET' ? { payload: JSON.stringify(body) } : {}) })
    assertProblem(res, [401, 403], `${method} ${url} ${JSON.stringify(headers)}`)
  }), 120)
})

test('fuzz: POST /telegram/webapp/auth and GET /media/photos/:id refuse with a problem and change nothing', async () => {
  const initData = fc.oneof(
    fc.string({ maxLength: 200 }), fc.constant(''), fc.constant('x'.repeat(9000)),
    fc.dictionary(fc.constantFrom('user', 'auth_date', 'hash', 'query_id', 'signature'), fc.string({ maxLength: 40 }), { maxKeys: 5 }).map((d) => new URLSearchParams(d).toString())
  )
  const body = fc.oneof(initData.map((v) => ({ initData: v })), fc.record({ initData: odd }), fc.object({ maxDepth: 1 }))
  await unchanged('Mini App auth', fc.asyncProperty(body, async (payload) => {
    const res = await app.inject({ method: 'POST', url: '/telegram/webapp/auth', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    assertProblem(res, [400, 401], `initData ${JSON.stringify(payload).slice(0, 100)}`)
  }))
  await unchanged('photos', fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), fc.constant('..%2F..%2Fpackage.json'), fc.constant('pho_x'), fc.constant('x'.repeat(300))), async (id) => {
    const url = `/media/photos/${id.includes('%') ? id : encodeURIComponent(id)}`
    const res = await app.inject({ url })
    assert.ok(res.statusCode < 500, `${url} → ${res.statusCode}`)
    if (res.statusCode >= 400) assertProblem(res, [400, 404], url)
  }))
})

test('fuzz: dashboard login routes, /healthz, /readyz, /metrics and unknown paths never answer 5xx and change nothing', async () => {
  const loginBody = fc.oneof(fc.record({ code: odd }), fc.record({ token: odd }), fc.record({ code: fc.string({ maxLength: 300 }) }), fc.record({ token: fc.string({ maxLength: 600 }) }), fc.object({ maxDepth: 1 }), fc.constant({ code: 'a', token: 'b' }))
  await unchanged('dashboard logins', fc.asyncProperty(loginBody, fc.constantFrom(undefined, 'same-origin', 'cross-site'), async (body, site) => {
    const res = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/json', ...(site !== undefined ? { 'sec-fetch-site': site } : {}) }, payload: JSON.stringify(body) })
    assertProblem(res, [400, 401, 403], `POST /login ${JSON.stringify(body).slice(0, 100)}`)
  }))
  const query = fc.dictionary(fc.constantFrom('code', 'lang', 'x', 'format'), fc.oneof(fc.string({ maxLength: 250 }), fc.constant('%00'), fc.constant('%E0%A4%A')), { maxKeys: 3 })
  const path = fc.constantFrom('/login', '/logout', '/dashboard/session', '/', '/dashboard', '/dashboard/orders', '/healthz', '/readyz', '/metrics', '/dashboard/assets/app.js', '/dashboard/assets/../../package.json', '/sandbox/api/users', '/sandbox/chat', '/media/photos/x', '/nope')
  await unchanged('public GETs and POSTs', fc.asyncProperty(path, query, fc.constantFrom('GET', 'POST', 'DELETE'), fc.oneof(fc.constant({}), fc.constant({ cookie: 'bozor_session=x' }), fc.constant({ 'x-csrf-token': 'x', cookie: 'bozor_session=%00' })), async (p, q, method, headers) => {
    const qs = Object.entries(q).map(([k, v]) => `${k}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&')
    const url = qs === '' ? p : `${p}?${qs}`
    const res = await app.inject({ method: method as 'GET', url, headers })
    assert.ok(res.statusCode < 500, `${method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`)
    assert.doesNotMatch(res.body, /"name": "bozor"/, 'no file outside the assets is served')
    if (res.statusCode >= 400 && !/^text\/html/.test(String(res.headers['content-type']))) assertProblem(res, [res.statusCode], `${method} ${url}`)
    if (p === '/healthz' && method === 'GET') assert.deepEqual(res.json(), { status: 'ok' })
    if (p.startsWith('/sandbox')) assert.equal(res.statusCode, 404, 'no /sandbox route outside sandbox mode')
  }), 80)
})

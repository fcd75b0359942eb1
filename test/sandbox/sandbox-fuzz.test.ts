// Fuzz tests of every public /sandbox route (issue 14 parts 2 and 4): arbitrary params, query
// strings and bodies never get a 5xx, and every 4xx is a problem body. One sandbox (composed with
// no configuration but a DATA_DIR, not listening: inject() only) serves the file.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { loadConfig } from '../../src/config.js'
import { compose, type Deps } from '../../src/compose.js'
import { createLogger } from '../../src/logger.js'
import { buildApp, type App } from '../../src/app.js'
import { freePort } from '../helpers/kv.js'
import { sandboxEnv, tempDataDir } from '../helpers/sandbox.js'

const SEED = 1414
const RUNS = 40

let app: App
let deps: Deps
let userId: number
const hooks: Array<() => unknown> = []
const ctx = { after: (fn: () => unknown) => { hooks.push(fn) } } as unknown as Parameters<typeof tempDataDir>[0]

before(async () => {
  const config = loadConfig(await sandboxEnv(ctx, tempDataDir(ctx), await freePort()))
  deps = await compose(config, { logger: createLogger({ level: 'silent', secrets: [] }) })
  app = await buildApp(deps)
  const res = await app.inject({ method: 'POST', url: '/sandbox/api/users', payload: { firstName: 'Fuzz' } })
  userId = res.json().id
})

after(async () => {
  await app?.close()
  await deps?.close()
  for (const fn of hooks.reverse()) await fn()
})

/** JSON-ish bodies: objects with the route's field names and odd values, or anything at all. */
const oddValue = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant('\u0000'), fc.constant('\uD800'), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }))
const bodyWith = (fields: string[]): fc.Arbitrary<unknown> => fc.oneof(
  fc.dictionary(fc.constantFrom(...fields, 'extra'), oddValue, { maxKeys: 4 }),
  fc.anything({ maxDepth: 2 })
)
const idSegment = fc.oneof(fc.constant('USER'), fc.nat().map(String), fc.string({ maxLength: 20 }), fc.constant('-1'), fc.constant('1e3'), fc.constant('99999999999999999999'))
const segment = (value: string): string => encodeURIComponent(value === 'USER' ? String(userId) : value)

async function assertProblem (method: 'GET' | 'POST', url: string, payload?: unknown, raw?: { body: string, contentType: string }): Promise<void> {
  const res = await app.inject({
    method,
    url,
    ...(raw !== undefined ? { payload: raw.body, headers: { 'content-type': raw.contentType } } : payload !== undefined ? { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } } : {})
  })
  assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(payload)} → ${res.statusCode} ${res.body}`)
  if (res.statusCode >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${method} ${url} → ${res.statusCode} ${res.body}`)
    assert.match(res.json().code, /^ERR_[A-Z_]+$/)
  }
}

const property = async (arb: fc.Arbitrary<[string, unknown]>, method: 'GET' | 'POST'): Promise<void> => {
  await fc.assert(fc.asyncProperty(arb, async ([url, body]) => { await assertProblem(method, url, method === 'POST' ? body : undefined) }), { seed: SEED, numRuns: RUNS })
}

test('fuzz: GET /sandbox/api/users', async () => {
  await property(fc.string({ maxLength: 30 }).map((q) => [`/sandbox/api/users?${encodeURIComponent(q)}=${encodeURIComponent(q)}`, undefined]), 'GET')
})

test('fuzz: POST /sandbox/api/users', async () => {
  await property(bodyWith(['firstName', 'languageCode']).map((b) => ['/sandbox/api/users', b]), 'POST')
})

test('fuzz: POST /sandbox/api/users/:id/messages', async () => {
  await property(fc.tuple(idSegment, bodyWith(['text', 'contact'])).map(([id, b]) => [`/sandbox/api/users/${segment(id)}/messages`, b]), 'POST')
})

test('fuzz: POST /sandbox/api/users/:id/callback', async () => {
  await property(fc.tuple(idSegment, bodyWith(['messageId', 'data'])).map(([id, b]) => [`/sandbox/api/users/${segment(id)}/callback`, b]), 'POST')
})

test('fuzz: POST /sandbox/api/users/:id/block and /unblock', async () => {
  await property(fc.tuple(idSegment, fc.constantFrom('block', 'unblock'), bodyWith([])).map(([id, action, b]) => [`/sandbox/api/users/${segment(id)}/${action}`, b]), 'POST')
})

test('fuzz: POST /sandbox/api/users/:id/invoices/:messageId/pay', async () => {
  await property(fc.tuple(idSegment, idSegment, bodyWith(['outcome'])).map(([id, m, b]) => [`/sandbox/api/users/${segment(id)}/invoices/${encodeURIComponent(m)}/pay`, b]), 'POST')
})

test('fuzz: GET /sandbox/api/users/:id/messages', async () => {
  await property(fc.tuple(idSegment, fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String))).map(([id, after]) => [`/sandbox/api/users/${segment(id)}/messages?after=${encodeURIComponent(after)}`, undefined]), 'GET')
})

test('fuzz: GET /sandbox/api/users/:id/stream (unknown users and bad cursors)', async () => {
  // a known user with a good cursor opens the stream, which never ends: left to the stream tests
  const unknownId = fc.oneof(fc.string({ maxLength: 20 }), fc.nat().map((n) => String(n === userId ? n + 1 : n)))
  await property(fc.tuple(unknownId, fc.string({ maxLength: 12 })).map(([id, after]) => [`/sandbox/api/users/${encodeURIComponent(id)}/stream?after=${encodeURIComponent(after)}`, undefined]), 'GET')
})

test('fuzz: GET and POST /sandbox/api/clock', async () => {
  await property(bodyWith(['advanceS']).filter((b) => (b as { advanceS?: unknown } | null)?.advanceS === undefined || typeof (b as { advanceS?: unknown }).advanceS !== 'number').map((b) => ['/sandbox/api/clock', b]), 'POST')
  await property(fc.string({ maxLength: 20 }).map((q) => [`/sandbox/api/clock?x=${encodeURIComponent(q)}`, undefined]), 'GET')
})

test('fuzz: GET /sandbox/pay/payme/* and /sandbox/pay/click', async () => {
  await property(fc.oneof(fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 40 })).map((s) => [`/sandbox/pay/payme/${s.split('/').map(encodeURIComponent).join('/')}`, undefined]), 'GET')
  const query = fc.dictionary(fc.constantFrom('service_id', 'merchant_id', 'amount', 'transaction_param', 'x'), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('10001', '1', '1000.00', '0.00')), { maxKeys: 5 })
  await property(query.map((q) => [`/sandbox/pay/click?${new URLSearchParams(q).toString()}`, undefined]), 'GET')
})

test('fuzz: POST /sandbox/pay/:provider', async () => {
  const url = fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 }), fc.constant('http://127.0.0.1/sandbox/pay/payme/bT1hO2FjLm9yZGVyX2lkPTE7YT0x'), fc.constant('http://x/sandbox/pay/click?service_id=10001&amount=100.00&transaction_param=999'), fc.constant('http://x/sandbox/stripe/checkout/cs_test_nope'))
  const body = fc.oneof(fc.record({ url, outcome: fc.constantFrom('pay', 'decline', 'cancel', 'other') }), bodyWith(['url', 'outcome']))
  await property(fc.tuple(fc.oneof(fc.constantFrom('payme', 'click', 'stripe'), fc.string({ maxLength: 10 })), body).map(([p, b]) => [`/sandbox/pay/${encodeURIComponent(p)}`, b]), 'POST')
  // the checkout pages' form posts
  await fc.assert(fc.asyncProperty(fc.constantFrom('payme', 'click'), fc.string({ maxLength: 200 }), async (p, form) => {
    await assertProblem('POST', `/sandbox/pay/${p}`, undefined, { body: form, contentType: 'application/x-www-form-urlencoded' })
  }), { seed: SEED, numRuns: RUNS })
})

test('fuzz: POST /sandbox/pay/:provider/refund', async () => {
  await property(fc.tuple(fc.oneof(fc.constantFrom('payme', 'click', 'stripe'), fc.string({ maxLength: 10 })), bodyWith(['orderId'])).map(([p, b]) => [`/sandbox/pay/${encodeURIComponent(p)}/refund`, b]), 'POST')
})

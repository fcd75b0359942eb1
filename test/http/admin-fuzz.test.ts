// Issue 15 point 8: fast-check over every admin route listed in /api/openapi.json: arbitrary path
// segments, query strings and bodies (NUL characters, lone surrogates, unknown fields, wrong
// types, huge numbers) never get a 5xx, and every refusal is a problem body with an ERR_ code.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { buildAdminApp, call, openApiOf, operationsOf, type Operation } from '../helpers/admin.js'

const SEED = 1515
const RUNS = 25

/** Odd values for a field: wrong types, bad text, huge numbers. */
const oddValue = fc.oneof(
  fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constant('\u0000'), fc.constant('a\uD800b'), fc.constant('\uDC00'), fc.constant(1e300), fc.constant(-1), fc.constant(Number.MAX_SAFE_INTEGER + 2),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.object({ maxDepth: 1, maxKeys: 3 })
)

/** The names a schema's object properties use (nested), so bodies often hit real fields. */
function fieldNames (schema: unknown, found = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return found
  const s = schema as { properties?: Record<string, unknown>, items?: unknown, anyOf?: unknown[], oneOf?: unknown[] }
  for (const [name, sub] of Object.entries(s.properties ?? {})) { found.add(name); fieldNames(sub, found) }
  for (const sub of [s.items, ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) fieldNames(sub, found)
  return found
}

function bodyFor (operation: Operation): fc.Arbitrary<unknown> {
  const schema = operation.requestBody?.content['application/json']?.schema
  const names = [...fieldNames(schema), 'extra']
  const shaped: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.dictionary(fc.constantFrom(...names), fc.oneof({ depthSize: 'small' }, oddValue, tie('node')), { maxKeys: 5 })
  })).node
  return fc.oneof(shaped, fc.anything({ maxDepth: 2 }), fc.constant(undefined))
}

const segment = fc.oneof(fc.constant('1001'), fc.constant('prd_x'), fc.nat().map(String), fc.string({ maxLength: 20 }), fc.constant('-1'), fc.constant('1e3'), fc.constant('99999999999999999999'), fc.constant('%00'), fc.constant('%E0%A4%A'), fc.constant('x'.repeat(300)))
const queryValue = fc.oneof(fc.string({ maxLength: 12 }), fc.nat().map(String), fc.constant('-5'), fc.constant('%00'), fc.constant('%uD800'), fc.constant('true'), fc.constant(''))

test('fuzzing every admin route never gets a 5xx, and every refusal is a problem', async (t) => {
  const { app } = await buildAdminApp(t)
  const product = await call(app, 'POST', '/api/v1/products', { title: { en: 'Fuzz' }, price: { amount: 1000, currency: 'USD' }, kind: 'digital', payload: 'x' })
  assert.equal(product.status, 201)
  const operations = operationsOf(await openApiOf(app))
  assert.ok(operations.length > 0)
  for (const { method, path, operation } of operations) {
    const queryNames = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
    const query = fc.dictionary(fc.constantFrom(...queryNames, 'extra'), queryValue, { maxKeys: 3 })
    await fc.assert(fc.asyncProperty(fc.array(segment, { minLength: 3, maxLength: 3 }), query, bodyFor(operation), async (segments, params, body) => {
      let i = 0
      const url = path.replace(/\{[A-Za-z]+\}/g, () => segments[i++] === '%00' ? '%00' : encodeURIComponent(segments[i - 1] ?? '')) +
        (Object.keys(params).length > 0 ? '?' + Object.entries(params).map(([k, v]) => `${k}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&') : '')
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: 'Bearer test-admin-token-1234567890', ...(body !== undefined && method !== 'GET' ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined && method !== 'GET' ? { payload: JSON.stringify(body) } : {})
      })
      assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`)
      if (res.statusCode >= 400) {
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${method} ${url} → ${res.statusCode} ${res.body}`)
        assert.match(res.json().code, /^ERR_[A-Z_]+$/)
      }
    }), { seed: SEED, numRuns: RUNS })
  }
})

test('fuzzing the reference (/api/openapi.json, /api/docs/…) never gets a 5xx', async (t) => {
  const { app } = await buildAdminApp(t)
  await fc.assert(fc.asyncProperty(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('static/index.css', 'json', 'yaml', 'static/../../package.json', '%2e%2e/%2e%2e/package.json', 'static/%00')), async (path) => {
    const res = await app.inject({ url: `/api/docs/${path.includes('%') || path.includes('/') ? path : encodeURIComponent(path)}` })
    assert.ok(res.statusCode < 500, `/api/docs/${path} → ${res.statusCode}`)
    assert.doesNotMatch(res.body, /"name": "bozor"/, 'no file outside the UI is served')
  }), { seed: SEED, numRuns: 60 })
  assert.equal((await app.inject({ url: '/api/openapi.json?x=%00' })).statusCode, 200)
})

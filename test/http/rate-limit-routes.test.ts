// The named policies on the real routes (DESIGN.md, issue 6 item 2): `api.token` per admin token
// on /api/v1, `pay.open` per order and `public.ip` per IP on /pay (429 HTML page with
// Retry-After), and provider callbacks only counted, never refused. Low limits via RATE_LIMITS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createAdminToken } from '../../src/adapters/postgres/admin-tokens.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { seedOrder } from '../integration/payme-ledger-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

const TOKEN = 'test-admin-token-ratelimit-0001'
const PROVIDERS = {
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY: 'test-payme-key-0123456789',
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '6789',
  CLICK_SECRET_KEY: 'SeCrEtKeY123'
}

function limits (policies: Record<string, number>): Record<string, string> {
  const body = Object.fromEntries(Object.entries(policies).map(([name, limit]) => [name, [{ limit, windowS: 60 }]]))
  return { RATE_LIMITS: JSON.stringify(body) }
}

function retryAfterOf (headers: Record<string, unknown>): number {
  const value = Number(headers['retry-after'])
  assert.ok(Number.isInteger(value) && value >= 1 && value <= 120, `Retry-After ${String(headers['retry-after'])}`)
  return value
}

test('the admin API answers 429 ERR_RATE_LIMITED with Retry-After past api.token, per token', async (t) => {
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { database, env: { ADMIN_TOKEN: TOKEN, ...limits({ 'api.token': 2 }) } })
  const headers = { authorization: `Bearer ${TOKEN}` }
  assert.equal((await app.inject({ url: '/api/v1/products', headers })).statusCode, 200)
  assert.equal((await app.inject({ url: '/api/v1/orders/999999', headers })).statusCode, 404, 'every /api/v1 route counts')
  const refused = await app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: {} })
  assert.equal(refused.statusCode, 429, 'refused before the body is validated')
  assert.equal(refused.json().code, 'ERR_RATE_LIMITED')
  retryAfterOf(refused.headers)

  const other = await createAdminToken(database.db, { name: 'other', scope: 'read' })
  const otherHeaders = { authorization: `Bearer ${other.token}` }
  assert.equal((await app.inject({ url: '/api/v1/products', headers: otherHeaders })).statusCode, 200, 'another token has its own quota')
  const unauthenticated = await app.inject({ url: '/api/v1/products' })
  assert.equal(unauthenticated.statusCode, 401, 'auth runs before the limiter')
})

test('pay link: pay.open per order gives the 429 HTML page with Retry-After', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { database, clock, env: { ...PROVIDERS, ...limits({ 'pay.open': 2, 'public.ip': 100 }) } })
  const { orderId } = await seedOrder(database.db, { now: clock.now(), language: 'uz' })
  assert.equal((await app.inject({ url: payPath(orderId, 'payme') })).statusCode, 302)
  assert.equal((await app.inject({ url: payPath(orderId, 'click') })).statusCode, 302)
  const refused = await app.inject({ url: payPath(orderId, 'payme') })
  assert.equal(refused.statusCode, 429)
  assert.match(String(refused.headers['content-type']), /text\/html/)
  const seconds = retryAfterOf(refused.headers)
  assert.match(refused.body, /Too many attempts/)
  assert.ok(refused.body.includes(`Try again in ${seconds} s.`), refused.body)
  const { orderId: second } = await seedOrder(database.db, { now: clock.now(), language: 'uz' })
  assert.equal((await app.inject({ url: payPath(second, 'payme') })).statusCode, 302, 'another order has its own quota')
})

test('pay link: public.ip per IP refuses a client opening many orders, not other clients', async (t) => {
  const { app } = await buildTestApp(t, { env: { ...PROVIDERS, ...limits({ 'pay.open': 100, 'public.ip': 2 }) } })
  assert.equal((await app.inject({ url: '/pay/900001/payme' })).statusCode, 404)
  assert.equal((await app.inject({ url: '/pay/900002/payme' })).statusCode, 404)
  const refused = await app.inject({ url: '/pay/900003/payme' })
  assert.equal(refused.statusCode, 429)
  assert.match(String(refused.headers['content-type']), /text\/html/)
  retryAfterOf(refused.headers)
  assert.equal((await app.inject({ url: '/pay/900003/payme', remoteAddress: '10.1.2.3' })).statusCode, 404, 'another IP has its own quota')
})

test('Payme and Click callbacks over the limit are counted but never refused', async (t) => {
  const { app } = await buildTestApp(t, { env: { ...PROVIDERS, ...limits({ 'public.ip': 1 }) } })
  for (let i = 0; i < 4; i++) {
    const payme = await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ method: 'CheckPerformTransaction', params: {}, id: i }) })
    assert.equal(payme.statusCode, 200)
    assert.equal(payme.json().error.code, -32504, 'answered by the protocol (no auth), not by the limiter')
    for (const route of ['prepare', 'complete']) {
      const click = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'click_trans_id=1' })
      assert.equal(click.statusCode, 200)
      assert.equal(typeof click.json().error, 'number')
    }
  }
  assert.equal((await app.inject({ url: '/pay/900001/payme' })).statusCode, 404, 'callbacks do not spend a customer\'s /pay quota')
})

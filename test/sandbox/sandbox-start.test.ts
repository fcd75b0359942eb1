// The zero-configuration sandbox (issue 14 parts 1 and 2; DESIGN.md "The sandbox (contract)"):
// compose with no variables but a DATA_DIR offers every provider, seeds the demo catalog once,
// keeps one admin token, and a customer made through the JSON API talks to the bot.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { compose } from '../../src/compose.js'
import { createLogger } from '../../src/logger.js'
import { buildApp } from '../../src/app.js'
import { listProductRows } from '../../src/adapters/postgres/catalog-store.js'
import { verifyAdminToken } from '../../src/adapters/postgres/admin-tokens.js'
import { DEMO_PRODUCTS } from '../../src/sandbox/demo-seed.js'
import { SANDBOX_TOKEN_FILE } from '../../src/compose/sandbox.js'
import { captureStream } from '../helpers/app.js'
import { freePort } from '../helpers/kv.js'
import { call, openStream, sandboxEnv, startSandbox, tempDataDir } from '../helpers/sandbox.js'

test('sandbox: zero configuration offers payme, click, stripe and stars, seeds the demo catalog and keeps one write token across starts', async (t) => {
  const dataDir = tempDataDir(t)
  // loadConfig({}) plus a temp DATA_DIR (and, on the services leg, its database and Redis)
  const env = await sandboxEnv(t, dataDir, await freePort())
  const config = loadConfig({ DATA_DIR: dataDir, ...(env.DATABASE_URL !== undefined ? { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL!, KV_PREFIX: env.KV_PREFIX! } : {}) })
  assert.equal(config.mode.telegram, 'sandbox')
  const logs: string[] = []
  const logger = createLogger({ level: 'info', secrets: [], destination: captureStream(logs) })
  const first = await compose(config, { logger })
  let token: string
  try {
    assert.ok(first.sandbox !== undefined)
    assert.deepEqual([...first.admin.view.offer.configured].sort(), ['click', 'payme', 'stars', 'stripe'])
    assert.deepEqual(Object.keys(first.pay.providers).sort(), ['click', 'payme', 'stars', 'stripe'])
    assert.equal(first.sandbox.seeded, DEMO_PRODUCTS.length)
    const products = await listProductRows(first.database.db, { limit: 50 })
    assert.deepEqual(products.map((p) => p.id).sort(), DEMO_PRODUCTS.map((p) => p.id).sort())
    token = first.sandbox.adminToken
    assert.equal((await verifyAdminToken(first.database.db, token))?.scope, 'write')
    assert.equal(readFileSync(join(dataDir, SANDBOX_TOKEN_FILE), 'utf8').trim(), token)
    assert.match(first.sandbox.banner, /^Bozor sandbox — no configuration needed\n/)
    assert.ok(first.sandbox.banner.includes(`token: ${token}`))
    // only the lines whose pages exist: the chat and the dashboard's one-time login link (issue 17)
    assert.ok(first.sandbox.banner.includes('/sandbox/chat'), 'the chat exists: its line is printed')
    assert.match(first.sandbox.banner, /\n {2}Dashboard: {10}http:\/\/\S+\/login\?code=[A-Za-z0-9_-]{43}\n/)
    const app = await buildApp(first)
    t.after(() => app.close())
    const products2 = await app.inject({ url: '/api/v1/products', headers: { authorization: `Bearer ${token}` } })
    assert.equal(products2.statusCode, 200)
    assert.equal(products2.json().items.length, DEMO_PRODUCTS.length)
    await app.close()
  } finally {
    await first.close()
  }
  // a second start on the same data: nothing seeded twice, the same token
  const second = await compose(config, { logger })
  try {
    assert.equal(second.sandbox?.seeded, 0)
    assert.equal(second.sandbox?.adminToken, token)
    assert.equal((await listProductRows(second.database.db, { limit: 50 })).length, DEMO_PRODUCTS.length)
  } finally {
    await second.close()
  }
})

test('sandbox: a customer made through the API sends /start and gets the welcome entry', async (t) => {
  const { url } = await startSandbox(t)
  const created = await call(url, 'POST', '/sandbox/api/users', { firstName: 'Aziza', languageCode: 'en' })
  assert.equal(created.status, 201)
  assert.equal(created.body.firstName, 'Aziza')
  assert.equal(created.body.blocked, false)
  const id = created.body.id as number
  assert.deepEqual((await call(url, 'GET', '/sandbox/api/users')).body.items, [created.body])
  const stream = await openStream(t, url, id)
  const sent = await call(url, 'POST', `/sandbox/api/users/${id}/messages`, { text: '/start' })
  assert.equal(sent.status, 202)
  assert.equal(typeof sent.body.messageId, 'number')
  const mine = await stream.next((e) => e.from === 'user')
  assert.equal(mine.html, '/start')
  assert.equal(mine.messageId, sent.body.messageId)
  const welcome = await stream.next((e) => e.from === 'bot' && e.html.includes('Welcome to the shop'))
  assert.equal(welcome.change, 'new')
  assert.ok(welcome.html.includes('Aziza'))
  assert.ok(!Number.isNaN(Date.parse(welcome.at)))
  // the same entries page by page
  const page = await call(url, 'GET', `/sandbox/api/users/${id}/messages?after=0`)
  assert.equal(page.status, 200)
  assert.ok(page.body.items.some((e: { seq: number }) => e.seq === welcome.seq))
  assert.ok(page.body.last >= welcome.seq)
  const later = await call(url, 'GET', `/sandbox/api/users/${id}/messages?after=${page.body.last as number}`)
  assert.deepEqual(later.body, { items: [], last: page.body.last })
  // block and unblock
  assert.equal((await call(url, 'POST', `/sandbox/api/users/${id}/block`)).status, 204)
  assert.equal((await call(url, 'GET', '/sandbox/api/users')).body.items[0].blocked, true)
  assert.equal((await call(url, 'POST', `/sandbox/api/users/${id}/unblock`)).status, 204)
  assert.equal((await call(url, 'GET', '/sandbox/api/users')).body.items[0].blocked, false)
  // unknown user and bad input: problems, never 5xx
  const unknown = await call(url, 'POST', '/sandbox/api/users/999/messages', { text: 'hi' })
  assert.equal(unknown.status, 404)
  assert.equal(unknown.body.code, 'ERR_NOT_FOUND')
  const bad = await call(url, 'POST', `/sandbox/api/users/${id}/messages`, { text: 'a\u0000b' })
  assert.equal(bad.status, 400)
  assert.equal(bad.body.code, 'ERR_VALIDATION')
})

test('sandbox: with BOT_TOKEN set every /sandbox route answers 404', async (t) => {
  const dataDir = tempDataDir(t)
  const env = await sandboxEnv(t, dataDir, await freePort())
  const config = loadConfig({ ...env, BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
  assert.equal(config.mode.telegram, 'real')
  const deps = await compose(config, { logger: createLogger({ level: 'silent', secrets: [] }) })
  t.after(() => deps.close())
  assert.equal(deps.sandbox, undefined)
  const app = await buildApp(deps)
  t.after(() => app.close())
  for (const [method, url] of [['GET', '/sandbox/api/users'], ['POST', '/sandbox/api/users'], ['GET', '/sandbox/api/clock'], ['POST', '/sandbox/api/clock'],
    ['GET', '/sandbox/pay/payme/bT0x'], ['GET', '/sandbox/pay/click?service_id=1'], ['POST', '/sandbox/pay/payme'], ['POST', '/sandbox/pay/click/refund'],
    ['GET', '/sandbox/stripe/checkout/cs_test_1'], ['GET', '/sandbox/chat'], ['GET', '/sandbox/api/users/1/stream']] as const) {
    const res = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) })
    assert.equal(res.statusCode, 404, `${method} ${url}`)
    assert.equal(res.json().code, 'ERR_NOT_FOUND')
  }
})

test('sandbox: a provider whose variables are set stays the real one; only the others are simulated', async (t) => {
  const dataDir = tempDataDir(t)
  const env = await sandboxEnv(t, dataDir, await freePort())
  const config = loadConfig({ ...env, PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: 'real-payme-key' })
  const deps = await compose(config, { logger: createLogger({ level: 'silent', secrets: [] }) })
  t.after(() => deps.close())
  assert.equal(deps.config.payme?.checkoutUrl, 'https://checkout.paycom.uz')
  assert.equal(deps.config.payme?.key, 'real-payme-key')
  assert.equal(deps.config.click?.checkoutUrl, `${env.PUBLIC_URL!}/sandbox/pay/click`)
  assert.ok(deps.sandbox?.stripe !== undefined)
  const app = await buildApp(deps)
  t.after(() => app.close())
  const payme = await app.inject({ method: 'POST', url: '/sandbox/pay/payme', payload: { url: 'https://checkout.paycom.uz/bT0x', outcome: 'pay' } })
  assert.equal(payme.statusCode, 404)
  assert.equal((await app.inject({ url: '/sandbox/pay/payme/bT0x' })).statusCode, 404)
  const click = await app.inject({ method: 'POST', url: '/sandbox/pay/click', payload: { url: 'https://elsewhere.example/pay', outcome: 'pay' } })
  assert.equal(click.statusCode, 400)
  assert.equal(click.json().code, 'ERR_VALIDATION')
})

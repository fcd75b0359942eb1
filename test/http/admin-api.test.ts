import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { createAdminToken, revokeAdminToken } from '../../src/adapters/postgres/admin-tokens.js'

const TOKEN = 'test-admin-token-1234567890'
const auth = { authorization: `Bearer ${TOKEN}` }

test('admin auth answers 401 to missing, wrong and revoked tokens and 403 to a read token on a mutation', async (t) => {
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: { ADMIN_TOKEN: TOKEN }, database })
  assert.equal((await app.inject({ url: '/api/v1/products' })).statusCode, 401)
  const wrong = await app.inject({ url: '/api/v1/products', headers: { authorization: 'Bearer nope' } })
  assert.equal(wrong.statusCode, 401)
  assert.equal(wrong.json().code, 'ERR_AUTH')
  const read = await createAdminToken(database.db, { name: 'r', scope: 'read' })
  const readHeaders = { authorization: `Bearer ${read.token}` }
  assert.equal((await app.inject({ url: '/api/v1/products', headers: readHeaders })).statusCode, 200)
  const denied = await app.inject({ method: 'POST', url: '/api/v1/products', headers: readHeaders, payload: {} })
  assert.equal(denied.statusCode, 403)
  assert.equal(denied.json().code, 'ERR_SCOPE')
  await revokeAdminToken(database.db, read.id)
  assert.equal((await app.inject({ url: '/api/v1/products', headers: readHeaders })).statusCode, 401)
})

test('products and orders round-trip with the contract shapes and errors', async (t) => {
  const { app } = await buildTestApp(t, { env: { ADMIN_TOKEN: TOKEN, PUBLIC_URL: 'https://shop.example' } })
  const bad = await app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { title: { en: 'x' }, price: { amount: '100', currency: 'UZS' }, kind: 'digital' } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().code, 'ERR_VALIDATION')
  assert.ok(bad.json().errors.some((e: { field: string }) => e.field === 'price.amount'))
  const created = await app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { title: { en: 'Mug' }, price: { amount: 1_500_000, currency: 'UZS' }, kind: 'physical', stock: 1 } })
  assert.equal(created.statusCode, 201)
  const product = created.json()
  assert.match(product.id, /^prd_/)
  assert.deepEqual(product.price, { amount: 1_500_000, currency: 'UZS' })
  assert.equal(product.active, true)
  const list = await app.inject({ url: '/api/v1/products?limit=1', headers: auth })
  assert.deepEqual(list.json().items.map((p: { id: string }) => p.id), [product.id])
  assert.equal(list.json().nextCursor, null)

  const order = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: { customer: { telegramId: 7 }, items: [{ productId: product.id, quantity: 1 }] } })
  assert.equal(order.statusCode, 201)
  const body = order.json()
  assert.match(body.id, /^\d+$/)
  assert.equal(body.state, 'pending')
  assert.deepEqual(body.total, { amount: 1_500_000, currency: 'UZS' })
  assert.deepEqual(body.refunded, { amount: 0, currency: 'UZS' })
  assert.deepEqual(body.history.map((h: { to: string }) => h.to), ['pending'])
  const out = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: { customer: { telegramId: 8 }, items: [{ productId: product.id, quantity: 1 }] } })
  assert.equal(out.statusCode, 409)
  assert.equal(out.json().code, 'ERR_ORDER_OUT_OF_STOCK')
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: { customer: { telegramId: 8 }, items: [{ productId: 'prd_nope', quantity: 1 }] } })
  assert.equal(unknown.statusCode, 400)
  assert.equal(unknown.json().errors[0].field, 'items[0].productId')

  assert.equal((await app.inject({ url: `/api/v1/orders/${body.id}`, headers: auth })).json().id, body.id)
  assert.equal((await app.inject({ url: '/api/v1/orders/999999', headers: auth })).json().code, 'ERR_ORDER_NOT_FOUND')
  assert.equal((await app.inject({ url: '/api/v1/orders/abc', headers: auth })).statusCode, 400)
  const cancelled = await app.inject({ method: 'POST', url: `/api/v1/orders/${body.id}/cancel`, headers: auth })
  assert.equal(cancelled.statusCode, 200)
  assert.equal(cancelled.json().state, 'cancelled')
  assert.deepEqual(cancelled.json().payUrls, {})
  const again = await app.inject({ method: 'POST', url: `/api/v1/orders/${body.id}/cancel`, headers: auth })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().code, 'ERR_ORDER_STATE')
})

test('a physical product cannot be priced in Telegram Stars', async (t) => {
  const { app } = await buildTestApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  const res = await app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { title: { en: 'Mug' }, price: { amount: 100, currency: 'XTR' }, kind: 'physical' } })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'ERR_VALIDATION')
  assert.deepEqual(res.json().errors, [{ field: 'price.currency', message: 'physical goods cannot be priced in Telegram Stars (XTR)' }])
})

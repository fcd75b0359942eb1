// Issue 15 point 8: bad input to the admin API is a 4xx problem naming every bad field (JSON paths),
// never a 500: unknown fields, NUL characters and lone surrogates, malformed URLs and cursors; and
// failed authentications are limited per address (`api.auth`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN, buildAdminApp, call } from '../helpers/admin.js'

const PRODUCT = { title: { en: 'Mug' }, price: { amount: 1000, currency: 'USD' }, kind: 'physical' }
const fields = (body: { errors?: Array<{ field: string }> }): string[] => (body.errors ?? []).map((e) => e.field).sort()

test('a malformed URL is a 400 problem, inside and outside the admin API', async (t) => {
  const { app } = await buildAdminApp(t)
  for (const url of ['/api/v1/orders/%E0%A4%A', '/api/v1/products?limit=%E0%A4%A', '/nowhere/%zz', '/api/v1/orders/%']) {
    const res = await call(app, 'GET', url)
    assert.ok(res.status === 400 || res.status === 404, `${url} → ${res.status}`)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url)
    assert.match(res.body.code, /^ERR_/)
  }
  const bad = await call(app, 'GET', '/api/v1/orders/%E0%A4%A')
  assert.equal(bad.status, 400)
  assert.equal(bad.body.code, 'ERR_VALIDATION')
})

test('unknown fields are refused by name, missing ones are named, and paths are JSON paths', async (t) => {
  const { app } = await buildAdminApp(t)
  const unknown = await call(app, 'POST', '/api/v1/products', { ...PRODUCT, colour: 'red', price: { ...PRODUCT.price, vat: 12 } })
  assert.equal(unknown.status, 400)
  assert.equal(unknown.body.code, 'ERR_VALIDATION')
  assert.deepEqual(fields(unknown.body), ['colour', 'price.vat'])
  assert.ok(unknown.body.errors.every((e: { message: string }) => e.message === 'is not a known field'))
  const missing = await call(app, 'POST', '/api/v1/products', {})
  assert.deepEqual(fields(missing.body), ['kind', 'price', 'title'])
  const item = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 1 }, items: [{ productId: 'prd_x', quantity: 1 }, { productId: 'prd_y', quantity: 0 }] })
  assert.equal(item.status, 400)
  assert.deepEqual(fields(item.body), ['items[1].quantity'])
  const query = await call(app, 'GET', '/api/v1/products?limit=5&colour=red')
  assert.equal(query.status, 400)
  assert.deepEqual(fields(query.body), ['colour'])
})

test('NUL characters and lone surrogates are refused with the field named, never a 500', async (t) => {
  const { app } = await buildAdminApp(t)
  const nul = await call(app, 'POST', '/api/v1/products', { ...PRODUCT, title: { en: 'Mu\u0000g' } })
  assert.equal(nul.status, 400)
  assert.deepEqual(fields(nul.body), ['title.en'])
  const raw = '{"title":{"en":"Mug","ru":"\\ud800"},"price":{"amount":1000,"currency":"USD"},"kind":"physical","payload":"\\udc00x"}'
  const lone = await app.inject({ method: 'POST', url: '/api/v1/products', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, payload: raw })
  assert.equal(lone.statusCode, 400)
  assert.deepEqual(fields(lone.json()), ['payload', 'title.ru'])
  const pair = await call(app, 'POST', '/api/v1/products', { ...PRODUCT, title: { en: 'Mug 😀' } })
  assert.equal(pair.status, 201, 'a surrogate pair is a character like any other')
  const reason = await call(app, 'POST', '/api/v1/orders/1001/cancel', { reason: 'x\u0000' })
  assert.equal(reason.status, 400)
  assert.deepEqual(fields(reason.body), ['reason'])
})

test('a malformed cursor and an out-of-range limit are 400 ERR_VALIDATION naming the parameter', async (t) => {
  const { app } = await buildAdminApp(t)
  for (const cursor of ['%00', 'not a cursor', 'Zm9v', '!!!!', 'x'.repeat(500)]) {
    const res = await call(app, 'GET', `/api/v1/products?cursor=${cursor === '%00' ? cursor : encodeURIComponent(cursor)}`)
    assert.equal(res.status, 400, cursor)
    assert.deepEqual(fields(res.body), ['cursor'], cursor)
  }
  const limit = await call(app, 'GET', '/api/v1/products?limit=201')
  assert.deepEqual(fields(limit.body), ['limit'])
  const activity = await call(app, 'GET', '/api/v1/customers/42/activity?cursor=Zm9v')
  assert.ok(activity.status === 400 || activity.status === 404)
})

test('failed authentications from one address meet 429 past api.auth; a valid token still passes', async (t) => {
  const { app } = await buildAdminApp(t, { env: { RATE_LIMITS: JSON.stringify({ 'api.auth': [{ limit: 3, windowS: 60 }] }) } })
  for (let i = 0; i < 3; i++) assert.equal((await call(app, 'GET', '/api/v1/products', undefined, { authorization: `Bearer wrong-${i}` })).status, 401)
  const limited = await call(app, 'GET', '/api/v1/products', undefined, { authorization: 'Bearer wrong-again' })
  assert.equal(limited.status, 429)
  assert.equal(limited.body.code, 'ERR_RATE_LIMITED')
  assert.match(String(limited.headers['content-type']), /^application\/problem\+json/)
  assert.ok(Number(limited.headers['retry-after']) >= 1)
  assert.equal((await call(app, 'GET', '/api/v1/products', undefined, {})).status, 429, 'a missing token is a failed authentication too')
  assert.equal((await call(app, 'GET', '/api/v1/products')).status, 200, 'only failures count')
  const elsewhere = await app.inject({ url: '/api/v1/products', headers: { authorization: 'Bearer wrong' }, remoteAddress: '10.9.8.7' })
  assert.equal(elsewhere.statusCode, 401, 'another address has its own budget')
})

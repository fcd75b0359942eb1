// GET /api/v1/products goes through the shared cache (tag `catalog`); POST /api/v1/products
// invalidates `catalog`, so a product created through the API is in the very next list.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPostgresShop } from '../../src/adapters/postgres/orders-store.js'
import { createProduct } from '../../src/usecases/catalog.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'

const TOKEN = 'test-admin-token-catalog-cache'
const headers = { authorization: `Bearer ${TOKEN}` }
const mug = { title: { en: 'Mug' }, price: { amount: 1_500_000, currency: 'UZS' }, kind: 'physical', stock: 3 }

async function titles (app: Awaited<ReturnType<typeof buildTestApp>>['app']): Promise<string[]> {
  const list = await app.inject({ url: '/api/v1/products', headers })
  assert.equal(list.statusCode, 200)
  return list.json().items.map((p: { title: { en: string } }) => p.title.en)
}

test('a product created through the API appears in the next list', async (t) => {
  const { app } = await buildTestApp(t, { env: { ADMIN_TOKEN: TOKEN } })
  assert.deepEqual(await titles(app), [])
  const created = await app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: mug })
  assert.equal(created.statusCode, 201)
  assert.deepEqual(await titles(app), ['Mug'])
  const second = await app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: { ...mug, title: { en: 'Cup' } } })
  assert.equal(second.statusCode, 201)
  assert.deepEqual(await titles(app), ['Mug', 'Cup'])
})

test('the product list is served from the cache until the catalog is invalidated', async (t) => {
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { database, env: { ADMIN_TOKEN: TOKEN } })
  assert.deepEqual(await titles(app), [])
  // written behind the API's back: the cached page does not know about it
  await createProduct({ store: createPostgresShop(database.db), now: Date.now() }, { ...mug, title: { en: 'Hidden' }, kind: 'physical' })
  assert.deepEqual(await titles(app), [], 'the cached page is served')
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: mug })).statusCode, 201)
  assert.deepEqual(await titles(app), ['Hidden', 'Mug'], 'creating through the API dropped the cached page')
})

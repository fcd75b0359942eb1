// Issue 15 point 4: products carry Uzbek fiscal data (IKPU/MXIK code, package code, VAT %) set
// through the admin API, and Payme's CheckPerformTransaction returns the receipt `detail` built
// from them (specs/payme.md §6.1; decision 0023); without codes it is omitted.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const TOKEN = 'fiscal-admin-token-0123456789abcdef'
const auth = { authorization: `Bearer ${TOKEN}` }
const FISCAL = { code: '10899001001000000', packageCode: '1513216', vatPercent: 12 }

async function setup (t: TestContext) {
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: { ADMIN_TOKEN: TOKEN, PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY: KEY }, database })
  const product = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { kind: 'digital', payload: 'code', ...body } })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { id: string, fiscal?: typeof FISCAL }
  }
  const order = async (items: Array<{ productId: string, quantity: number }>) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: { customer: { telegramId: 42 }, items } })
    assert.equal(res.statusCode, 201, res.body)
    return res.json() as { id: string, total: { amount: number } }
  }
  const check = async (orderId: string, amount: number) => {
    const res = await app.inject({
      method: 'POST',
      url: '/payments/payme',
      headers: { authorization: paymeAuthHeader(KEY), 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 1, method: 'CheckPerformTransaction', params: { amount, account: { order_id: orderId } } })
    })
    assert.equal(res.statusCode, 200)
    return res.json() as { result?: { allow: boolean, detail?: unknown } }
  }
  return { app, product, order, check }
}

test('Payme fiscal: CheckPerformTransaction returns a receipt whose lines add up to the amount when every product has its IKPU code', async (t) => {
  const { product, order, check } = await setup(t)
  const tea = await product({ title: { en: 'Tea', uz: 'Choy' }, price: { amount: 500_000, currency: 'UZS' }, fiscal: FISCAL })
  assert.deepEqual(tea.fiscal, FISCAL)
  const cup = await product({ title: { en: 'Cup' }, price: { amount: 250_000, currency: 'UZS' }, fiscal: { ...FISCAL, vatPercent: 0 } })
  const placed = await order([{ productId: tea.id, quantity: 2 }, { productId: cup.id, quantity: 1 }])
  const answer = await check(placed.id, placed.total.amount)
  const lines = [['Choy', 500_000, 2, 12], ['Cup', 250_000, 1, 0]]
  assert.deepEqual(answer.result, {
    allow: true,
    detail: {
      receipt_type: 0,
      items: lines.map(([title, price, count, vat]) => ({ title, price, count, code: FISCAL.code, package_code: FISCAL.packageCode, vat_percent: vat }))
    }
  })
})

test('Payme fiscal: no detail while one product has no code; PATCH sets and clears the data; a bad code is a 400 naming the field', async (t) => {
  const { app, product, order, check } = await setup(t)
  const tea = await product({ title: { en: 'Tea' }, price: { amount: 500_000, currency: 'UZS' }, fiscal: FISCAL })
  const bare = await product({ title: { en: 'Spoon' }, price: { amount: 100_000, currency: 'UZS' } })
  const placed = await order([{ productId: tea.id, quantity: 1 }, { productId: bare.id, quantity: 1 }])
  assert.deepEqual((await check(placed.id, placed.total.amount)).result, { allow: true })

  const bad = await app.inject({ method: 'PATCH', url: `/api/v1/products/${bare.id}`, headers: auth, payload: { fiscal: { ...FISCAL, code: '123' } } })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().code, 'ERR_VALIDATION')
  assert.ok((bad.json().errors as Array<{ field: string }>).some((e) => e.field.includes('fiscal')), bad.body)

  const set = await app.inject({ method: 'PATCH', url: `/api/v1/products/${bare.id}`, headers: auth, payload: { fiscal: FISCAL } })
  assert.equal(set.statusCode, 200, set.body)
  assert.deepEqual(set.json().fiscal, FISCAL)
  assert.equal(((await check(placed.id, placed.total.amount)).result?.detail as { items: unknown[] }).items.length, 2)

  const cleared = await app.inject({ method: 'PATCH', url: `/api/v1/products/${bare.id}`, headers: auth, payload: { fiscal: null } })
  assert.equal(cleared.statusCode, 200)
  assert.equal(cleared.json().fiscal, undefined)
  assert.deepEqual((await check(placed.id, placed.total.amount)).result, { allow: true })
})

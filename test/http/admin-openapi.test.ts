// Issue 15 points 7 and 8: the admin API's reference. `/api/openapi.json` is OpenAPI 3.1 with every
// /api/v1 route (operationId, tag, bearer scheme); walking it, every route answers 401 without a
// token and with a wrong one, 403 to a read token when it writes, and what each answers is one of
// its documented responses, with a body that matches the documented schema.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { buildAdminApp, call, fill, openApiOf, operationsOf, type Ids } from '../helpers/admin.js'

/** Every operation of the admin API (a new route is added here and to the walk's sample bodies). */
const OPERATIONS = [
  'createProduct', 'listProducts', 'getProduct', 'updateProduct', 'deleteProduct', 'listProductAudit', 'addProductPhoto',
  'listCategories', 'createCategory', 'getCategory', 'updateCategory', 'deleteCategory', 'listCategoryAudit',
  'createOrder', 'listOrders', 'exportOrders', 'getOrder', 'cancelOrder', 'fulfilOrder', 'resolveOrder', 'refundOrder',
  'createStripePaymentIntent', 'getStripePaymentIntent', 'listOrderAudit',
  'listCustomers', 'getCustomer', 'blockCustomer', 'unblockCustomer', 'messageCustomer', 'forgetCustomer', 'listCustomerActivity', 'listCustomerAudit',
  'listTokens', 'createToken', 'revokeToken',
  'getSettings', 'updateSettings',
  'getAnalyticsOverview', 'getAnalyticsTimeseries', 'getAnalyticsFunnel', 'getAnalyticsActive', 'getAnalyticsProducts', 'getAnalyticsSources', 'getAnalyticsPaymentFailures',
  'createBroadcast', 'previewBroadcast', 'listBroadcasts', 'getBroadcast', 'pauseBroadcast', 'resumeBroadcast', 'cancelBroadcast', 'resendUncertainBroadcast'
]

/** Reads that still need a write token (the token list). */
const WRITE_READS = new Set(['listTokens'])

/** A body each write route accepts (or at least answers without a 5xx). */
const SAMPLE_BODIES: Record<string, (ids: Ids) => unknown> = {
  createProduct: () => ({ title: { en: 'Walked' }, price: { amount: 1000, currency: 'USD' }, kind: 'digital', payload: 'x' }),
  updateProduct: () => ({ title: { en: 'Walked again' } }),
  createCategory: () => ({ title: { en: 'Walked' } }),
  updateCategory: () => ({ position: 3 }),
  createOrder: (ids) => ({ customer: { telegramId: 4242 }, items: [{ productId: ids.products, quantity: 1 }] }),
  cancelOrder: () => ({ reason: 'walked' }),
  fulfilOrder: () => ({ note: 'walked' }),
  resolveOrder: () => ({ note: 'walked' }),
  refundOrder: () => ({}),
  createStripePaymentIntent: () => ({}),
  messageCustomer: () => ({ text: 'Hello from the walk' }),
  createToken: () => ({ name: 'walked', scope: 'read' }),
  updateSettings: () => ({ shop: { name: { en: 'Walked shop' } } }),
  createBroadcast: () => ({ text: '<b>Walked</b>', audience: {} }),
  previewBroadcast: () => ({ text: 'Walked', audience: { language: 'en' } })
}

test('/api/openapi.json is OpenAPI 3.1 with every admin route, its operationId, tag and the bearer scheme', async (t) => {
  const { app } = await buildAdminApp(t)
  const document = await openApiOf(app)
  assert.equal(document.openapi, '3.1.0')
  assert.deepEqual(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: 'An admin token' })
  const operations = operationsOf(document)
  assert.ok(operations.every(({ path }) => path.startsWith('/api/v1/')), 'only the admin API is documented')
  const ids = operations.map(({ operation }) => operation.operationId)
  assert.deepEqual([...ids].sort(), [...OPERATIONS].sort())
  for (const { method, path, operation } of operations) {
    assert.ok((operation.tags ?? []).length > 0, `${method} ${path} has a tag`)
    assert.deepEqual(operation.security, [{ bearer: [] }], `${method} ${path} names the bearer scheme`)
    assert.ok(operation.responses['401']?.content?.['application/problem+json'] !== undefined, `${method} ${path} documents 401 as a problem`)
    const success = Object.keys(operation.responses).filter((s) => /^2/.test(s))
    assert.ok(success.length > 0, `${method} ${path} documents its success`)
    if (method === 'POST' || method === 'PATCH') assert.ok(operation.requestBody !== undefined || method === 'POST', `${method} ${path} documents its body`)
  }
})

test('every admin route: 401 without a token and with a wrong one, 403 for a read token on writes, and answers as documented', async (t) => {
  const { app, read } = await buildAdminApp(t)
  const product = await call(app, 'POST', '/api/v1/products', { title: { en: 'Seed' }, price: { amount: 1000, currency: 'USD' }, kind: 'digital', payload: 'x', stock: 50 })
  assert.equal(product.status, 201)
  const order = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 4242 }, items: [{ productId: product.body.id, quantity: 1 }] })
  assert.equal(order.status, 201)
  const category = await call(app, 'POST', '/api/v1/categories', { title: { en: 'Walk' } })
  assert.equal(category.status, 201)
  const spare = await call(app, 'POST', '/api/v1/tokens', { name: 'to revoke', scope: 'read' })
  assert.equal(spare.status, 201)
  const broadcast = await call(app, 'POST', '/api/v1/broadcasts', { text: 'Walk', audience: {}, sendAt: '2100-01-01T00:00:00Z' })
  assert.equal(broadcast.status, 201)
  const ids: Ids = { products: product.body.id, orders: order.body.id, customers: '4242', categories: category.body.id, tokens: spare.body.id, broadcasts: broadcast.body.id }
  const document = await openApiOf(app)
  // reads first, deletions last, so each route meets the resources it names
  const rank = (method: string): number => ({ GET: 0, POST: 1, PATCH: 1, PUT: 1, DELETE: 2 })[method] ?? 1
  const operations = operationsOf(document).sort((a, b) => rank(a.method) - rank(b.method))
  const checked: string[] = []
  for (const { method, path, operation } of operations) {
    const url = fill(path, ids)
    const name = `${method} ${path}`
    const body = SAMPLE_BODIES[operation.operationId ?? '']?.(ids) ?? (method === 'GET' || method === 'DELETE' ? undefined : {})
    const missing = await call(app, method, url, body, {})
    assert.equal(missing.status, 401, `${name} without a token`)
    assert.equal(missing.body.code, 'ERR_AUTH')
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/)
    const wrong = await call(app, method, url, body, { authorization: 'Bearer bzr_not-a-token' })
    assert.equal(wrong.status, 401, `${name} with a wrong token`)
    if (method !== 'GET' || WRITE_READS.has(operation.operationId ?? '')) {
      const denied = await call(app, method, url, body, read)
      assert.equal(denied.status, 403, `${name} with a read token`)
      assert.equal(denied.body.code, 'ERR_SCOPE')
    } else {
      assert.notEqual((await call(app, method, url, undefined, read)).status, 403, `${name} is open to a read token`)
    }
    const answer = await call(app, method, url, body)
    const documented = operation.responses[String(answer.status)]
    assert.ok(documented !== undefined, `${name} answered ${answer.status}, which it does not document: ${answer.text}`)
    assert.ok(answer.status < 500, `${name} → ${answer.status} ${answer.text}`)
    const type = String(answer.headers['content-type'] ?? '').split(';')[0] as string
    if (answer.status === 204) {
      assert.equal(answer.text, '')
    } else {
      const media = documented.content?.[type]
      assert.ok(media !== undefined, `${name} answered ${answer.status} as ${type}; documented: ${Object.keys(documented.content ?? {}).join(', ')}`)
      if (/json/.test(type)) {
        const check = Compile(media.schema as TSchema)
        assert.ok(check.Check(answer.body), `${name} → ${answer.status} does not match its schema: ${JSON.stringify([...check.Errors(answer.body)].slice(0, 3))} in ${answer.text.slice(0, 300)}`)
      }
    }
    checked.push(`${name} ${answer.status}`)
  }
  assert.equal(checked.length, OPERATIONS.length)
})

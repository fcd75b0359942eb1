// Issue 15 point 1 (customers, tokens, settings): customers listed newest first and searched, the
// profile with order count and net spending per currency, block and unblock, a message through the
// outbox, forget (personal data erased, the ledger kept under an anonymous id); tokens listed,
// made with the secret shown once, revoked; settings without a secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { buildAdminApp, call } from '../helpers/admin.js'
import { customer, outbox, paymentTransaction, providerEvent, shopOrder, supportThread } from '../../src/adapters/postgres/schema.js'

async function seedCustomers (app: Parameters<typeof call>[0], database: Awaited<ReturnType<typeof buildAdminApp>>['database']): Promise<void> {
  const t0 = Date.UTC(2026, 0, 1)
  await database.db.insert(customer).values([
    { telegramId: 11, firstName: 'Aziza', username: 'aziza_k', language: 'uz', firstSeenAt: new Date(t0), lastSeenAt: new Date(t0 + 5000), referralSource: 'insta' },
    { telegramId: 12, firstName: 'Boris', language: 'ru', firstSeenAt: new Date(t0 + 1000), lastSeenAt: new Date(t0 + 1000) },
    { telegramId: 13, firstName: 'Carol', username: 'carol', language: 'en', firstSeenAt: new Date(t0 + 2000), lastSeenAt: new Date(t0 + 2000) }
  ])
  const product = await call(app, 'POST', '/api/v1/products', { title: { en: 'Tea' }, price: { amount: 150_000, currency: 'UZS' }, kind: 'digital', payload: 'x' })
  const usd = await call(app, 'POST', '/api/v1/products', { title: { en: 'Book' }, price: { amount: 999, currency: 'USD' }, kind: 'digital', payload: 'x' })
  for (const [productId, quantity] of [[product.body.id, 2], [usd.body.id, 1], [product.body.id, 1]] as const) {
    assert.equal((await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 11 }, items: [{ productId, quantity }] })).status, 201)
  }
  // two paid (one partly refunded), one still pending
  const orders = await database.db.select().from(shopOrder).orderBy(shopOrder.id)
  await database.db.update(shopOrder).set({ state: 'paid', refundedAmount: 50_000 }).where(eq(shopOrder.id, orders[0]!.id))
  await database.db.update(shopOrder).set({ state: 'fulfilled' }).where(eq(shopOrder.id, orders[1]!.id))
}

test('customers: newest first, searched by name, username or id, filtered by language and block; a profile with totals', async (t) => {
  const { app, database } = await buildAdminApp(t)
  await seedCustomers(app, database)
  const ids = async (query: string): Promise<number[]> => {
    const res = await call(app, 'GET', `/api/v1/customers?${query}`)
    assert.equal(res.status, 200, res.text)
    return res.body.items.map((c: { telegramId: number }) => c.telegramId)
  }
  assert.deepEqual(await ids(''), [13, 12, 11])
  assert.deepEqual(await ids('q=ZIZ'), [11])
  assert.deepEqual(await ids('q=%40carol'), [13], 'an @username is found')
  assert.deepEqual(await ids('q=12'), [12])
  assert.deepEqual(await ids('language=ru'), [12])
  const first = await call(app, 'GET', '/api/v1/customers?limit=2')
  assert.deepEqual(first.body.items.map((c: { telegramId: number }) => c.telegramId), [13, 12])
  assert.deepEqual(await ids(`limit=2&cursor=${first.body.nextCursor}`), [11])
  const aziza = await call(app, 'GET', '/api/v1/customers/11')
  assert.equal(aziza.status, 200)
  assert.deepEqual(aziza.body, {
    telegramId: 11,
    name: 'Aziza',
    username: 'aziza_k',
    language: 'uz',
    blocked: false,
    botBlocked: false,
    source: 'insta',
    firstSeen: aziza.body.firstSeen,
    lastSeen: aziza.body.lastSeen,
    orders: 3,
    spent: [{ amount: 999, currency: 'USD' }, { amount: 250_000, currency: 'UZS' }]
  })
  const stranger = await call(app, 'GET', '/api/v1/customers/404404')
  assert.deepEqual([stranger.status, stranger.body.code], [404, 'ERR_CUSTOMER_NOT_FOUND'])
  assert.equal((await call(app, 'GET', '/api/v1/customers/0')).status, 400)
})

test('block and unblock, a message queued in the outbox, and forget erases the person but keeps the ledger', async (t) => {
  const { app, database } = await buildAdminApp(t)
  await seedCustomers(app, database)
  assert.equal((await call(app, 'POST', '/api/v1/customers/12/block')).body.blocked, true)
  assert.deepEqual((await call(app, 'GET', '/api/v1/customers?blocked=true')).body.items.map((c: { telegramId: number }) => c.telegramId), [12])
  assert.equal((await call(app, 'POST', '/api/v1/customers/12/unblock')).body.blocked, false)
  assert.equal((await call(app, 'POST', '/api/v1/customers/999/block')).status, 404)

  assert.equal((await call(app, 'POST', '/api/v1/customers/11/messages', { text: 'Thanks for your order!' })).status, 202)
  const queued = await database.db.select().from(outbox).where(eq(outbox.topic, 'customer.notify'))
  assert.deepEqual(queued.map((r) => r.payload), [{ kind: 'text', telegramId: 11, text: 'Thanks for your order!' }])
  assert.equal((await call(app, 'POST', '/api/v1/customers/11/messages', { text: '   ' })).status, 400)

  await database.db.update(shopOrder).set({ contact: { phone: '+998901234567', name: 'Aziza' }, shippingAddress: { text: 'Tashkent' } })
  await database.db.insert(supportThread).values({ adminMessageId: 5, customerTelegramId: 11 })
  // a Stars payment of one of 11's orders, with the provider's copy (its order_info names the person)
  const [theirs] = await database.db.select().from(shopOrder).where(eq(shopOrder.customerTelegramId, 11))
  const orderInfo = { order_info: { name: 'Aziza', phone_number: '+998901234567' } }
  await database.db.insert(paymentTransaction).values({ id: 'ptx_forget', orderId: theirs!.id, provider: 'stars', providerTransactionId: 'charge_forget', state: 'succeeded', amount: 1, currency: 'XTR', raw: orderInfo })
  await database.db.insert(providerEvent).values([{ provider: 'stars', eventId: 'charge_forget', payload: orderInfo, result: { ok: true } }, { provider: 'stars', eventId: 'someone_else', payload: orderInfo }])
  const forgotten = await call(app, 'POST', '/api/v1/customers/11/forget')
  assert.equal(forgotten.status, 200)
  assert.equal(forgotten.body.forgotten, true)
  const anonymousId = forgotten.body.anonymousId as number
  assert.ok(anonymousId < 0, 'an id no Telegram user has')
  assert.equal((await call(app, 'GET', '/api/v1/customers/11')).status, 404)
  const orders = await database.db.select().from(shopOrder)
  assert.equal(orders.length, 3, 'the ledger keeps every order')
  assert.ok(orders.every((o) => o.customerTelegramId === anonymousId && o.contact === null && o.shippingAddress === null))
  assert.deepEqual(await database.db.select().from(supportThread), [])
  const [payment] = await database.db.select().from(paymentTransaction).where(eq(paymentTransaction.id, 'ptx_forget'))
  assert.deepEqual([payment?.raw, payment?.amount, payment?.state], [null, 1, 'succeeded'], 'the payment stays in the ledger without the provider copy')
  const events = await database.db.select().from(providerEvent).orderBy(providerEvent.eventId)
  assert.deepEqual(events.map((e) => [e.eventId, e.payload, e.result]), [['charge_forget', null, { ok: true }], ['someone_else', orderInfo, null]])
  const listed = await call(app, 'GET', `/api/v1/orders?customer=${11}`)
  assert.deepEqual(listed.body.items, [])
  const audit = await call(app, 'GET', '/api/v1/customers/11/audit')
  assert.deepEqual(audit.body.items, [], 'nothing is kept under the forgotten id')
  assert.equal((await call(app, 'POST', '/api/v1/customers/11/forget')).status, 404)
})

test('tokens: listed without secrets, made with the secret shown once, revoked at once; read tokens may not manage them', async (t) => {
  const { app, read } = await buildAdminApp(t)
  const made = await call(app, 'POST', '/api/v1/tokens', { name: 'ci', scope: 'write' })
  assert.equal(made.status, 201)
  assert.match(made.body.token, /^bzr_/)
  assert.equal(made.headers['cache-control'], 'no-store')
  const listed = await call(app, 'GET', '/api/v1/tokens')
  assert.deepEqual(listed.body.items.map((t: { name: string }) => t.name), ['reader', 'ci'])
  assert.doesNotMatch(listed.text, new RegExp(made.body.token), 'the secret is never listed')
  assert.ok(listed.body.items.every((t: Record<string, unknown>) => !('token' in t) && !('tokenHash' in t)))
  const own = { authorization: `Bearer ${made.body.token}` }
  assert.equal((await call(app, 'GET', '/api/v1/products', undefined, own)).status, 200)
  assert.equal((await call(app, 'GET', '/api/v1/tokens', undefined, read)).status, 403, 'a read token may not list tokens')
  assert.equal((await call(app, 'DELETE', `/api/v1/tokens/${made.body.id}`)).status, 204)
  assert.equal((await call(app, 'GET', '/api/v1/products', undefined, own)).status, 401, 'revoked: refused at once')
  const twice = await call(app, 'DELETE', `/api/v1/tokens/${made.body.id}`)
  assert.deepEqual([twice.status, twice.body.code], [404, 'ERR_TOKEN_NOT_FOUND'])
  assert.equal((await call(app, 'POST', '/api/v1/tokens', { name: 'x', scope: 'admin' })).status, 400)
})

test('settings: mode, providers, storage and version, and never a secret', async (t) => {
  const { app } = await buildAdminApp(t, { env: { PAYME_MERCHANT_ID: 'm-1', PAYME_KEY: 'payme-secret-key-value' } })
  const res = await call(app, 'GET', '/api/v1/settings')
  assert.equal(res.status, 200)
  assert.equal(res.body.mode, 'sandbox')
  assert.deepEqual(res.body.providers, { payme: true, click: false, stripe: false, stars: false })
  assert.ok(['pglite', 'postgres'].includes(res.body.storage.database))
  assert.ok(['memory', 'redis', 'redis-cluster'].includes(res.body.storage.kv))
  assert.match(res.body.version, /^\d+\.\d+\.\d+/)
  assert.doesNotMatch(res.text, /payme-secret-key-value|m-1|test-admin-token/)
})

test('PATCH /settings changes only the shop\'s words it names; bad words are 400 with the field named', async (t) => {
  const { app, read } = await buildAdminApp(t)
  const first = await call(app, 'PATCH', '/api/v1/settings', { shop: { name: { en: 'Chai', ru: 'Чай' }, terms: { en: 'No returns.' } } })
  assert.equal(first.status, 200)
  assert.deepEqual(first.body.shop, { name: { en: 'Chai', ru: 'Чай' }, terms: { en: 'No returns.' } })
  const second = await call(app, 'PATCH', '/api/v1/settings', { shop: { name: { ru: null, uz: 'Choy' } } })
  assert.deepEqual(second.body.shop, { name: { en: 'Chai', uz: 'Choy' }, terms: { en: 'No returns.' } })
  const long = await call(app, 'PATCH', '/api/v1/settings', { shop: { name: { en: 'x'.repeat(65) } } })
  assert.equal(long.status, 400)
  assert.deepEqual(long.body.errors.map((e: { field: string }) => e.field), ['shop.name.en'])
  assert.equal((await call(app, 'PATCH', '/api/v1/settings', { shop: { name: { de: 'Tee' } } })).status, 400)
  assert.equal((await call(app, 'PATCH', '/api/v1/settings', { mode: 'live' })).status, 400, 'only the shop\'s words can be changed')
  assert.equal((await call(app, 'PATCH', '/api/v1/settings', { shop: {} })).status, 400)
  assert.equal((await call(app, 'PATCH', '/api/v1/settings', { shop: { name: { en: 'x' } } }, read)).status, 403)
  assert.deepEqual((await call(app, 'GET', '/api/v1/settings', undefined, read)).body.shop, second.body.shop)
})

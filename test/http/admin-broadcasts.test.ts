// Issue 16 point 3, the broadcasts routes without a bot: what a merchant sends is checked before
// anything is stored (Telegram HTML, products, caption length, unknown fields), the audience
// filters count the right customers, pause/resume/cancel follow the states, lists page newest
// first, and fast-check bodies never get a 5xx nor leave a broadcast behind when refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { customer, orderItem, shopOrder } from '../../src/adapters/postgres/schema.js'
import { buildAdminApp, call } from '../helpers/admin.js'
import { seedProduct } from '../helpers/catalog.js'

const DAY = 86_400_000

test('a broadcast is checked before it is stored: Telegram HTML, products, caption length, unknown fields', async (t) => {
  const { app, database } = await buildAdminApp(t)
  const bare = await seedProduct(database, { title: 'No picture' })
  const refused = async (body: unknown, field: string): Promise<void> => {
    const res = await call(app, 'POST', '/api/v1/broadcasts', body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.equal(res.body.code, 'ERR_VALIDATION')
    assert.ok(res.body.errors.some((e: { field: string }) => e.field === field), `${field} named in ${JSON.stringify(res.body.errors)}`)
  }
  await refused({ text: '<b>Sale', audience: {} }, 'text')
  await refused({ text: 'Tom & Jerry', audience: {} }, 'text')
  await refused({ text: '<div>Sale</div>', audience: {} }, 'text')
  await refused({ text: 'x'.repeat(1025), photo: 'https://example.com/a.jpg', audience: {} }, 'text')
  await refused({ text: 'Sale', photo: { productId: bare }, audience: {} }, 'photo.productId')
  await refused({ text: 'Sale', photo: { productId: 'prd_missing' }, audience: {} }, 'photo.productId')
  await refused({ text: 'Sale', button: { text: 'Buy', productId: 'prd_missing' }, audience: {} }, 'button.productId')
  await refused({ text: 'Sale', audience: { country: 'UZ' } }, 'audience.country')
  await refused({ text: 'Sale' }, 'audience')
  assert.deepEqual((await call(app, 'GET', '/api/v1/broadcasts')).body, { items: [], nextCursor: null })

  const ok = await call(app, 'POST', '/api/v1/broadcasts', {
    text: '<b>Tom &amp; Jerry</b> <a href="https://example.com">are back</a>',
    photo: 'AgACAgIAAxkBAAIBZ2VfileidOfTelegram',
    button: { text: 'Open', productId: bare },
    audience: { language: 'ru', activeWithinDays: 30 },
    sendAt: '2100-01-01T09:00:00.000Z'
  })
  assert.equal(ok.status, 201)
  assert.match(ok.body.id, /^brd_/)
  assert.equal(ok.body.state, 'scheduled')
  assert.equal(ok.body.sendAt, '2100-01-01T09:00:00.000Z')
  assert.deepEqual(ok.body.audience, { language: 'ru', activeWithinDays: 30 })
  assert.deepEqual(ok.body.counts, { total: 0, sent: 0, failed: 0, blocked: 0, remaining: 0, skipped: 0, uncertain: 0 })
  assert.deepEqual((await call(app, 'GET', `/api/v1/broadcasts/${ok.body.id}`)).body, ok.body)
  assert.equal((await call(app, 'GET', '/api/v1/broadcasts/brd_unknown')).status, 404)
})

test('the audience filters count the customers a merchant means; blocked and opted-out ones never count', async (t) => {
  const { app, database } = await buildAdminApp(t)
  const tea = await seedProduct(database, { title: 'Tea' })
  const now = Date.now()
  await database.db.insert(customer).values([
    { telegramId: 101, language: 'en', lastSeenAt: new Date(now - 2 * DAY), referralSource: 'insta' },
    { telegramId: 102, language: 'ru', lastSeenAt: new Date(now - 40 * DAY), referralSource: 'insta' },
    { telegramId: 103, language: 'uz', lastSeenAt: new Date(now) },
    { telegramId: 104, language: 'en', lastSeenAt: new Date(now), blockedAt: new Date(now) },
    { telegramId: 105, language: 'en', lastSeenAt: new Date(now), newsOptedOutAt: new Date(now) },
    { telegramId: 106, language: 'en', lastSeenAt: new Date(now), merchantBlockedAt: new Date(now) }
  ])
  const [order] = await database.db.insert(shopOrder).values({ customerTelegramId: 102, currency: 'USD', totalAmount: 500, state: 'paid', expiresAt: new Date(now + DAY) }).returning({ id: shopOrder.id })
  await database.db.insert(orderItem).values({ orderId: order!.id, productId: tea, quantity: 1, unitAmount: 500, currency: 'USD', title: { en: 'Tea' } })
  const count = async (audience: unknown): Promise<number> => {
    const res = await call(app, 'POST', '/api/v1/broadcasts/preview', { text: 'Hi', audience })
    assert.equal(res.status, 200, res.text)
    return res.body.recipients
  }
  assert.equal(await count({}), 3)
  assert.equal(await count({ language: 'en' }), 1)
  assert.equal(await count({ source: 'insta' }), 2)
  assert.equal(await count({ activeWithinDays: 7 }), 2)
  assert.equal(await count({ boughtProduct: tea }), 1)
  assert.equal(await count({ boughtProduct: tea, activeWithinDays: 7 }), 0)
  const noBot = await call(app, 'POST', '/api/v1/broadcasts/preview', { text: 'Hi', audience: {}, testTo: 101 })
  assert.equal(noBot.status, 400)
  assert.equal(noBot.body.errors[0].field, 'testTo')
})

test('pause, resume and cancel follow the states; the list pages newest first', async (t) => {
  const { app, read } = await buildAdminApp(t)
  const ids: string[] = []
  for (const text of ['first', 'second', 'third']) {
    const res = await call(app, 'POST', '/api/v1/broadcasts', { text, audience: {}, sendAt: '2100-01-01T00:00:00Z' })
    ids.push(res.body.id)
  }
  const id = ids[0]!
  const act = (action: string, target = id) => call(app, 'POST', `/api/v1/broadcasts/${target}/${action}`)
  assert.equal((await act('pause')).body.state, 'paused')
  assert.equal((await act('pause')).body.state, 'paused', 'pausing twice answers the paused broadcast')
  assert.equal((await act('resume')).body.state, 'scheduled', 'it had not started: scheduled again')
  assert.equal((await act('cancel')).body.state, 'cancelled')
  const cancelled = await act('cancel')
  assert.equal(cancelled.body.state, 'cancelled')
  assert.ok(cancelled.body.finishedAt !== undefined)
  for (const action of ['pause', 'resume']) {
    const res = await act(action)
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 'ERR_BROADCAST_STATE')
  }
  const nothing = await act('pause', 'brd_nothing')
  assert.deepEqual([nothing.status, nothing.body.code], [404, 'ERR_BROADCAST_NOT_FOUND'])
  assert.equal((await call(app, 'POST', `/api/v1/broadcasts/${ids[1]!}/pause`, undefined, read)).status, 403)

  const page1 = await call(app, 'GET', '/api/v1/broadcasts?limit=2', undefined, read)
  assert.deepEqual(page1.body.items.map((b: { text: string }) => b.text), ['third', 'second'])
  const page2 = await call(app, 'GET', `/api/v1/broadcasts?limit=2&cursor=${page1.body.nextCursor as string}`, undefined, read)
  assert.deepEqual(page2.body.items.map((b: { text: string }) => b.text), ['first'])
  assert.equal(page2.body.nextCursor, null)
  assert.equal((await call(app, 'GET', '/api/v1/broadcasts?cursor=bm9wZQ')).status, 400)
})

test('fuzzing the broadcast routes never gets a 5xx, and a refused body stores nothing', async (t) => {
  const { app } = await buildAdminApp(t)
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('<b>x</b>', '<b>x', '&', '&amp;', '<a href="x">y</a>', '', '\u0000', 'a\uD800', 'x'.repeat(5000)))
  const audience = fc.oneof(fc.constant({}), fc.record({
    language: fc.constantFrom('en', 'ru', 'uz', 'de', 1),
    boughtProduct: fc.constantFrom('prd_x', 'nope', ''),
    activeWithinDays: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double()),
    source: fc.string({ maxLength: 70 })
  }, { requiredKeys: [] }), fc.anything({ maxDepth: 1 }))
  const body = fc.record({
    text,
    audience,
    photo: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('https://example.com/p.jpg'), fc.record({ productId: fc.string({ maxLength: 10 }) })),
    button: fc.oneof(fc.record({ text: fc.string({ maxLength: 70 }), url: fc.oneof(fc.webUrl(), fc.string({ maxLength: 20 })) }), fc.record({ text: fc.string({ maxLength: 5 }), productId: fc.string({ maxLength: 10 }) })),
    sendAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 25 })),
    testTo: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
    extra: fc.anything({ maxDepth: 0 })
  }, { requiredKeys: [] })
  let created = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom('/api/v1/broadcasts', '/api/v1/broadcasts/preview'), body, async (url, payload) => {
    const res = await call(app, 'POST', url, payload)
    assert.ok(res.status < 500, `${url} ${JSON.stringify(payload)} → ${res.status} ${res.text}`)
    if (res.status >= 400) assert.match(res.body.code, /^ERR_[A-Z_]+$/)
    if (res.status === 201) created++
    const listed = await call(app, 'GET', '/api/v1/broadcasts?limit=200')
    assert.equal(listed.body.items.length, created, 'only accepted bodies are stored')
  }), { seed: 1616, numRuns: 80 })
})

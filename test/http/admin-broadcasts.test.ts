// Issue 16 point 3, the broadcasts routes without a bot: what a merchant sends is checked before
// anything is stored (Telegram HTML, products, caption length, unknown fields), the audience
// filters count the right customers, pause/resume/cancel follow the states, lists page newest
// first, fast-check bodies never get a 5xx nor leave a broadcast behind when refused, and the
// uncertain copies are sent again only when the merchant asks, in a state that allows it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { and, eq } from 'drizzle-orm'
import { adminAudit, broadcast, broadcastRecipient, customer, orderItem, shopOrder } from '../../src/adapters/postgres/schema.js'
import type { Database } from '../../src/adapters/postgres/database.js'
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

/**
 * A broadcast that ran and ended with copies in flight at a crash: what a restarted worker leaves
 * (decision 0059) — `sent` ones, `uncertain` ones, a `blocked` one — written as the worker writes them.
 */
async function crashedBroadcast (database: Database, id: string, state: string, recipients: { sent: number, uncertain: number, blocked: number }, first: number): Promise<void> {
  const now = Date.now()
  const total = recipients.sent + recipients.uncertain + recipients.blocked
  await database.db.update(broadcast).set({ state, startedAt: new Date(now - 60_000), total, ...(state === 'done' ? { finishedAt: new Date(now) } : {}) }).where(eq(broadcast.id, id))
  const states = [...Array(recipients.sent).fill('sent'), ...Array(recipients.uncertain).fill('uncertain'), ...Array(recipients.blocked).fill('blocked')] as string[]
  await database.db.insert(broadcastRecipient).values(states.map((s, i) => ({
    broadcastId: id,
    telegramId: first + i,
    state: s,
    ...(s === 'uncertain' ? { error: 'the worker stopped while this copy was being sent: it may have been delivered' } : {})
  })))
}

test('the uncertain copies are sent again when the merchant asks: pending again, a done broadcast sending again, recorded in the audit', async (t) => {
  const { app, database, read } = await buildAdminApp(t)
  const make = async (): Promise<string> => (await call(app, 'POST', '/api/v1/broadcasts', { text: 'Resend me', audience: {}, sendAt: '2100-01-01T00:00:00Z' })).body.id
  const resend = (target: string, headers?: Record<string, string>) => call(app, 'POST', `/api/v1/broadcasts/${target}/resend-uncertain`, undefined, headers)

  // a scheduled broadcast has sent nothing, a cancelled one sends nothing more: 409
  const scheduled = await make()
  const refused = await resend(scheduled)
  assert.deepEqual([refused.status, refused.body.code], [409, 'ERR_BROADCAST_STATE'])
  assert.match(String(refused.headers['content-type']), /^application\/problem\+json/)
  await call(app, 'POST', `/api/v1/broadcasts/${scheduled}/cancel`)
  assert.equal((await resend(scheduled)).status, 409)
  const nothing = await resend('brd_nothing')
  assert.deepEqual([nothing.status, nothing.body.code], [404, 'ERR_BROADCAST_NOT_FOUND'])
  assert.equal((await resend('not-an-id')).status, 400)

  const done = await make()
  await crashedBroadcast(database, done, 'done', { sent: 7, uncertain: 3, blocked: 1 }, 5_100_001)
  assert.equal((await resend(done, read)).status, 403, 'a read token may not')
  const before = (await call(app, 'GET', `/api/v1/broadcasts/${done}`)).body
  assert.deepEqual([before.state, before.counts], ['done', { total: 11, sent: 7, failed: 0, blocked: 1, remaining: 0, skipped: 0, uncertain: 3 }])
  const answered = await resend(done)
  assert.equal(answered.status, 200)
  assert.equal(answered.body.state, 'sending', 'the workers take the three again')
  assert.equal(answered.body.finishedAt, undefined)
  assert.deepEqual(answered.body.counts, { total: 11, sent: 7, failed: 0, blocked: 1, remaining: 3, skipped: 0, uncertain: 0 })
  const rows = await database.db.select({ id: broadcastRecipient.telegramId, error: broadcastRecipient.error }).from(broadcastRecipient)
    .where(and(eq(broadcastRecipient.broadcastId, done), eq(broadcastRecipient.state, 'pending')))
  assert.deepEqual(rows.map((r) => r.id).sort(), [5_100_008, 5_100_009, 5_100_010])
  assert.ok(rows.every((r) => r.error === null))
  // asking again with none uncertain left changes nothing (a double click sends nothing twice)
  const again = await resend(done)
  assert.deepEqual([again.status, again.body.counts], [200, answered.body.counts])
  const audit = await database.db.select({ action: adminAudit.action, route: adminAudit.route }).from(adminAudit).where(and(eq(adminAudit.targetType, 'broadcast'), eq(adminAudit.targetId, done))).orderBy(adminAudit.id)
  assert.deepEqual(audit.map((a) => a.action), ['broadcast.created', 'broadcast.uncertain_resent', 'broadcast.uncertain_resent'], 'the refused read-token call is not recorded')
  assert.equal(audit[1]!.route, '/api/v1/broadcasts/:id/resend-uncertain')

  // a paused one keeps its state: the copies wait for resume with the others
  const paused = await make()
  await crashedBroadcast(database, paused, 'paused', { sent: 2, uncertain: 2, blocked: 0 }, 5_200_001)
  const kept = await resend(paused)
  assert.deepEqual([kept.status, kept.body.state, kept.body.counts.remaining, kept.body.counts.uncertain], [200, 'paused', 2, 0])
  // a done one with nothing uncertain stays done
  const clean = await make()
  await crashedBroadcast(database, clean, 'done', { sent: 3, uncertain: 0, blocked: 0 }, 5_300_001)
  assert.deepEqual([(await resend(clean)).body.state], ['done'])
})

test('fuzzing resend-uncertain among pause, resume and cancel never gets a 5xx, and the counts always add up', async (t) => {
  const { app, database } = await buildAdminApp(t)
  const ids: string[] = []
  for (let i = 0; i < 4; i++) {
    const id = (await call(app, 'POST', '/api/v1/broadcasts', { text: `Fuzz ${i}`, audience: {}, sendAt: '2100-01-01T00:00:00Z' })).body.id as string
    if (i > 0) await crashedBroadcast(database, id, ['done', 'sending', 'paused'][i - 1]!, { sent: 2, uncertain: i, blocked: 1 }, 6_000_001 + i * 100)
    ids.push(id)
  }
  const target = fc.oneof(fc.constantFrom(...ids), fc.constantFrom('brd_unknown', 'x', '%00', 'brd_' + 'a'.repeat(70), '1e3'), fc.string({ maxLength: 12 }).map(encodeURIComponent))
  const step = fc.record({ target, action: fc.constantFrom('resend-uncertain', 'resend-uncertain', 'pause', 'resume', 'cancel'), body: fc.oneof(fc.constant(undefined), fc.object({ maxDepth: 1, maxKeys: 3 }), fc.string({ maxLength: 10 })) })
  await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
    for (const { target: id, action, body } of steps) {
      const before = ids.includes(id) ? (await call(app, 'GET', `/api/v1/broadcasts/${id}`)).body : undefined
      const res = await call(app, 'POST', `/api/v1/broadcasts/${id}/${action}`, body)
      assert.ok(res.status < 500, `${action} ${id} ${JSON.stringify(body)} → ${res.status} ${res.text}`)
      if (res.status >= 400) {
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
        assert.match(res.body.code, /^ERR_[A-Z_]+$/)
        continue
      }
      const { counts, state } = res.body
      assert.equal(counts.sent + counts.failed + counts.blocked + counts.remaining + counts.skipped + counts.uncertain, counts.total, JSON.stringify(counts))
      if (action === 'resend-uncertain' && before !== undefined) {
        assert.equal(counts.uncertain, 0, 'nothing uncertain is left')
        assert.equal(counts.remaining, before.counts.remaining + before.counts.uncertain, 'each uncertain one is pending again, once')
        assert.ok(['sending', 'paused', 'done'].includes(state))
        assert.equal(state === 'done', before.state === 'done' && before.counts.uncertain === 0)
      }
    }
  }), { seed: 1665, numRuns: 40 })
})

// Issue 16 (analytics): the analytics routes over a seeded ledger and the bot's event batches,
// days counted in TIMEZONE (Asia/Tashkent here, UTC+5): revenue per currency from the ledger,
// net of refunds; exact DAU/WAU/MAU; the funnel; products; referral sources; payment failures from
// the rollups plus today's raw events, the same before and after the rollup and the retention
// prune; sandbox rows left out once live; bad ranges refused with 400 ERR_VALIDATION.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { count } from 'drizzle-orm'
import fc from 'fast-check'
import { buildAdminApp, call } from '../helpers/admin.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { analyticsEvent, customer, orderItem, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createAnalyticsStore, insertAnalyticsEvent } from '../../src/adapters/postgres/analytics-store.js'
import type { EventName } from '../../src/domain/analytics/events.js'
import type { Database } from '../../src/adapters/postgres/database.js'

const TZ = 'Asia/Tashkent'
const NOW = Date.parse('2026-03-10T12:00:00Z')
const at = (iso: string): number => Date.parse(iso)

async function seed (app: Parameters<typeof call>[0], database: Database): Promise<void> {
  const db = database.db
  const a = await call(app, 'POST', '/api/v1/products', { title: { en: 'Book' }, price: { amount: 500, currency: 'USD' }, kind: 'digital', payload: 'x' })
  const b = await call(app, 'POST', '/api/v1/products', { title: { en: 'Tea' }, price: { amount: 4_900_000, currency: 'UZS' }, kind: 'digital', payload: 'x' })
  const customers: Array<[number, string, string | null, boolean]> = [
    // 20:00 UTC on the 9th is 01:00 on the 10th in Tashkent
    [101, '2026-03-09T20:00:00Z', 'insta', false],
    [102, '2026-03-01T10:00:00Z', 'insta', false],
    [103, '2026-02-01T10:00:00Z', null, false],
    [104, '2026-03-10T08:00:00Z', 'insta', true],
    [105, '2026-02-01T10:00:00Z', null, false],
    [106, '2026-02-01T10:00:00Z', 'tg_ads', false]
  ]
  await db.insert(customer).values(customers.map(([telegramId, first, referralSource, sandbox]) => ({ telegramId, firstName: `C${telegramId}`, firstSeenAt: new Date(first), lastSeenAt: new Date(first), referralSource, sandbox })))
  const orders: Array<{ customer: number, state: 'paid' | 'fulfilled' | 'refunded' | 'pending', currency: string, total: number, refunded: number, paidAt: string | null, item: [string, number, number], sandbox?: boolean }> = [
    { customer: 101, state: 'fulfilled', currency: 'USD', total: 1000, refunded: 0, paidAt: '2026-03-09T19:30:00Z', item: [a.body.id, 2, 500] },
    { customer: 102, state: 'paid', currency: 'UZS', total: 4_900_000, refunded: 900_000, paidAt: '2026-03-05T10:00:00Z', item: [b.body.id, 1, 4_900_000] },
    { customer: 103, state: 'fulfilled', currency: 'USD', total: 500, refunded: 0, paidAt: '2026-02-20T10:00:00Z', item: [a.body.id, 1, 500] },
    { customer: 101, state: 'refunded', currency: 'USD', total: 2000, refunded: 2000, paidAt: '2026-03-06T10:00:00Z', item: [a.body.id, 4, 500] },
    { customer: 102, state: 'pending', currency: 'USD', total: 500, refunded: 0, paidAt: null, item: [a.body.id, 1, 500] },
    { customer: 104, state: 'fulfilled', currency: 'USD', total: 5000, refunded: 0, paidAt: '2026-03-10T09:00:00Z', item: [a.body.id, 10, 500], sandbox: true }
  ]
  for (const o of orders) {
    const [row] = await db.insert(shopOrder).values({
      customerTelegramId: o.customer,
      state: o.state,
      currency: o.currency,
      totalAmount: o.total,
      refundedAmount: o.refunded,
      sandbox: o.sandbox ?? false,
      expiresAt: new Date(NOW + 3_600_000),
      ...(o.paidAt !== null ? { paidAt: new Date(o.paidAt) } : {}),
      createdAt: new Date(o.paidAt ?? NOW)
    }).returning({ id: shopOrder.id })
    await db.insert(orderItem).values({ orderId: row!.id, productId: o.item[0], quantity: o.item[1], unitAmount: o.item[2], currency: o.currency, title: { en: 'x' } })
  }
  // the bot's batches, as its event buffer writes them
  const bot = createAnalyticsStore(db, { timezone: TZ, sandbox: false, includeSandbox: false })
  const sandboxBot = createAnalyticsStore(db, { timezone: TZ, sandbox: true, includeSandbox: true })
  const ev = (customerTelegramId: number, name: EventName, iso: string, properties?: Record<string, unknown>) =>
    ({ customerTelegramId, at: at(iso), event: { name, customerTelegramId, at: at(iso), ...(properties !== undefined ? { properties } : {}) } })
  await bot.appendBatch([
    ev(101, 'bot.started', '2026-03-09T20:00:00Z', { source: 'insta' }), ev(101, 'catalog.opened', '2026-03-10T06:00:00Z'),
    ev(101, 'product.viewed', '2026-03-10T06:01:00Z'), ev(101, 'checkout.started', '2026-03-10T06:02:00Z'),
    ev(102, 'catalog.opened', '2026-03-05T09:00:00Z'), ev(102, 'product.viewed', '2026-03-05T09:01:00Z'),
    { customerTelegramId: 102, at: at('2026-03-08T09:00:00Z') },
    ev(103, 'bot.started', '2026-03-06T09:00:00Z'),
    { customerTelegramId: 105, at: at('2026-03-10T07:00:00Z') },
    { customerTelegramId: 106, at: at('2026-02-05T07:00:00Z') }
  ])
  await bot.appendBatch([{ customerTelegramId: 101, at: at('2026-03-10T07:00:00Z') }, ev(101, 'catalog.opened', '2026-03-10T07:00:00Z')])
  await sandboxBot.appendBatch([ev(104, 'bot.started', '2026-03-10T08:00:00Z'), ev(104, 'checkout.started', '2026-03-10T08:05:00Z')])
  const failed = [
    ['stripe', 'declined', '2026-03-03T10:00:00Z', false], ['stripe', 'declined', '2026-03-10T10:00:00Z', false],
    ['payme', 'debit_failed', '2026-03-04T10:00:00Z', false], ['click', 'insufficient_funds', '2026-03-10T10:00:00Z', true],
    ['stripe', 'declined', '2026-02-01T10:00:00Z', false]
  ] as const
  for (const [provider, reason, iso, sandbox] of failed) {
    await insertAnalyticsEvent(db, { name: 'payment.failed', customerTelegramId: 102, at: at(iso), properties: { provider, reason } }, { sandbox })
  }
}

const RANGE = 'from=2026-03-01&to=2026-03-10'

test('analytics: revenue per currency net of refunds, customers, the funnel, active customers, products, sources and failures, in TIMEZONE', async (t) => {
  const clock = new FakeClock(NOW)
  const { app, database, read } = await buildAdminApp(t, { clock, env: { TIMEZONE: TZ } })
  await seed(app, database)
  const get = async (path: string): Promise<any> => {
    const res = await call(app, 'GET', `/api/v1/analytics/${path}`, undefined, read)
    assert.equal(res.status, 200, `${path}: ${res.text}`)
    return res.body
  }

  assert.deepEqual(await get(`overview?${RANGE}`), {
    revenue: [
      { currency: 'USD', gross: 3000, refunded: 2000, net: 1000, orders: 2 },
      { currency: 'UZS', gross: 4_900_000, refunded: 900_000, net: 4_000_000, orders: 1 }
    ],
    customers: { new: 2, active: 4 },
    averageOrder: [{ amount: 500, currency: 'USD' }, { amount: 4_000_000, currency: 'UZS' }]
  })
  // without a range: the 30 days up to today (the 10th in Tashkent)
  assert.deepEqual((await get('overview')).customers, { new: 2, active: 4 })

  assert.deepEqual(await get(`funnel?${RANGE}`), {
    steps: [
      { step: 'start', customers: 3, conversion: 1 },
      { step: 'catalog', customers: 2, conversion: 0.6667 },
      { step: 'product', customers: 2, conversion: 1 },
      { step: 'checkout', customers: 2, conversion: 1 },
      { step: 'paid', customers: 2, conversion: 1 }
    ]
  })

  assert.deepEqual(await get('active?date=2026-03-10'), { dau: 2, wau: 4, mau: 4 })
  assert.deepEqual(await get('active'), { dau: 2, wau: 4, mau: 4 })
  assert.deepEqual(await get('active?date=2026-03-05'), { dau: 1, wau: 1, mau: 2 })

  const orders = await get(`timeseries?metric=orders&${RANGE}`)
  assert.equal(orders.points.length, 10)
  assert.deepEqual(orders.points.filter((p: any) => p.value > 0), [{ date: '2026-03-05', value: 1 }, { date: '2026-03-06', value: 1 }, { date: '2026-03-10', value: 1 }])
  const revenue = await get(`timeseries?metric=revenue&${RANGE}`)
  assert.equal(revenue.points.length, 20)
  assert.deepEqual(revenue.points.filter((p: any) => p.value > 0), [{ date: '2026-03-05', value: 4_000_000, currency: 'UZS' }, { date: '2026-03-10', value: 1000, currency: 'USD' }])
  const fresh = await get(`timeseries?metric=new_customers&${RANGE}`)
  assert.deepEqual(fresh.points.filter((p: any) => p.value > 0), [{ date: '2026-03-01', value: 1 }, { date: '2026-03-10', value: 1 }])
  const active = await get(`timeseries?metric=active_customers&${RANGE}`)
  assert.deepEqual(active.points.filter((p: any) => p.value > 0), [{ date: '2026-03-05', value: 1 }, { date: '2026-03-06', value: 1 }, { date: '2026-03-08', value: 1 }, { date: '2026-03-10', value: 2 }])

  const products = await get(`products?${RANGE}`)
  assert.deepEqual(products.items.map((p: any) => [p.title, p.units, p.revenue]), [['Book', 2, { amount: 1000, currency: 'USD' }], ['Tea', 1, { amount: 4_900_000, currency: 'UZS' }]])

  assert.deepEqual(await get(`sources?${RANGE}`), {
    items: [{ source: 'insta', customers: 2, orders: 3, revenue: [{ amount: 1000, currency: 'USD' }, { amount: 4_000_000, currency: 'UZS' }] }]
  })

  const failures = { items: [{ provider: 'stripe', reason: 'declined', count: 2 }, { provider: 'payme', reason: 'debit_failed', count: 1 }] }
  assert.deepEqual(await get(`payment-failures?${RANGE}`), failures)

  // the days before today rolled up, then raw events past retention (5 days here) removed: the answers stay
  const store = createAnalyticsStore(database.db, { timezone: TZ, sandbox: false, includeSandbox: false, retentionDays: 5 })
  // a run rolls up at most 31 days and prunes only days rolled up: runs until there is nothing left
  let rolled = 0
  let pruned = 0
  for (let run = 0; run < 5; run++) {
    const done = await store.maintain(NOW)
    rolled += done.rolled
    pruned += done.pruned
  }
  assert.equal(rolled, 37, 'every day from the first event (1 February) to yesterday (9 March)')
  assert.equal(pruned, 5, 'the events older than 5 days are gone')
  assert.deepEqual(await get(`payment-failures?${RANGE}`), failures)
  assert.deepEqual(await get('payment-failures?from=2026-02-01&to=2026-02-01'), { items: [{ provider: 'stripe', reason: 'declined', count: 1 }] })
  const [left] = await database.db.select({ n: count() }).from(analyticsEvent)
  assert.equal(Number(left?.n), 10)
  assert.deepEqual(await get(`funnel?${RANGE}`).then((f) => f.steps.map((s: any) => s.customers)), [3, 2, 2, 2, 2])
})

test('analytics: a malformed day, a reversed or too long range, an unknown metric or field is 400 ERR_VALIDATION; fuzzing never gets a 5xx', async (t) => {
  const { app, read } = await buildAdminApp(t, { clock: new FakeClock(NOW) })
  for (const path of [
    'overview?from=2026-02-30', 'overview?from=2026-03-10&to=2026-03-01', 'funnel?from=2020-01-01&to=2026-01-01', 'overview?from=10-03-2026',
    'timeseries?metric=profit', 'timeseries', 'active?date=2026-13-01', 'products?limit=0', 'sources?limit=1000', 'payment-failures?since=2026-01-01',
    'overview?from=1999-12-31'
  ]) {
    const res = await call(app, 'GET', `/api/v1/analytics/${path}`, undefined, read)
    assert.equal(res.status, 400, `${path}: ${res.text}`)
    assert.equal(res.body.code, 'ERR_VALIDATION', path)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/)
  }
  // from alone: up to today; to alone: the 30 days before it
  assert.equal((await call(app, 'GET', '/api/v1/analytics/timeseries?metric=orders&from=2026-03-08', undefined, read)).body.points.length, 3)
  assert.equal((await call(app, 'GET', '/api/v1/analytics/timeseries?metric=orders&to=2026-01-31', undefined, read)).body.points.length, 30)

  // fuzzed with day-like and odd queries, the routes never answer a 5xx
  const day = fc.oneof(
    fc.tuple(fc.integer({ min: 1990, max: 10_000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
    fc.string({ maxLength: 12 }), fc.constant('%00'), fc.constant('2026-03-10%00'), fc.constant('')
  )
  const route = fc.constantFrom('overview', 'timeseries', 'funnel', 'active', 'products', 'sources', 'payment-failures')
  const query = fc.dictionary(fc.constantFrom('from', 'to', 'date', 'metric', 'limit', 'x'), fc.oneof(day, fc.constantFrom('revenue', 'orders', 'active_customers', '5', '-1', '1e3')), { maxKeys: 4 })
  await fc.assert(fc.asyncProperty(route, query, async (path, params) => {
    const qs = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%25/g, '%')}`).join('&')
    const res = await call(app, 'GET', `/api/v1/analytics/${path}?${qs}`, undefined, read)
    assert.ok(res.status < 500, `${path}?${qs}: ${res.status} ${res.text}`)
    if (res.status !== 200) assert.match(String(res.body?.code), /^ERR_/)
  }), { seed: 1616, numRuns: 60 })
})

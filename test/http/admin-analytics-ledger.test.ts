// Issue 16 (analytics, decision 0063): revenue, the revenue and orders series and products read
// the per-day ledger sums for the days the analytics job rolled up and the ledger's rows for the
// others. The answers are the same before and after the roll-up, and stay exact when the ledger
// changes a rolled day later: a refund made days after the sale (counted on the sale's day,
// decision 0031), a partial refund, a full refund (the order leaves products), two currencies, an
// order written for a day already rolled up.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { buildAdminApp, call } from '../helpers/admin.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { customer, orderItem, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createAnalyticsStore } from '../../src/adapters/postgres/analytics-store.js'

const TZ = 'Asia/Tashkent'
const NOW = Date.parse('2026-03-10T12:00:00Z')
const RANGE = 'from=2026-03-01&to=2026-03-10'

test('analytics ledger sums: the same before and after the roll-up, exact under refunds made a later day, partial refunds and two currencies', async (t) => {
  const clock = new FakeClock(NOW)
  const { app, database, read } = await buildAdminApp(t, { clock, env: { TIMEZONE: TZ } })
  const db = database.db
  const get = async (path: string): Promise<any> => {
    const res = await call(app, 'GET', `/api/v1/analytics/${path}`, undefined, read)
    assert.equal(res.status, 200, `${path}: ${res.text}`)
    return res.body
  }
  const book = (await call(app, 'POST', '/api/v1/products', { title: { en: 'Book' }, price: { amount: 500, currency: 'USD' }, kind: 'digital', payload: 'x' })).body.id as string
  const tea = (await call(app, 'POST', '/api/v1/products', { title: { en: 'Tea' }, price: { amount: 4_900_000, currency: 'UZS' }, kind: 'digital', payload: 'x' })).body.id as string
  await db.insert(customer).values([201, 202, 203].map((telegramId) => ({ telegramId, firstName: `C${telegramId}`, firstSeenAt: new Date(NOW - 30 * 86_400_000), lastSeenAt: new Date(NOW) })))
  const order = async (customerTelegramId: number, currency: string, product: string, quantity: number, unit: number, paidAt: string): Promise<string> => {
    const [row] = await db.insert(shopOrder).values({
      customerTelegramId, state: 'paid', currency, totalAmount: quantity * unit, sandbox: false, expiresAt: new Date(NOW + 3_600_000), paidAt: new Date(paidAt), createdAt: new Date(paidAt)
    }).returning({ id: shopOrder.id })
    await db.insert(orderItem).values({ orderId: row!.id, productId: product, quantity, unitAmount: unit, currency, title: { en: 'x' } })
    return row!.id
  }
  const a = await order(201, 'USD', book, 2, 500, '2026-03-02T10:00:00Z')
  const b = await order(202, 'UZS', tea, 1, 4_900_000, '2026-03-03T10:00:00Z')
  // 21:00 UTC on the 3rd is 02:00 on the 4th in Tashkent
  const c = await order(203, 'USD', book, 1, 500, '2026-03-03T21:00:00Z')
  await order(201, 'UZS', tea, 2, 4_900_000, '2026-03-04T10:00:00Z')

  const answers = async (): Promise<unknown[]> => [
    (await get(`overview?${RANGE}`)).revenue,
    (await get(`timeseries?metric=revenue&${RANGE}`)).points.filter((p: any) => p.value > 0),
    (await get(`timeseries?metric=orders&${RANGE}`)).points.filter((p: any) => p.value > 0),
    (await get(`products?${RANGE}`)).items.map((p: any) => [p.title, p.units, p.revenue]),
    (await get('overview?from=2026-03-04&to=2026-03-04')).revenue
  ]
  const sold = [
    [{ currency: 'USD', gross: 1500, refunded: 0, net: 1500, orders: 2 }, { currency: 'UZS', gross: 14_700_000, refunded: 0, net: 14_700_000, orders: 2 }],
    [{ date: '2026-03-02', value: 1000, currency: 'USD' }, { date: '2026-03-03', value: 4_900_000, currency: 'UZS' }, { date: '2026-03-04', value: 500, currency: 'USD' }, { date: '2026-03-04', value: 9_800_000, currency: 'UZS' }],
    [{ date: '2026-03-02', value: 1 }, { date: '2026-03-03', value: 1 }, { date: '2026-03-04', value: 2 }],
    [['Tea', 3, { amount: 14_700_000, currency: 'UZS' }], ['Book', 3, { amount: 1500, currency: 'USD' }]],
    [{ currency: 'USD', gross: 500, refunded: 0, net: 500, orders: 1 }, { currency: 'UZS', gross: 9_800_000, refunded: 0, net: 9_800_000, orders: 1 }]
  ]
  assert.deepEqual(await answers(), sold, 'from the ledger rows')

  const store = createAnalyticsStore(db, { timezone: TZ, sandbox: false, includeSandbox: false })
  let ledgerRolled = 0
  for (let run = 0; run < 3; run++) ledgerRolled += (await store.maintain(NOW)).ledgerRolled
  assert.equal(ledgerRolled, 8, 'every day from the first paid order (2 March) to yesterday (9 March)')
  assert.deepEqual(await answers(), sold, 'from the rolled-up sums: the same')

  // today (the 10th): a partial refund of the UZS sale of the 3rd, a full refund of the USD sale of
  // the 2nd (it leaves products), a partial refund of the USD sale of the 4th
  await db.update(shopOrder).set({ refundedAmount: 900_000 }).where(eq(shopOrder.id, b))
  await db.update(shopOrder).set({ refundedAmount: 1000, state: 'refunded' }).where(eq(shopOrder.id, a))
  await db.update(shopOrder).set({ refundedAmount: 200 }).where(eq(shopOrder.id, c))
  const refunded = [
    [{ currency: 'USD', gross: 1500, refunded: 1200, net: 300, orders: 2 }, { currency: 'UZS', gross: 14_700_000, refunded: 900_000, net: 13_800_000, orders: 2 }],
    [{ date: '2026-03-03', value: 4_000_000, currency: 'UZS' }, { date: '2026-03-04', value: 300, currency: 'USD' }, { date: '2026-03-04', value: 9_800_000, currency: 'UZS' }],
    sold[2],
    [['Tea', 3, { amount: 14_700_000, currency: 'UZS' }], ['Book', 1, { amount: 500, currency: 'USD' }]],
    [{ currency: 'USD', gross: 500, refunded: 200, net: 300, orders: 1 }, { currency: 'UZS', gross: 9_800_000, refunded: 0, net: 9_800_000, orders: 1 }]
  ]
  assert.deepEqual(await answers(), refunded, 'the refunds count on the days of their sales')
  const series = (await get(`timeseries?metric=revenue&${RANGE}`)).points
  assert.deepEqual(series.filter((p: any) => p.date === '2026-03-02'), [{ date: '2026-03-02', value: 0, currency: 'USD' }, { date: '2026-03-02', value: 0, currency: 'UZS' }])

  // an order written for a rolled day (the 5th) and one paid today: both counted, once
  await order(203, 'USD', book, 4, 500, '2026-03-05T10:00:00Z')
  await order(202, 'USD', book, 1, 500, '2026-03-10T06:00:00Z')
  const overview = (await get(`overview?${RANGE}`)).revenue
  assert.deepEqual(overview[0], { currency: 'USD', gross: 4000, refunded: 1200, net: 2800, orders: 4 })
  assert.deepEqual((await get(`products?${RANGE}`)).items.map((p: any) => [p.title, p.units, p.revenue]),
    [['Book', 6, { amount: 3000, currency: 'USD' }], ['Tea', 3, { amount: 14_700_000, currency: 'UZS' }]])
  // a second roll-up run changes nothing already rolled; the refund undone restores the sale
  await store.maintain(NOW)
  await db.update(shopOrder).set({ refundedAmount: 0, state: 'paid' }).where(eq(shopOrder.id, a))
  assert.deepEqual((await get(`overview?${RANGE}`)).revenue[0], { currency: 'USD', gross: 4000, refunded: 200, net: 3800, orders: 4 })
  assert.deepEqual((await get(`products?${RANGE}`)).items.map((p: any) => [p.title, p.units]), [['Book', 8], ['Tea', 3]])
})

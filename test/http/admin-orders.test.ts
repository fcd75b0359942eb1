// Issue 15 point 1 (orders): the list newest first with every filter and a cursor to the end of 500
// orders, the CSV export (decimal amounts, currency, formula-looking cells defused), fulfilling a
// paid physical order (the customer told through the outbox) and resolving needs_attention.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { and, eq } from 'drizzle-orm'
import { buildAdminApp, call } from '../helpers/admin.js'
import { seedProduct } from '../helpers/catalog.js'
import { orderItem, outbox, paymentTransaction, shopOrder } from '../../src/adapters/postgres/schema.js'
import type { Database } from '../../src/adapters/postgres/database.js'

const BASE = Date.UTC(2026, 2, 1)
const STATES = ['pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded'] as const

/** `count` orders straight into the tables: every 7th shares its time with the one before (ties broken by id). */
async function seedOrders (database: Database, count: number): Promise<Array<{ id: string, createdAt: number, state: string, customer: number, flagged: boolean, currency: string }>> {
  const productId = await seedProduct(database, { title: 'Thing', kind: 'physical', payload: undefined })
  const rows = Array.from({ length: count }, (_, i) => {
    const createdAt = BASE + (i % 7 === 6 ? i - 1 : i) * 60_000
    return {
      customerTelegramId: 1000 + (i % 5),
      state: STATES[i % STATES.length]!,
      currency: i % 2 === 0 ? 'UZS' : 'USD',
      totalAmount: 150_000 + i,
      refundedAmount: 0,
      flags: i % 10 === 3 ? ['needs_attention'] : [],
      expiresAt: new Date(createdAt + 1_800_000),
      createdAt: new Date(createdAt),
      updatedAt: new Date(createdAt)
    }
  })
  const out: Array<{ id: string, createdAt: number, state: string, customer: number, flagged: boolean, currency: string }> = []
  for (let i = 0; i < rows.length; i += 100) {
    const inserted = await database.db.insert(shopOrder).values(rows.slice(i, i + 100)).returning()
    await database.db.insert(orderItem).values(inserted.map((o) => ({ orderId: o.id, productId, quantity: 1, unitAmount: o.totalAmount, currency: o.currency, title: { en: 'Thing' } })))
    out.push(...inserted.map((o) => ({ id: o.id, createdAt: o.createdAt.getTime(), state: o.state, customer: o.customerTelegramId, flagged: o.flags.length > 0, currency: o.currency })))
  }
  return out
}

const newestFirst = <T extends { createdAt: number, id: string }>(orders: T[]): T[] => [...orders].sort((a, b) => b.createdAt - a.createdAt || Number(b.id) - Number(a.id))

test('the order list pages newest first to the end of 500 orders, and every filter narrows it', async (t) => {
  const { app, database } = await buildAdminApp(t)
  const orders = await seedOrders(database, 500)
  await database.db.insert(paymentTransaction).values(orders.filter((_, i) => i % 4 === 0).map((o, n) => ({
    id: `pay_walk${n}`, orderId: o.id, provider: n % 2 === 0 ? 'payme' : 'click', providerTransactionId: `ext-${n}`, amount: 1, currency: o.currency
  })))
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await call(app, 'GET', `/api/v1/orders?limit=37${cursor !== null ? `&cursor=${cursor}` : ''}`)
    assert.equal(res.status, 200, res.text)
    seen.push(...res.body.items.map((o: { id: string }) => o.id))
    cursor = res.body.nextCursor
    pages++
  } while (cursor !== null)
  assert.equal(pages, Math.ceil(500 / 37))
  assert.deepEqual(seen, newestFirst(orders).map((o) => o.id), 'every order once, newest first, ties by id')

  const all = async (query: string): Promise<string[]> => {
    const res = await call(app, 'GET', `/api/v1/orders?limit=200&${query}`)
    assert.equal(res.status, 200, res.text)
    assert.equal(res.body.nextCursor, null, 'fits one page')
    return res.body.items.map((o: { id: string }) => o.id)
  }
  const expect = (pick: (o: typeof orders[number], i: number) => boolean): string[] => newestFirst(orders.filter(pick)).map((o) => o.id)
  assert.deepEqual(await all('state=refunded'), expect((o) => o.state === 'refunded'))
  assert.deepEqual(await all('customer=1003&state=paid'), expect((o) => o.customer === 1003 && o.state === 'paid'))
  assert.deepEqual(await all('flag=needs_attention'), expect((o) => o.flagged))
  assert.deepEqual(await all('provider=click'), expect((_, i) => i % 4 === 0 && (i / 4) % 2 === 1))
  const from = new Date(BASE + 100 * 60_000).toISOString()
  const to = new Date(BASE + 130 * 60_000).toISOString()
  assert.deepEqual(await all(`from=${from}&to=${to}`), expect((o) => o.createdAt >= BASE + 100 * 60_000 && o.createdAt < BASE + 130 * 60_000))
  assert.equal((await call(app, 'GET', `/api/v1/orders?from=${to}&to=${from}`)).status, 400)
  assert.equal((await call(app, 'GET', '/api/v1/orders?state=lost')).status, 400)
  assert.equal((await call(app, 'GET', '/api/v1/orders?from=yesterday')).status, 400)
  assert.equal((await call(app, 'GET', '/api/v1/orders?cursor=bm9wZQ')).status, 400)
})

test('the CSV export: a header, one line per order newest first, decimal amounts with their currency, formula cells defused', async (t) => {
  const { app } = await buildAdminApp(t)
  const tea = await call(app, 'POST', '/api/v1/products', { title: { en: 'Tea' }, price: { amount: 1_234_567, currency: 'UZS' }, kind: 'digital', payload: 'x' })
  const sneaky = await call(app, 'POST', '/api/v1/products', { title: { en: 'x' }, price: { amount: 5, currency: 'USD' }, kind: 'digital', payload: 'x' })
  const first = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 5 }, items: [{ productId: tea.body.id, quantity: 2 }] })
  const second = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 6 }, items: [{ productId: sneaky.body.id, quantity: 1 }] })
  const res = await app.inject({ url: '/api/v1/orders/export', headers: { authorization: 'Bearer test-admin-token-1234567890' } })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/csv/)
  assert.match(String(res.headers['content-disposition']), /attachment; filename="orders.csv"/)
  const lines = res.body.split('\r\n')
  assert.equal(lines.at(-1), '', 'every line ends with CRLF')
  assert.equal(lines[0], 'id,created_at,state,customer_telegram_id,currency,total,refunded,flags,providers,items,expires_at')
  assert.equal(lines.length, 4)
  assert.ok(lines[1]!.startsWith(`${second.body.id},`), 'newest first')
  assert.match(lines[1]!, /,pending,6,USD,0\.05,0\.00,/)
  assert.match(lines[2]!, new RegExp(`^${first.body.id},.*,pending,5,UZS,24691\\.34,0\\.00,,,${tea.body.id} x2 @ 12345\\.67,`))
  const filtered = await app.inject({ url: '/api/v1/orders/export?customer=5', headers: { authorization: 'Bearer test-admin-token-1234567890' } })
  assert.equal(filtered.body.split('\r\n').length, 3)
  assert.equal((await call(app, 'GET', '/api/v1/orders/export?limit=5')).status, 400, 'the export takes filters, not pages')
})

test('CSV cells that start with = + - @ are defused and quoted as RFC 4180 says', async () => {
  const { csvCell, decimalAmount } = await import('../../src/http/routes/admin/orders-csv.js')
  assert.equal(csvCell('=1+1'), "'=1+1")
  assert.equal(csvCell('+7 900'), "'+7 900")
  assert.equal(csvCell('-5'), "'-5")
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)")
  assert.equal(csvCell('a,b'), '"a,b"')
  assert.equal(csvCell('say "hi"'), '"say ""hi"""')
  assert.equal(csvCell('=a,"b"'), '"\'=a,""b"""')
  assert.equal(decimalAmount(5, 'USD'), '0.05')
  assert.equal(decimalAmount(1500000, 'UZS'), '15000.00')
  assert.equal(decimalAmount(250, 'XTR'), '250')
  assert.equal(decimalAmount(1234, 'KWD'), '1.234')
})

test('fulfil: a paid physical order becomes fulfilled and the customer is told; resolve clears needs_attention with the note kept', async (t) => {
  const { app, database } = await buildAdminApp(t)
  const mug = await call(app, 'POST', '/api/v1/products', { title: { en: 'Mug' }, price: { amount: 1_500_000, currency: 'UZS' }, kind: 'physical', stock: 5 })
  const book = await call(app, 'POST', '/api/v1/products', { title: { en: 'Book' }, price: { amount: 1_000_000, currency: 'UZS' }, kind: 'digital', payload: 'x' })
  const order = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 31 }, items: [{ productId: mug.body.id, quantity: 1 }] })
  const digital = await call(app, 'POST', '/api/v1/orders', { customer: { telegramId: 31 }, items: [{ productId: book.body.id, quantity: 1 }] })
  const early = await call(app, 'POST', `/api/v1/orders/${order.body.id}/fulfil`, {})
  assert.equal(early.status, 409, 'a pending order cannot be fulfilled')
  await database.db.update(shopOrder).set({ state: 'paid', paidAt: new Date() })
  assert.equal((await call(app, 'POST', `/api/v1/orders/${digital.body.id}/fulfil`, {})).status, 409, 'digital goods are fulfilled when sent')
  const fulfilled = await call(app, 'POST', `/api/v1/orders/${order.body.id}/fulfil`, { note: 'DHL 123' })
  assert.equal(fulfilled.status, 200, fulfilled.text)
  assert.equal(fulfilled.body.state, 'fulfilled')
  assert.deepEqual(fulfilled.body.history.at(-1), { ...fulfilled.body.history.at(-1), from: 'paid', to: 'fulfilled', reason: 'fulfilled: DHL 123' })
  const told = await database.db.select().from(outbox).where(eq(outbox.topic, 'customer.notify'))
  assert.deepEqual(told.map((r) => r.payload), [{ kind: 'order.fulfilled', orderId: order.body.id, note: 'DHL 123', telegramId: 31 }])
  assert.equal((await call(app, 'POST', `/api/v1/orders/${order.body.id}/fulfil`, {})).status, 409, 'once')

  assert.equal((await call(app, 'POST', `/api/v1/orders/${order.body.id}/resolve`, {})).status, 409, 'nothing to resolve')
  await database.db.update(shopOrder).set({ flags: ['needs_attention'] }).where(eq(shopOrder.id, order.body.id))
  const resolved = await call(app, 'POST', `/api/v1/orders/${order.body.id}/resolve`, { note: 'refunded by hand in the Payme cabinet' })
  assert.equal(resolved.status, 200)
  assert.deepEqual(resolved.body.flags, [])
  assert.equal(resolved.body.state, 'fulfilled')
  assert.equal(resolved.body.history.at(-1).reason, 'resolved: refunded by hand in the Payme cabinet')
  const audit = await call(app, 'GET', `/api/v1/orders/${order.body.id}/audit`)
  assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action), ['order.resolved', 'order.fulfilled', 'order.created'])
  const rows = await database.db.select().from(shopOrder).where(and(eq(shopOrder.id, order.body.id), eq(shopOrder.state, 'fulfilled')))
  assert.equal(rows.length, 1)
})

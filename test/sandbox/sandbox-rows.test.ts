// Rows made in the sandbox, and going live (issue 14 part 6; DESIGN.md "The sandbox (contract)"):
// customers, orders and analytics events made in the sandbox carry `sandbox = true`; going live
// keeps them and the catalog and logs how many remain; `sandbox clear` drops them (with what
// hangs on their orders) and nothing else. One sandbox server for the file, on this leg's storage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { loadConfig, type Config } from '../../src/config.js'
import { compose } from '../../src/compose.js'
import { buildApp } from '../../src/app.js'
import { createLogger } from '../../src/logger.js'
import { startServer } from '../../src/server.js'
import { openDatabase, type Db } from '../../src/adapters/postgres/database.js'
import { addMissingCatalogRows } from '../../src/adapters/postgres/catalog-store.js'
import { createPostgresShop } from '../../src/adapters/postgres/orders-store.js'
import {
  analyticsEvent, category, customer, orderItem, orderTransition, outbox, paymentTransaction, product, providerAudit, shopOrder
} from '../../src/adapters/postgres/schema.js'
import { openDirectControl, runControlRequest } from '../../src/compose/control.js'
import { DEMO_CATEGORIES, DEMO_PRODUCTS } from '../../src/sandbox/demo-seed.js'
import { placeOrder } from '../../src/usecases/place-order.js'
import type { ChatEntry } from '../../src/sandbox/http/chat-log.js'
import { captureStream } from '../helpers/app.js'
import { seedDataDir, testLeg } from '../helpers/db.js'
import { freePort } from '../helpers/kv.js'
import { buttonsOf, call, openStream, sandboxEnv, tempDataDir, type EntryStream } from '../helpers/sandbox.js'

const EBOOK = DEMO_PRODUCTS.find((p) => p.currency === 'UZS' && p.kind === 'digital')!.id
const SHIRT = DEMO_PRODUCTS.find((p) => p.kind === 'physical' && p.stock !== null)!.id
const LIVE_CUSTOMER = 5_000_001
const SANDBOX_ADMIN_CUSTOMER = 700_999_999

async function withDb<T> (config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await database.migrate()
    return await work(database.db)
  } finally {
    await database.close()
  }
}

const reservedOf = async (db: Db, id: string): Promise<number> => (await db.select({ reserved: product.reserved }).from(product).where(eq(product.id, id)))[0]!.reserved

/** Composes the app live (BOT_TOKEN set) on the same storage; returns its log lines. */
async function goLive (env: Record<string, string>): Promise<string[]> {
  const logs: string[] = []
  const live = loadConfig({ ...env, BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
  const deps = await compose(live, { logger: createLogger({ level: 'info', secrets: [], destination: captureStream(logs) }) })
  try {
    const app = await buildApp(deps)
    try {
      assert.equal((await app.inject({ url: '/sandbox/api/users' })).statusCode, 404, 'live: no /sandbox route')
      assert.equal((await app.inject({ url: '/sandbox/chat' })).statusCode, 404)
    } finally {
      await app.close()
    }
  } finally {
    await deps.close()
  }
  return logs
}

test('sandbox rows: flagged when made, counted when going live, cleared without touching the catalog or live rows', async (t) => {
  const dataDir = tempDataDir(t)
  const port = await freePort()
  const env = await sandboxEnv(t, dataDir, port)
  const config = loadConfig(env)
  // the embedded leg starts from a migrated copy (this test is not about migrating)
  if (testLeg() === 'embedded') await seedDataDir(dataDir)

  // before the sandbox: the demo catalog and a live customer's pending order (2 shirts held)
  const liveOrderId = await withDb(config, async (db) => {
    await addMissingCatalogRows(db, { categories: DEMO_CATEGORIES, products: DEMO_PRODUCTS })
    const order = await placeOrder({ store: createPostgresShop(db), now: Date.now(), orderTtlS: 86_400 }, { customer: { telegramId: LIVE_CUSTOMER }, items: [{ productId: SHIRT, quantity: 2 }] })
    return order.id
  })

  const logs: string[] = []
  const server = await startServer(config, { logger: createLogger({ level: 'info', secrets: config.secrets, destination: captureStream(logs) }) })
  let stopped = false
  t.after(async () => { if (!stopped) await server.stop() })
  const url = `http://127.0.0.1:${port}`
  const token = server.deps.sandbox!.adminToken
  assert.equal(server.deps.sandbox!.seeded, 0, 'the catalog was not empty: nothing seeded')

  // a sandbox customer buys the e-book with Payme
  const buyer = await call(url, 'POST', '/sandbox/api/users', { firstName: 'Sandbox buyer', languageCode: 'en' })
  const buyerId = buyer.body.id as number
  const stream = await openStream(t, url, buyerId)
  const paidOrderId = await buyEbookWithPayme(url, buyerId, stream)
  // and the admin API places a pending order (1 shirt held) for another customer, in the sandbox too
  const placed = await fetch(`${url}/api/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer: { telegramId: SANDBOX_ADMIN_CUSTOMER }, items: [{ productId: SHIRT, quantity: 1 }] })
  })
  assert.equal(placed.status, 201)
  const pendingOrderId = (await placed.json() as { id: string }).id

  const db = server.deps.database.db
  const flags = async (): Promise<unknown> => ({
    customers: Object.fromEntries((await db.select({ id: customer.telegramId, sandbox: customer.sandbox }).from(customer)).map((r) => [r.id, r.sandbox])),
    orders: Object.fromEntries((await db.select({ id: shopOrder.id, sandbox: shopOrder.sandbox }).from(shopOrder)).map((r) => [r.id, r.sandbox])),
    // the ledger's events (the bot's are buffered: counted below, once the server has written them on stop)
    events: (await db.select({ name: analyticsEvent.name, orderId: analyticsEvent.orderId, sandbox: analyticsEvent.sandbox }).from(analyticsEvent).orderBy(analyticsEvent.id)).filter((e) => e.orderId !== null)
  })
  assert.deepEqual(await flags(), {
    customers: { [LIVE_CUSTOMER]: false, [buyerId]: true, [SANDBOX_ADMIN_CUSTOMER]: true },
    orders: { [liveOrderId]: false, [paidOrderId]: true, [pendingOrderId]: true },
    events: [
      { name: 'order.placed', orderId: liveOrderId, sandbox: false },
      { name: 'order.placed', orderId: paidOrderId, sandbox: true },
      { name: 'order.paid', orderId: paidOrderId, sandbox: true },
      { name: 'order.placed', orderId: pendingOrderId, sandbox: true }
    ]
  })
  assert.equal(await reservedOf(db, SHIRT), 3)
  stream.close()
  await server.stop()
  stopped = true
  const botEvents = await withDb(config, async (db) => await db.select({ name: analyticsEvent.name, sandbox: analyticsEvent.sandbox }).from(analyticsEvent).where(isNull(analyticsEvent.orderId)))
  assert.ok(botEvents.some((e) => e.name === 'bot.started'), JSON.stringify(botEvents))
  assert.ok(botEvents.every((e) => e.sandbox), JSON.stringify(botEvents))
  const sandboxEvents = 3 + botEvents.length

  // going live keeps everything and says how many sandbox rows remain and how to drop them
  const liveLogs = await goLive(env)
  const remain = liveLogs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => /made in the sandbox remain/.test(String(l.msg)))
  assert.ok(remain !== undefined, liveLogs.join('\n'))
  assert.deepEqual(remain.sandboxRows, { customers: 2, orders: 2, events: sandboxEvents })
  assert.match(String(remain.msg), /bozor sandbox clear/)

  // `bozor sandbox clear` with no server: the CLI's direct path, one transaction
  const direct = await openDirectControl(config)
  let response
  try {
    response = await runControlRequest(direct.services, { v: 1, command: 'sandbox.clear' })
  } finally {
    await direct.close()
  }
  assert.ok(response.ok, JSON.stringify(response))
  assert.match(response.output, new RegExp(`^sandbox cleared: removed 2 customers, 2 orders \\(with 1 payment record and \\d+ outbox rows?\\) and ${sandboxEvents} events; the catalog and live rows are kept\n$`))

  await withDb(config, async (db) => {
    const sandboxOrders = [paidOrderId, pendingOrderId]
    assert.deepEqual((await db.select({ id: customer.telegramId }).from(customer)).map((r) => r.id), [LIVE_CUSTOMER])
    assert.deepEqual((await db.select({ id: shopOrder.id }).from(shopOrder)).map((r) => r.id), [liveOrderId])
    assert.deepEqual((await db.select({ orderId: analyticsEvent.orderId }).from(analyticsEvent)).map((r) => r.orderId), [liveOrderId])
    // what hung on the sandbox's orders went with them; the live order keeps its items and history
    assert.equal((await db.select().from(orderItem).where(inArray(orderItem.orderId, sandboxOrders))).length, 0)
    assert.equal((await db.select().from(orderTransition).where(inArray(orderTransition.orderId, sandboxOrders))).length, 0)
    assert.equal((await db.select().from(paymentTransaction)).length, 0)
    assert.equal((await db.select().from(providerAudit).where(inArray(providerAudit.orderId, sandboxOrders))).length, 0)
    assert.equal((await db.select().from(outbox).where(sql`${outbox.payload}->>'orderId' in (${sql.join(sandboxOrders.map((id) => sql`${id}`), sql`, `)})`)).length, 0)
    assert.equal((await db.select().from(orderItem).where(eq(orderItem.orderId, liveOrderId))).length, 1)
    assert.ok((await db.select().from(orderTransition).where(and(eq(orderTransition.orderId, liveOrderId)))).length >= 1)
    // the catalog stays whole; the pending sandbox order's shirt is free again, the live one's still held
    assert.equal((await db.select().from(product)).length, DEMO_PRODUCTS.length)
    assert.equal((await db.select().from(category)).length, DEMO_CATEGORIES.length)
    assert.equal(await reservedOf(db, SHIRT), 2)
  })

  // live again: nothing of the sandbox remains to report
  const after = await goLive(env)
  assert.ok(!after.some((l) => /made in the sandbox remain/.test(l)), after.join('\n'))
})

/** /start p_<e-book>, quantity 1, Payme, then the Payme simulator pays: the paid order's id. */
async function buyEbookWithPayme (url: string, userId: number, stream: EntryStream): Promise<string> {
  const botSays = (match: RegExp, seq = 0): Promise<ChatEntry> =>
    stream.next((e) => e.from === 'bot' && e.change !== 'delete' && match.test(e.html.replace(/<[^>]+>/g, '')), seq, 30_000)
  const press = async (entry: ChatEntry, label: string | RegExp): Promise<void> => {
    const button = buttonsOf(entry).find((b) => typeof label === 'string' ? b.text === label : label.test(b.text))
    assert.ok(button?.callback_data !== undefined, `no button ${String(label)} on: ${entry.html}`)
    assert.equal((await call(url, 'POST', `/sandbox/api/users/${userId}/callback`, { messageId: entry.messageId, data: button.callback_data })).status, 202)
  }
  assert.equal((await call(url, 'POST', `/sandbox/api/users/${userId}/messages`, { text: `/start p_${EBOOK}` })).status, 202)
  const card = await botSays(/Uzbek cookbook/)
  await press(card, /Buy/)
  const ask = await botSays(/How many/, card.seq)
  await press(ask, '1')
  const choose = await botSays(/Total:/, ask.seq)
  await press(choose, 'Pay with Payme')
  const created = await botSays(/Order #\d+ is created/, choose.seq)
  const payUrl = buttonsOf(created).find((b) => b.url !== undefined)?.url
  assert.ok(payUrl !== undefined)
  const redirect = await fetch(payUrl, { redirect: 'manual' })
  assert.equal(redirect.status, 302)
  const paid = await call(url, 'POST', '/sandbox/pay/payme', { url: redirect.headers.get('location'), outcome: 'pay' })
  assert.equal(paid.status, 200, JSON.stringify(paid.body))
  assert.equal(paid.body.order.state, 'paid')
  await botSays(/Your download/, created.seq)
  return paid.body.order.id as string
}

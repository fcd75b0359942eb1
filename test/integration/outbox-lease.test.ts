// Decision 0010: the outbox worker holds no database transaction while a handler talks to
// Telegram or Click. It claims a row with a lease in a short transaction, so a slow Bot API no
// longer stalls the process's other requests (on PGlite every query shares one connection, and
// Payme and Click callbacks have tight timeouts), and a worker that dies leaves a lease that
// another worker takes over once it expires.
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { eq } from 'drizzle-orm'
import { Api } from 'grammy'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { createPostgresBotStore } from '../../src/adapters/postgres/bot-store.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { outbox, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createBotNotifier } from '../../src/adapters/telegram/bot-notifier.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createOutboxHandlers } from '../../src/jobs/outbox-handlers.js'
import { createFulfilmentStore } from '../../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, OUTBOX_LEASE_MS, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { createTelegramEmulator, type TelegramEmulator, type TelegramTestUser } from '../../src/sandbox/telegram/index.js'
import type { App } from '../../src/app.js'
import { buildTestApp } from '../helpers/app.js'
import { startBotApp } from '../helpers/bot.js'
import { createTestDb } from '../helpers/db.js'
import { eventually } from '../helpers/wait.js'
import { CLICK_FORM_HEADERS, clickForm } from '../helpers/click.js'
import { seedOrder } from './payme-ledger-fixtures.js'

/** What test/helpers/bot.ts configures. */
const PAYME_KEY = 'payme-test-key'
const CLICK = { serviceId: '1001', secret: 'click-test-secret' }
const TOTAL = 12_500_000
const PAYLOAD = 'code-123'
const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }

/** A provider's POST to the app: over HTTP to a listening app, or through `inject()`. */
type Post = (path: string, headers: Record<string, string>, body: string) => Promise<{ status: number, json: unknown }>

function overHttp (url: string): Post {
  return async (path, headers, body) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body })
    return { status: res.status, json: await res.json() }
  }
}

function throughInject (app: App): Post {
  return async (path, headers, payload) => {
    const res = await app.inject({ method: 'POST', url: path, headers, payload })
    return { status: res.statusCode, json: res.json() }
  }
}

/** Payme's CreateTransaction and PerformTransaction for the whole order. */
async function payWithPayme (post: Post, orderId: string, paymeId: string, time: number): Promise<void> {
  const rpc = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const res = await post('/payments/payme', { 'content-type': 'application/json', authorization: paymeAuthHeader(PAYME_KEY) },
      JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))
    assert.equal(res.status, 200)
    const body = res.json as { result?: Record<string, unknown>, error?: unknown }
    assert.ok(body.result !== undefined, `${method}: ${JSON.stringify(body.error)}`)
    return body.result
  }
  assert.equal((await rpc('CreateTransaction', { id: paymeId, time, amount: TOTAL, account: { order_id: orderId } })).state, 1)
  assert.equal((await rpc('PerformTransaction', { id: paymeId })).state, 2)
}

/** Click's Prepare and Complete for the whole order; returns Complete's `error`. */
async function payWithClick (post: Post, orderId: string): Promise<number> {
  const form = async (route: 'prepare' | 'complete', prepareId?: number): Promise<{ error: number, merchant_prepare_id?: number }> => {
    const body = clickForm({ route, orderId, amount: (TOTAL / 100).toFixed(2), serviceId: CLICK.serviceId, secret: CLICK.secret, clickTransId: '2387417399', paydocId: '3112459099', ...(prepareId !== undefined ? { prepareId } : {}) })
    const res = await post(`/payments/click/${route}`, CLICK_FORM_HEADERS, body)
    assert.equal(res.status, 200)
    return res.json as { error: number, merchant_prepare_id?: number }
  }
  const prepared = await form('prepare')
  assert.equal(prepared.error, 0, 'Click Prepare')
  return (await form('complete', prepared.merchant_prepare_id)).error
}

/** The order's `order.paid` outbox row. */
async function paidRow (db: Db, orderId: string) {
  const rows = (await db.select().from(outbox).where(eq(outbox.topic, 'order.paid'))).filter((r) => r.payload.orderId === orderId)
  assert.equal(rows.length, 1, 'one order.paid row')
  return rows[0]!
}

/** A server that takes connections and never answers: a Bot API call to it hangs until `close()`. */
async function blackHole (t: TestContext): Promise<{ url: string, requests(): number, close(): void }> {
  const sockets = new Set<Socket>()
  let requests = 0
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once('data', () => { requests++ })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = (): void => {
    for (const socket of sockets) socket.destroy()
    if (server.listening) server.close()
  }
  t.after(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, close }
}

/** Successful bot messages in `user`'s chat about `orderId`: payment confirmations and goods. */
function delivered (emulator: TelegramEmulator, user: TelegramTestUser, orderId: string): { confirmations: number, goods: number } {
  const texts = emulator.sent({ chatId: user.chatId, method: 'sendMessage', ok: true }).map((c) => String(c.params.text ?? ''))
  return {
    confirmations: texts.filter((text) => text.includes('Payment received for order') && text.includes(`#${orderId}`)).length,
    goods: texts.filter((text) => text.includes(PAYLOAD) && text.includes(`#${orderId}`)).length
  }
}

test('Payme and Click callbacks are answered while the outbox waits on a stuck Telegram send', async (t) => {
  const { emulator, database, url } = await startBotApp(t)
  const db = database.db
  const post = overHttp(url)
  const stuckUser = emulator.user({ firstName: 'Aziza', languageCode: 'en', started: true })
  const otherUser = emulator.user({ firstName: 'Bobur', languageCode: 'en', started: true })
  const now = Date.now()
  const stuck = await seedOrder(db, { now, telegramId: stuckUser.id, language: 'en' })
  const viaPayme = await seedOrder(db, { now, telegramId: otherUser.id, language: 'en' })
  const viaClick = await seedOrder(db, { now, telegramId: otherUser.id, language: 'en' })
  // the first message to the customer (the payment confirmation) hangs in Telegram
  const slow = emulator.faults.inject({ kind: 'slow', method: 'sendMessage', chatId: stuckUser.chatId, delayMs: 600_000 })

  await payWithPayme(post, stuck.orderId, '6650a3f1c2e4b8a1d3f0a001', now)
  await eventually('the confirmation send in flight', () => slow.fired === 1 ? true : undefined)

  // while that send hangs, other provider callbacks are answered and commit their payments
  await payWithPayme(post, viaPayme.orderId, '6650a3f1c2e4b8a1d3f0a002', now)
  assert.equal(await payWithClick(post, viaClick.orderId), 0, 'Click Complete')
  // … and the row being worked on is not locked: the worker holds a lease, not a transaction
  const rowId = (await paidRow(db, stuck.orderId)).id
  const locked = await db.transaction(async (tx) => await tx.select().from(outbox).where(eq(outbox.id, rowId)).for('update', { noWait: true }))
  assert.equal(locked.length, 1)

  // all of it happened while the send was still stuck: Telegram has not answered it, and the row is not done
  assert.deepEqual(emulator.sent({ chatId: stuckUser.chatId, method: 'sendMessage' }), [], 'the stuck call has not returned')
  const during = await paidRow(db, stuck.orderId)
  assert.equal(during.doneAt, null)
  assert.equal(during.attempts, 0)
  assert.ok(during.leaseOwner !== null && during.leaseExpiresAt !== null, 'the row is leased to the worker')
  for (const orderId of [viaPayme.orderId, viaClick.orderId]) {
    const [order] = await db.select().from(shopOrder).where(eq(shopOrder.id, orderId))
    assert.equal(order!.state, 'paid', `order ${orderId} paid`)
  }

  // the Bot API client gives up on the stuck call and tries again, and the worker goes on
  await eventually('the stuck customer served', async () => (await paidRow(db, stuck.orderId)).doneAt !== null ? true : undefined)
  const served = delivered(emulator, stuckUser, stuck.orderId)
  // Telegram (and the emulator) may perform a call whose client gave up: the confirmation can
  // arrive twice, the goods, sent after it was recorded, once
  assert.ok(served.confirmations >= 1 && served.confirmations <= 2, `confirmations: ${served.confirmations}`)
  assert.equal(served.goods, 1)
  await eventually('the other orders delivered', async () => (await paidRow(db, viaClick.orderId)).doneAt !== null && (await paidRow(db, viaPayme.orderId)).doneAt !== null ? true : undefined)
  assert.deepEqual(delivered(emulator, otherUser, viaPayme.orderId), { confirmations: 1, goods: 1 })
  assert.deepEqual(delivered(emulator, otherUser, viaClick.orderId), { confirmations: 1, goods: 1 })
})

test('a row whose lease expired is taken over by a second worker and delivered once', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const emulator = createTelegramEmulator({ clock })
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const user = emulator.user({ firstName: 'Dilnoza', languageCode: 'en', started: true })
  const database = await createTestDb(t)
  const db = database.db
  // the app takes the payment; it does not listen, so it runs no outbox worker of its own
  const { app } = await buildTestApp(t, { env: { PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY }, database, clock })
  const { orderId } = await seedOrder(db, { now: clock.now(), telegramId: user.id })
  await payWithPayme(throughInject(app), orderId, '6650a3f1c2e4b8a1d3f0b001', clock.now())

  const warnings: string[] = []
  const worker = (name: string, options: { apiRoot: string, timeoutSeconds: number, leaseRenewMs?: number }) => createOutboxWorker({
    queue: createOutboxQueue(db),
    clock,
    logger: { ...quiet, warn: (_obj, msg) => { warnings.push(`${name}: ${msg ?? ''}`) } },
    notifier: createBotNotifier({
      api: new Api(emulator.token, { apiRoot: options.apiRoot, timeoutSeconds: options.timeoutSeconds }),
      store: createPostgresBotStore(db),
      defaultLanguage: 'en',
      logger: quiet
    }),
    handlers: createOutboxHandlers(createFulfilmentStore(db)),
    ...(options.leaseRenewMs !== undefined ? { leaseRenewMs: options.leaseRenewMs } : {})
  })
  // the first worker's connection to Telegram hangs before its confirmation gets there, and it
  // stops renewing its lease: from the database's side, a worker that died mid-send
  const hung = await blackHole(t)
  const first = worker('first', { apiRoot: hung.url, timeoutSeconds: 3600, leaseRenewMs: 3_600_000 })
  const second = worker('second', { apiRoot: emulator.url!, timeoutSeconds: 10 })
  const firstRun = first.runOnce()
  await eventually('the first worker\'s send in flight', () => hung.requests() > 0 ? true : undefined)
  const leased = await paidRow(db, orderId)
  assert.ok(leased.leaseOwner !== null)
  assert.equal(leased.leaseExpiresAt?.getTime(), clock.now() + OUTBOX_LEASE_MS)

  assert.equal(await second.runOnce(), 0, 'a live lease is not taken over')
  clock.advance(OUTBOX_LEASE_MS - 1)
  assert.equal(await second.runOnce(), 0, 'nor one a millisecond before it expires')
  clock.advance(1)
  assert.equal(await second.runOnce(), 1, 'the expired lease is taken over')
  assert.deepEqual(delivered(emulator, user, orderId), { confirmations: 1, goods: 1 })
  const done = await paidRow(db, orderId)
  assert.ok(done.doneAt !== null)
  assert.equal(done.attempts, 1)
  assert.deepEqual(done.payload.steps, ['confirm', 'goods'])
  assert.equal(done.leaseOwner, null)
  const [order] = await db.select().from(shopOrder).where(eq(shopOrder.id, orderId))
  assert.equal(order!.state, 'fulfilled')

  // the first worker's call finally fails; it records nothing on the row and sends nothing more
  hung.close()
  assert.equal(await firstRun, 0)
  assert.deepEqual(await paidRow(db, orderId), done, 'the row is as the second worker left it')
  assert.deepEqual(delivered(emulator, user, orderId), { confirmations: 1, goods: 1 }, 'delivered once')
  assert.ok(warnings.some((w) => w.startsWith('first: outbox lease lost')), warnings.join('; '))
})

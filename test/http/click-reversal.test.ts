// Click reversal through the Merchant API (specs/click.md §6.3 hard rule, §11; DESIGN.md
// "States"): the app answers signed SHOP callbacks, the outbox worker and the admin refund route
// call the loopback Merchant API emulator over real HTTP.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { and, eq, isNull } from 'drizzle-orm'
import { createClickMerchantApi } from '../../src/adapters/click/click-merchant-api.js'
import { clickMerchantAuth } from '../../src/adapters/click/click-sign.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { outbox, paymentRefund } from '../../src/adapters/postgres/schema.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { clickRefundLedgerOf as createClickRefundLedger } from '../../src/compose/payments.js'
import { clickOutboxHandlers } from '../../src/jobs/click-reversal.js'
import type { CustomerMessage, Notifier } from '../../src/jobs/notifier.js'
import { createOutboxHandlers } from '../../src/jobs/outbox-handlers.js'
import { createFulfilmentStore } from '../../src/adapters/postgres/fulfilment-store.js'
import { createOutboxQueue } from '../../src/adapters/postgres/outbox.js'
import { createOutboxWorker, type WorkerLogger } from '../../src/jobs/outbox-worker.js'
import { CLICK_EMULATOR_ERRORS, createClickMerchantEmulator, type ClickMerchantEmulator } from '../../src/sandbox/click/merchant-api.js'
import { buildTestApp } from '../helpers/app.js'
import { CLICK_FORM_HEADERS, clickForm } from '../helpers/click.js'
import { createTestDb } from '../helpers/db.js'
import { orderRow, outboxRows, paymentsOf, productRow, seedOrder } from '../integration/payme-ledger-fixtures.js'

const SECRET = 'SeCrEtKeY123'
const SERVICE_ID = '12345'
const MERCHANT_USER_ID = '4321'
const TOKEN = 'click-reversal-admin-token-0123456789'
const auth = { authorization: `Bearer ${TOKEN}` }
const AMOUNT = 12_500_000
const HOUR = 3_600_000
const quiet: WorkerLogger = { info () {}, warn () {}, error () {} }

interface ClickAnswer { click_trans_id: number | null, merchant_trans_id: string, merchant_prepare_id?: number, merchant_confirm_id?: number | null, error: number, error_note: string }

interface Attempt { clickTransId: string, paydocId: string }

async function setup (t: TestContext, options: { merchantApi?: boolean, start?: number } = {}) {
  const clock = new FakeClock(options.start ?? Date.UTC(2026, 0, 10, 10))
  const emulator = createClickMerchantEmulator({ serviceId: SERVICE_ID, merchantUserId: MERCHANT_USER_ID, secretKey: SECRET, clock })
  const { url } = await emulator.start()
  t.after(() => emulator.close())
  const env: Record<string, string> = { ADMIN_TOKEN: TOKEN, CLICK_SERVICE_ID: SERVICE_ID, CLICK_MERCHANT_ID: '6789', CLICK_SECRET_KEY: SECRET, CLICK_API_BASE: url }
  if (options.merchantApi !== false) env.CLICK_MERCHANT_USER_ID = MERCHANT_USER_ID
  const database = await createTestDb(t)
  const { app, config } = await buildTestApp(t, { env, database, clock })
  const db = database.db

  const send = async (route: 'prepare' | 'complete', orderId: string, attempt: Attempt, extra: { prepareId?: number, error?: string } = {}): Promise<ClickAnswer> => {
    const payload = clickForm({ route, orderId, amount: '125000.00', serviceId: SERVICE_ID, secret: SECRET, clickTransId: attempt.clickTransId, paydocId: attempt.paydocId, signTime: '2026-01-10 15:00:00', ...extra })
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: CLICK_FORM_HEADERS, payload })
    assert.equal(res.statusCode, 200)
    return res.json() as ClickAnswer
  }
  const prepare = async (orderId: string, attempt: Attempt): Promise<number> => {
    const answer = await send('prepare', orderId, attempt)
    assert.equal(answer.error, 0, answer.error_note)
    return answer.merchant_prepare_id!
  }
  /** Prepare and Complete: the order is paid through Click; Click knows the payment. */
  const pay = async (orderId: string, attempt: Attempt): Promise<number> => {
    const prepareId = await prepare(orderId, attempt)
    assert.equal((await send('complete', orderId, attempt, { prepareId })).error, 0)
    emulator.addPayment(attempt.paydocId, { amount: AMOUNT, at: clock.now() })
    return prepareId
  }

  const told: Array<{ telegramId: number, message: CustomerMessage }> = []
  const admin: string[] = []
  const notifier: Notifier = {
    async sendToCustomer (telegramId, message) { told.push({ telegramId, message }) },
    async sendDigitalGoods () {},
    async notifyAdmin (text) { admin.push(text) }
  }
  // the app's own wiring of the click.reverse handler, over the same configuration
  const click = config.click!
  const api = click.merchantUserId === undefined
    ? undefined
    : createClickMerchantApi({ apiBase: click.apiBase, serviceId: click.serviceId, merchantUserId: click.merchantUserId, secretKey: click.secretKey, clock })
  const worker = createOutboxWorker({ queue: createOutboxQueue(db), clock, notifier, logger: quiet, baseBackoffMs: 1000, handlers: { ...createOutboxHandlers(createFulfilmentStore(db)), ...clickOutboxHandlers({ ledger: createClickRefundLedger(db), gateway: api }) } })
  const refund = async (orderId: string, payload: Record<string, unknown> = {}) =>
    await app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/refund`, headers: auth, payload })
  return { app, clock, db, emulator, send, prepare, pay, worker, told, admin, refund }
}

async function refundsOf (db: Db, orderId: string) {
  return await db.select().from(paymentRefund).where(eq(paymentRefund.orderId, orderId))
}

async function reverseRows (db: Db) {
  return await db.select().from(outbox).where(eq(outbox.topic, 'click.reverse'))
}

function reversalCalls (emulator: ClickMerchantEmulator) {
  return emulator.requests.filter((r) => r.path.startsWith('/payment/reversal/'))
}

const FIRST: Attempt = { clickTransId: '2387417364', paydocId: '3112459087' }
const SECOND: Attempt = { clickTransId: '2387417365', paydocId: '3112459090' }

test('a late Complete for an order paid through another attempt is answered 0 and reversed once', async (t) => {
  const s = await setup(t)
  const { orderId, productId } = await seedOrder(s.db, { now: s.clock.now(), ttlMs: 48 * HOUR })
  const latePrepareId = await s.prepare(orderId, FIRST)
  // 25 h without a Complete: the first attempt is stale, and the order is paid through a second one
  s.clock.advance(25 * HOUR)
  await s.pay(orderId, SECOND)
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')

  const late = await s.send('complete', orderId, FIRST, { prepareId: latePrepareId })
  assert.deepEqual(late, { click_trans_id: 2387417364, merchant_trans_id: orderId, merchant_confirm_id: latePrepareId, error: 0, error_note: 'Success' })
  s.emulator.addPayment(FIRST.paydocId, { amount: AMOUNT, at: s.clock.now() })
  const [pending] = await refundsOf(s.db, orderId)
  assert.deepEqual([pending?.state, pending?.origin, pending?.amount], ['pending', 'auto', AMOUNT])
  assert.equal((await reverseRows(s.db)).length, 1, 'the reversal is queued with the answer')
  assert.equal(reversalCalls(s.emulator).length, 0, 'Click is called only after commit, by the outbox')

  await s.worker.runOnce()
  const calls = reversalCalls(s.emulator)
  assert.equal(calls.length, 1)
  assert.equal(calls[0]!.method, 'DELETE')
  assert.equal(calls[0]!.path, `/payment/reversal/${SERVICE_ID}/${FIRST.paydocId}`)
  assert.equal(calls[0]!.auth, clickMerchantAuth(MERCHANT_USER_ID, SECRET, Math.floor(s.clock.now() / 1000)))
  assert.equal(calls[0]!.accept, 'application/json')
  assert.equal(calls[0]!.contentType, 'application/json')
  assert.deepEqual(s.emulator.reversals(), [FIRST.paydocId])

  const payments = await paymentsOf(s.db, orderId)
  assert.deepEqual(payments.map((p) => [p.clickPaydocId, p.state]), [[FIRST.paydocId, 'refunded'], [SECOND.paydocId, 'succeeded']])
  const [done] = await refundsOf(s.db, orderId)
  assert.deepEqual([done?.state, done?.providerRefundId], ['succeeded', FIRST.paydocId])
  const order = await orderRow(s.db, orderId)
  assert.deepEqual([order.state, order.refundedAmount, order.flags], ['fulfilled', 0, []], 'the order paid the other way keeps its state')
  assert.equal((await productRow(s.db, productId)).stock, 4)
  const refunded = s.told.filter((m) => m.message.kind === 'order.refunded')
  assert.deepEqual(refunded.map((m) => m.message), [{ kind: 'order.refunded', orderId, amount: { amount: AMOUNT, currency: 'UZS' } }])
  assert.ok(s.admin.some((text) => /reversing it automatically through Click/.test(text)))

  // the handler running again (a redelivered row) calls Click no more and records nothing twice
  await s.db.update(outbox).set({ doneAt: null }).where(eq(outbox.topic, 'click.reverse'))
  await s.worker.runOnce()
  assert.equal(reversalCalls(s.emulator).length, 1)
  assert.equal((await refundsOf(s.db, orderId)).length, 1)
  assert.equal(s.told.filter((m) => m.message.kind === 'order.refunded').length, 1)
  // Click repeating the Complete, or cancelling the reversed payment, changes nothing
  assert.equal((await s.send('complete', orderId, FIRST, { prepareId: latePrepareId })).error, -4)
  assert.equal((await s.send('complete', orderId, FIRST, { prepareId: latePrepareId, error: '-5017' })).error, -9)
  assert.equal((await paymentsOf(s.db, orderId))[0]?.state, 'refunded')
  assert.deepEqual((await orderRow(s.db, orderId)).flags, [])
})

test('a late Complete for an order an admin cancelled is reversed through the Merchant API', async (t) => {
  const s = await setup(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now(), ttlMs: 48 * HOUR })
  const prepareId = await s.prepare(orderId, FIRST)
  s.clock.advance(25 * HOUR)
  const cancelled = await s.app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/cancel`, headers: auth, payload: {} })
  assert.equal(cancelled.statusCode, 200, cancelled.body)
  assert.equal((await s.send('complete', orderId, FIRST, { prepareId })).error, 0)
  s.emulator.addPayment(FIRST.paydocId, { amount: AMOUNT, at: s.clock.now() })
  await s.worker.runOnce()
  assert.deepEqual(s.emulator.reversals(), [FIRST.paydocId])
  assert.equal((await paymentsOf(s.db, orderId))[0]?.state, 'refunded')
  const order = await orderRow(s.db, orderId)
  assert.deepEqual([order.state, order.flags], ['cancelled', []])
  const view = await s.app.inject({ url: `/api/v1/orders/${orderId}`, headers: auth })
  assert.equal(view.json().transactions[0].state, 'refunded')
})

test('a reversal Click refuses flags the order needs_attention with a notice to the admin chat', async (t) => {
  const s = await setup(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now() })
  const prepareId = await s.prepare(orderId, FIRST)
  s.clock.advance(25 * HOUR) // the attempt is stale and the order expired
  assert.equal((await s.send('complete', orderId, FIRST, { prepareId })).error, 0)
  // Click holds the payment as one of the previous month: reversal refused
  s.emulator.addPayment(FIRST.paydocId, { amount: AMOUNT, at: Date.UTC(2025, 11, 20) })
  await s.worker.runOnce()

  assert.equal(reversalCalls(s.emulator).length, 1)
  assert.deepEqual(s.emulator.reversals(), [])
  const [failed] = await refundsOf(s.db, orderId)
  assert.equal(failed?.state, 'failed')
  assert.equal(failed?.lastError?.clickErrorCode, CLICK_EMULATOR_ERRORS.NOT_REVERSIBLE.code)
  assert.equal((await paymentsOf(s.db, orderId))[0]?.state, 'succeeded', 'the payment stays as Click holds it')
  const order = await orderRow(s.db, orderId)
  assert.deepEqual([order.state, order.flags], ['pending', ['needs_attention']])
  const notices = (await outboxRows(s.db)).filter((r) => r.topic === 'admin.notify' && r.payload.flag === 'needs_attention')
  assert.equal(notices.length, 1)
  assert.match(String(notices[0]!.payload.text), /could not reverse Click payment 3112459087/)
  assert.match(String(notices[0]!.payload.text), /-4046/)
  assert.match(String(notices[0]!.payload.text), /Click merchant cabinet/)
  assert.ok(s.admin.some((text) => /could not reverse Click payment/.test(text)), 'ADMIN_CHAT_ID is told')
  assert.equal((await s.db.select().from(outbox).where(and(eq(outbox.topic, 'click.reverse'), isNull(outbox.doneAt)))).length, 0, 'a refusal is not retried')
  assert.equal(s.told.filter((m) => m.message.kind === 'order.refunded').length, 0)
})

test('a transient HTTP 500 from the Merchant API is retried by the outbox until the reversal succeeds', async (t) => {
  const s = await setup(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now() })
  const prepareId = await s.prepare(orderId, FIRST)
  s.clock.advance(25 * HOUR)
  assert.equal((await s.send('complete', orderId, FIRST, { prepareId })).error, 0)
  s.emulator.addPayment(FIRST.paydocId, { amount: AMOUNT, at: s.clock.now() })
  s.emulator.failNext({ kind: 'http', status: 500 })

  await s.worker.runOnce()
  let [row] = await reverseRows(s.db)
  assert.deepEqual([row?.attempts, row?.doneAt], [1, null])
  assert.match(String(row?.lastError), /HTTP 500/)
  assert.doesNotMatch(String(row?.lastError), new RegExp(SECRET))
  assert.equal((await refundsOf(s.db, orderId))[0]?.state, 'pending')
  assert.equal((await orderRow(s.db, orderId)).flags.length, 0)

  s.clock.advance(1000)
  await s.worker.runOnce()
  ;[row] = await reverseRows(s.db)
  assert.ok(row?.doneAt !== null)
  assert.equal(reversalCalls(s.emulator).length, 2)
  assert.deepEqual(s.emulator.reversals(), [FIRST.paydocId])
  assert.equal((await refundsOf(s.db, orderId))[0]?.state, 'succeeded')
  assert.equal((await paymentsOf(s.db, orderId))[0]?.state, 'refunded')
})

test('admin refund of a Click-paid order reverses the whole payment and refunds the order', async (t) => {
  const s = await setup(t)
  const { orderId, productId } = await seedOrder(s.db, { now: s.clock.now() })
  await s.pay(orderId, FIRST)

  const partial = await s.refund(orderId, { amount: 5_000_000 })
  assert.equal(partial.statusCode, 409, partial.body)
  assert.equal(partial.json().code, 'ERR_REFUND_UNSUPPORTED')
  assert.match(partial.json().detail, /only whole.*Click merchant cabinet/)
  assert.equal(reversalCalls(s.emulator).length, 0, 'a partial refund never calls Click')
  assert.equal((await refundsOf(s.db, orderId)).length, 0)

  const full = await s.refund(orderId, { reason: 'customer asked' })
  assert.equal(full.statusCode, 200, full.body)
  const body = full.json()
  assert.equal(body.state, 'refunded')
  assert.deepEqual(body.refunded, { amount: AMOUNT, currency: 'UZS' })
  assert.equal(body.transactions[0].state, 'refunded')
  assert.deepEqual(s.emulator.reversals(), [FIRST.paydocId])
  assert.equal((await productRow(s.db, productId)).stock, 5, 'a full refund returns the stock')
  const [row] = await refundsOf(s.db, orderId)
  assert.deepEqual([row?.origin, row?.state, row?.amount], ['admin', 'succeeded', AMOUNT])
  assert.ok((await outboxRows(s.db)).some((r) => r.topic === 'customer.notify' && r.payload.kind === 'order.refunded'))

  const again = await s.refund(orderId)
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().code, 'ERR_ORDER_NOTHING_REFUNDABLE')
  assert.equal(reversalCalls(s.emulator).length, 1)
})

test('admin refund that Click refuses answers 409 and leaves the order as it was', async (t) => {
  const s = await setup(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now() })
  await s.pay(orderId, FIRST)
  s.emulator.refuse(FIRST.paydocId, -4046, 'Reversal is allowed only for payments of the current month')

  const res = await s.refund(orderId)
  assert.equal(res.statusCode, 409, res.body)
  assert.equal(res.json().code, 'ERR_PAYMENT_STATE')
  assert.match(res.json().detail, /Click refused to reverse payment 3112459087 \(error_code -4046/)
  assert.match(res.json().detail, /Click merchant cabinet/)
  const order = await orderRow(s.db, orderId)
  assert.deepEqual([order.state, order.refundedAmount, order.flags], ['paid', 0, []])
  assert.equal((await paymentsOf(s.db, orderId))[0]?.state, 'succeeded')
  assert.equal((await refundsOf(s.db, orderId))[0]?.state, 'failed')
})

test('admin refund after a Merchant API 500 answers 503 and a repeat reverses the payment', async (t) => {
  const s = await setup(t)
  const { orderId } = await seedOrder(s.db, { now: s.clock.now() })
  await s.pay(orderId, FIRST)
  s.emulator.failNext({ kind: 'http', status: 500 })
  const first = await s.refund(orderId)
  assert.equal(first.statusCode, 503, first.body)
  assert.equal(first.json().code, 'ERR_PAYMENT_RETRY')
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')
  const second = await s.refund(orderId)
  assert.equal(second.statusCode, 200, second.body)
  assert.equal(second.json().state, 'refunded')
  assert.equal((await refundsOf(s.db, orderId)).length, 1, 'the repeat sent the same pending refund')
  assert.deepEqual(s.emulator.reversals(), [FIRST.paydocId])
})

test('without CLICK_MERCHANT_USER_ID a late Complete only flags the order and admin refunds answer ERR_REFUND_UNSUPPORTED', async (t) => {
  const s = await setup(t, { merchantApi: false })
  const { orderId } = await seedOrder(s.db, { now: s.clock.now() })
  await s.pay(orderId, FIRST)
  const res = await s.refund(orderId)
  assert.equal(res.statusCode, 409, res.body)
  assert.equal(res.json().code, 'ERR_REFUND_UNSUPPORTED')
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')

  const other = await seedOrder(s.db, { now: s.clock.now() })
  const prepareId = await s.prepare(other.orderId, SECOND)
  s.clock.advance(25 * HOUR)
  assert.equal((await s.send('complete', other.orderId, SECOND, { prepareId })).error, 0)
  const order = await orderRow(s.db, other.orderId)
  assert.deepEqual(order.flags, ['needs_attention'])
  assert.equal((await refundsOf(s.db, other.orderId)).length, 0)
  assert.equal((await reverseRows(s.db)).length, 0)
  await s.worker.runOnce()
  assert.equal(s.emulator.requests.length, 0, 'Click is never called')
  assert.ok(s.admin.some((text) => /Reverse the payment in the Click merchant cabinet/.test(text)))
})

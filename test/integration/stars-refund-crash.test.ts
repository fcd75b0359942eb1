// Issue 13, deliverable 4: a Telegram Stars payment that lands for an order that can no longer
// take it is refunded through the outbox, so a process killed (SIGKILL) between recording the
// payment and refunding it refunds it after restart, once. Before, the bot handler refunded
// inline: the payment was recorded, the update done, and a kill before refundStarPayment lost
// the refund for good.
//
// The server runs as a child process (`src/cli.ts start`) on this leg's storage and polls the
// Telegram emulator running in this process. The order is cancelled by the admin between the
// bot's pre-checkout "ok" and Telegram's successful_payment, so the payment lands late; the
// emulator drops every refundStarPayment call until the child has tried once, then the child is
// killed, and a second child on the same storage must refund the charge and tell the customer.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { IN_MEMORY, openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { outbox, paymentRefund, paymentTransaction, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'
import { createTelegramEmulator, type TelegramEmulator } from '../../src/sandbox/telegram/index.js'
import { createEmptyPostgresDb, testLeg } from '../helpers/db.js'
import { testRedisUrl, uniqueKvPrefix } from '../helpers/kv.js'
import { startServer, type Server } from '../helpers/process.js'
import { eventually } from '../helpers/wait.js'

const ADMIN_TOKEN = 'stars-crash-admin-token-0123456789'
/** Generous: the child compiles through tsx and migrates on a shared two-core machine. */
const WAIT_MS = 120_000

interface Storage {
  env: Record<string, string>
  /** Opens the storage in this process (PGlite: a copy of the directory, which the child locks). */
  inspect<T>(work: (database: Database) => Promise<T>): Promise<T>
}

async function legStorage (t: TestContext): Promise<Storage> {
  if (testLeg() === 'services') {
    const databaseUrl = await createEmptyPostgresDb(t)
    const redisUrl = testRedisUrl() ?? 'redis://127.0.0.1:6379'
    const prefix = uniqueKvPrefix()
    t.after(async () => {
      const kv = createRedisKv({ url: redisUrl, cluster: false, prefix })
      try { await kv.deleteByPattern(kv.keys.everything()) } finally { await kv.close() }
    })
    return {
      env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, KV_PREFIX: prefix },
      async inspect (work) {
        const database = await openDatabase({ databaseUrl, dataDir: IN_MEMORY, poolMax: 2 })
        try { return await work(database) } finally { await database.close() }
      }
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'bozor-stars-crash-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  const dataDir = join(root, 'data')
  let copies = 0
  return {
    env: { DATA_DIR: dataDir },
    async inspect (work) {
      const copy = join(root, `inspect-${++copies}`)
      // the server's control socket (bozor.sock) cannot be copied and is not data
      cpSync(dataDir, copy, { recursive: true, filter: (source) => !source.endsWith('.sock') })
      const database = await openDatabase({ dataDir: copy })
      try { return await work(database) } finally { await database.close() }
    }
  }
}

type Child = Server

async function startChild (t: TestContext, emulator: TelegramEmulator, storage: Storage): Promise<Child> {
  return await startServer(t, { telegram: emulator, waitMs: WAIT_MS, env: { ADMIN_TOKEN, OUTBOX_LEASE_S: '5', ...storage.env } })
}

async function admin (child: Child, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${child.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  })
  const json = await res.json() as Record<string, unknown>
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

async function ledgerOf (database: Database, orderId: string) {
  const db = database.db
  const [order] = await db.select().from(shopOrder).where(eq(shopOrder.id, orderId))
  const payments = await db.select().from(paymentTransaction).where(eq(paymentTransaction.orderId, orderId))
  const refunds = await db.select().from(paymentRefund).where(eq(paymentRefund.orderId, orderId))
  const rows = (await db.select().from(outbox).where(eq(outbox.topic, 'stars.refund'))).filter((r) => r.payload.orderId === orderId)
  return { order: order!, payments, refunds, rows }
}

test('killed before a late Stars payment was refunded: the restart refunds the charge once and tells the customer', async (t) => {
  const emulator = createTelegramEmulator()
  await emulator.start({ host: '127.0.0.1', port: 0 })
  t.after(() => emulator.close())
  const storage = await legStorage(t)
  const user = emulator.user({ languageCode: 'en' })

  const first = await startChild(t, emulator, storage)
  const product = await admin(first, 'POST', '/products', { title: { en: 'Sticker pack' }, price: { amount: 70, currency: 'XTR' }, kind: 'digital', payload: 'STICKERS-1' })
  const order = await admin(first, 'POST', '/orders', { customer: { telegramId: user.id }, items: [{ productId: product.id, quantity: 1 }] })
  const orderId = String(order.id)
  const link = await fetch(String((order.payUrls as Record<string, string>).stars), { redirect: 'manual' })
  assert.equal(link.status, 302)

  // Telegram takes its time after the bot's pre-checkout "ok"; the merchant cancels meanwhile
  // (the emulator holds the bot's answer for 5 s once it arrives: the window the cancel lands in)
  const held = emulator.faults.inject({ kind: 'slow', method: 'answerPreCheckoutQuery', delayMs: 5000 })
  const refunds = emulator.faults.inject({ kind: 'drop', method: 'refundStarPayment', times: Infinity })
  const paying = user.payInvoice(String(link.headers.get('location')))
  await eventually('the bot\'s pre-checkout answer', () => held.fired > 0 ? true : undefined, { timeoutMs: WAIT_MS, intervalMs: 20 })
  assert.equal((await admin(first, 'POST', `/orders/${orderId}/cancel`)).state, 'cancelled')
  const outcome = await paying
  assert.equal(outcome.status, 'paid')
  const chargeId = outcome.status === 'paid' ? outcome.chargeId : ''

  // the child tried to refund (the emulator dropped the call): kill it before it can succeed
  await eventually('a refundStarPayment attempt', () => refunds.fired > 0 ? true : undefined, { timeoutMs: WAIT_MS })
  first.child.kill('SIGKILL')
  await first.exited
  assert.equal(first.child.signalCode, 'SIGKILL')
  assert.equal(emulator.charge(chargeId)?.refunded, false, 'Telegram has not refunded the charge')
  await storage.inspect(async (database) => {
    const ledger = await ledgerOf(database, orderId)
    assert.equal(ledger.order.state, 'cancelled')
    assert.deepEqual(ledger.payments.map((p) => [p.provider, p.state]), [['stars', 'succeeded']])
    assert.deepEqual(ledger.refunds.map((r) => [r.origin, r.state, r.amount]), [['auto', 'pending', 70]], 'the refund survives the crash as a pending ledger row')
    assert.equal(ledger.rows.length, 1)
    assert.equal(ledger.rows[0]!.doneAt, null)
  })

  refunds.clear()
  const second = await startChild(t, emulator, storage)
  const notice = await emulator.waitFor((c) => c.method === 'sendMessage' && c.ok && c.params.chat_id === user.chatId && /can no longer be paid/.test(String(c.params.text)), { includePast: true, timeoutMs: WAIT_MS })
  assert.match(String(notice.params.text), /70.⭐ has been refunded/)
  assert.equal(emulator.charge(chargeId)?.refunded, true)
  assert.equal(emulator.sent({ method: 'refundStarPayment', ok: true }).length, 1, 'refunded once')
  await eventually('the outbox row done', async () => {
    const res = await fetch(`${second.url}/api/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const view = await res.json() as { transactions: Array<{ provider: string, state: string }> }
    return view.transactions.some((tx) => tx.provider === 'stars' && tx.state === 'refunded') ? view : undefined
  }, { timeoutMs: WAIT_MS })
  second.child.kill('SIGTERM')
  await second.exited
  await storage.inspect(async (database) => {
    const ledger = await ledgerOf(database, orderId)
    assert.equal(ledger.order.state, 'cancelled', 'the order stays as the merchant left it')
    assert.deepEqual(ledger.payments.map((p) => [p.provider, p.state]), [['stars', 'refunded']])
    assert.deepEqual(ledger.refunds.map((r) => [r.origin, r.state]), [['auto', 'succeeded']])
    assert.notEqual(ledger.rows[0]!.doneAt, null)
  })
})

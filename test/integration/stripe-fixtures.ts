// Test support for the Stripe tests: the emulator on the app's fake clock, the real app with
// Stripe configured to it, and a loopback receiver that hands each webhook's exact bytes to
// app.inject (so the emulator's signed deliveries reach the real route without the app
// listening, which would start the background jobs). Not a test file itself.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { asc, eq } from 'drizzle-orm'
import { stripeLedgerOf as createStripeLedger } from '../../src/compose/payments.js'
import { paymentRefund, providerEvent, stripeAttempt } from '../../src/adapters/postgres/schema.js'
import { createStripeClient } from '../../src/adapters/stripe/stripe-client.js'
import { createStripeGateway } from '../../src/adapters/stripe/stripe-gateway.js'
import type { App } from '../../src/app.js'
import { STRIPE_DEFAULT_MIN_AMOUNTS } from '../../src/domain/orders/offered-providers.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createStripeEmulator, type StripeEmulator } from '../../src/sandbox/stripe/index.js'
import type { StripeDeps } from '../../src/usecases/stripe-payments.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import assert from 'node:assert/strict'
import { orderRow, seedOrder } from './payme-ledger-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

export const ADMIN = 'stripe-test-admin-token-0123456789'
export const auth = { authorization: `Bearer ${ADMIN}` }

export interface StripeSetup {
  app: App
  db: Db
  clock: FakeClock
  emulator: StripeEmulator
  logs: string[]
  /** Use-case deps over their own SDK client (for the expiry job, which tests call directly). */
  stripe: StripeDeps
}

async function forwarder (t: TestContext, app: App): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
      app.inject({ method: 'POST', url: req.url ?? '/', headers, payload: Buffer.concat(chunks) })
        .then((r) => { res.writeHead(r.statusCode, { 'content-type': 'application/json' }).end(r.body) })
        .catch(() => { res.writeHead(500).end() })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/payments/stripe/webhook`
}

export async function setupStripe (t: TestContext, env: Record<string, string> = {}): Promise<StripeSetup> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const emulator = createStripeEmulator({ clock, webhookRetryDelaysMs: [] })
  const address = await emulator.start()
  t.after(() => emulator.close())
  const database = await createTestDb(t)
  const { app, config, logs } = await buildTestApp(t, {
    env: { ADMIN_TOKEN: ADMIN, STRIPE_SECRET_KEY: emulator.secretKey, STRIPE_WEBHOOK_SECRET: emulator.webhookSecret, STRIPE_API_BASE: address.url, PUBLIC_URL: 'https://shop.example', ...env },
    database,
    clock
  })
  emulator.addWebhookEndpoint(await forwarder(t, app))
  const silent = { error () {}, warn () {}, info () {} }
  const gateway = createStripeGateway({ stripe: createStripeClient(config.stripe!, { maxNetworkRetries: 0 }), clock, logger: silent, minAmounts: { ...STRIPE_DEFAULT_MIN_AMOUNTS, ...config.stripeMinAmounts } })
  const stripe: StripeDeps = { ledger: createStripeLedger(database.db), gateway, clock, payUrl: (orderId) => `https://shop.example${payPath(orderId, 'stripe')}`, logger: silent }
  return { app, db: database.db, clock, emulator, logs, stripe }
}

/** The Checkout Session id at the end of the hosted page URL. */
/** A USD order paid through the pay link, hosted Checkout and the signed webhook. */
export async function paidStripeOrder (s: StripeSetup, amount = 5000): Promise<{ orderId: string, productId: string }> {
  const { orderId, productId } = await seedOrder(s.db, { now: s.clock.now(), amount, currency: 'USD' })
  const res = await s.app.inject({ url: payPath(orderId, 'stripe') })
  s.emulator.completeCheckout(sessionIdOf(String(res.headers.location)))
  await s.emulator.idle()
  assert.equal((await orderRow(s.db, orderId)).state, 'paid')
  return { orderId, productId }
}

export function sessionIdOf (location: string): string {
  const id = /\/checkout\/(cs_test_[A-Za-z0-9]+)/.exec(location)?.[1]
  if (id === undefined) throw new Error(`no session id in ${location}`)
  return id
}

export async function attemptsOf (db: Db, orderId: string) {
  return await db.select().from(stripeAttempt).where(eq(stripeAttempt.orderId, orderId)).orderBy(asc(stripeAttempt.id))
}

export async function refundsOf (db: Db, orderId: string) {
  return await db.select().from(paymentRefund).where(eq(paymentRefund.orderId, orderId)).orderBy(asc(paymentRefund.createdAt))
}

export async function stripeEvents (db: Db) {
  return await db.select().from(providerEvent).where(eq(providerEvent.provider, 'stripe'))
}

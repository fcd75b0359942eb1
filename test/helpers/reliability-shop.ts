/**
 * A live Bozor for the reliability leg: the real server as a child process (`src/cli.ts start`,
 * services mode, on the PostgreSQL and Redis URLs the test gives, usually private servers from
 * private-services.ts), talking to a Telegram Bot API emulator and a Stripe emulator that run in
 * the test process, so they outlive restarts and SIGKILLs of the child. The test plays Payme,
 * Click and Stripe: it sends their callbacks over HTTP with real signatures and reads the raw
 * answers (status and body), asserting nothing itself.
 *
 * @example
 * const shop = await startShop(t, { databaseUrl, redisUrl })
 * const bozor = await shop.spawn()
 * const orderId = await shop.placeOrder(bozor, user, { amount: 1_500_000, currency: 'UZS' })
 * const answer = await shop.payme(bozor, 'CheckPerformTransaction', { amount: 1_500_000, account: { order_id: orderId } })
 */
import type { TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { createStripeEmulator, signPayload, type StripeEmulator } from '../../src/sandbox/stripe/index.js'
import { createTelegramEmulator, type TelegramEmulator, type TelegramTestUser } from '../../src/sandbox/telegram/index.js'
import { CLICK_FORM_HEADERS, clickForm } from './click.js'
import { startServer, type Server } from './process.js'
import { eventually } from './wait.js'

export const PAYME_KEY = 'Rel1ab1lity#Payme&Key!2026'
export const PAYME_MERCHANT_ID = '5e730e8e0b852a417aa49cec'
export const CLICK_SERVICE_ID = '30125'
export const CLICK_SECRET = 'Rel1abilityClickSecret'
export const ADMIN_TOKEN = 'reliability-admin-token-0123456789'
export const STRIPE_WEBHOOK_SECRET = 'whsec_reliability_suite'
/** A hung child, not a timing assertion: the machine is shared and loaded. */
export const WAIT_MS = 120_000

/** One running Bozor child. */
export type Bozor = Server

/** A raw HTTP answer. */
export interface Answer {
  status: number
  body: any
}

export interface Shop {
  /**
   * Called by payme/click/stripePaid: `request` right after a callback is sent, `answer` once its
   * answer was read (kill points of the SIGKILL test).
   */
  hooks: { request?: () => void, answer?: () => void }
  telegram: TelegramEmulator
  stripe: StripeEmulator
  /** Starts a Bozor child on the shop's storage; resolves once it listens. */
  spawn (env?: Record<string, string>): Promise<Bozor>
  /** An admin API call; throws on a network error only. */
  admin (bozor: Bozor, method: string, path: string, body?: unknown): Promise<Answer>
  /** A digital product of `payload` at `amount` minor units of `currency` (made once per key) and a pending order of it for `user`. */
  placeOrder (bozor: Bozor, user: TelegramTestUser, price: { amount: number, currency: string }): Promise<string>
  /** A Payme JSON-RPC call with the right Basic auth. */
  payme (bozor: Bozor, method: string, params: Record<string, unknown>): Promise<Answer>
  /** A signed Click Prepare (`prepare`) or Complete (`complete`) callback. */
  click (bozor: Bozor, route: 'prepare' | 'complete', fields: { orderId: string, amount: string, clickTransId: string, prepareId?: number }): Promise<Answer>
  /** A signed Stripe event `payment_intent.succeeded` for the order (as Stripe delivers it). */
  stripePaid (bozor: Bozor, eventId: string, orderId: string, amount: number, currency: string): Promise<Answer>
}

const products = new WeakMap<Shop, Map<string, string>>()

/**
 * Emulators in this process (closed in t.after, after every child) and the environment of the
 * children: BOT_TOKEN against the Telegram emulator in polling mode, Payme, Click and Stripe
 * configured, the outbox lease at its minimum so a killed child's work is taken over quickly.
 */
export async function startShop (t: TestContext, storage: { databaseUrl: string, redisUrl: string }): Promise<Shop> {
  const telegram = createTelegramEmulator()
  await telegram.start({ host: '127.0.0.1', port: 0 })
  const stripe = createStripeEmulator({ webhookSecret: STRIPE_WEBHOOK_SECRET, webhookRetryDelaysMs: [] })
  const stripeAddress = await stripe.start()
  // children are killed by spawnBozor's own hooks, registered later; the emulators close after them
  t.after(() => { t.after(async () => { await telegram.close(); await stripe.close() }) })
  let rpcId = 1
  const shop: Shop = {
    hooks: {},
    telegram,
    stripe,
    async spawn (env = {}) {
      return await startServer(t, {
        telegram,
        waitMs: WAIT_MS,
        env: {
          DATABASE_URL: storage.databaseUrl,
          REDIS_URL: storage.redisUrl,
          ADMIN_TOKEN,
          PAYME_MERCHANT_ID,
          PAYME_KEY,
          CLICK_SERVICE_ID,
          CLICK_MERCHANT_ID: '21417',
          CLICK_SECRET_KEY: CLICK_SECRET,
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_WEBHOOK_SECRET,
          STRIPE_API_BASE: stripeAddress.url,
          OUTBOX_LEASE_S: '4',
          RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'checkout.attempt': [{ limit: 1000, windowS: 600 }], 'api.token': [{ limit: 100000, windowS: 60 }], 'public.ip': [{ limit: 100000, windowS: 60 }] }),
          ...env
        }
      })
    },
    async admin (bozor, method, path, body) {
      const res = await fetch(`${bozor.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(WAIT_MS)
      })
      const text = await res.text()
      return { status: res.status, body: text === '' ? null : JSON.parse(text) }
    },
    async placeOrder (bozor, user, price) {
      let known = products.get(shop)
      if (known === undefined) products.set(shop, known = new Map())
      const key = `${price.amount} ${price.currency}`
      let productId = known.get(key)
      if (productId === undefined) {
        const made = await shop.admin(bozor, 'POST', '/products', {
          title: { en: `Licence ${key}` }, price, kind: 'digital', payload: `LICENCE-${price.currency}-${price.amount}`
        })
        if (made.status !== 201) throw new Error(`product: ${made.status} ${JSON.stringify(made.body)}`)
        productId = String(made.body.id)
        known.set(key, productId)
      }
      const order = await shop.admin(bozor, 'POST', '/orders', { customer: { telegramId: user.id }, items: [{ productId, quantity: 1 }] })
      if (order.status !== 201) throw new Error(`order: ${order.status} ${JSON.stringify(order.body)}`)
      return String(order.body.id)
    },
    async payme (bozor, method, params) {
      const res = await observed(shop, fetch(`${bozor.url}/payments/payme`, {
        method: 'POST',
        headers: { 'content-type': 'text/json; charset=UTF-8', authorization: paymeAuthHeader(PAYME_KEY) },
        body: JSON.stringify({ jsonrpc: '2.0', id: rpcId++, method, params }),
        signal: AbortSignal.timeout(WAIT_MS)
      }))
      return res
    },
    async click (bozor, route, fields) {
      const res = await observed(shop, fetch(`${bozor.url}/payments/click/${route}`, {
        method: 'POST',
        headers: CLICK_FORM_HEADERS,
        body: clickForm({ route, serviceId: CLICK_SERVICE_ID, secret: CLICK_SECRET, paydocId: `9${fields.clickTransId}`, ...fields }),
        signal: AbortSignal.timeout(WAIT_MS)
      }))
      return res
    },
    async stripePaid (bozor, eventId, orderId, amount, currency) {
      const created = Math.floor(Date.now() / 1000)
      const payload = JSON.stringify({
        id: eventId,
        object: 'event',
        type: 'payment_intent.succeeded',
        created,
        livemode: false,
        data: { object: { id: `pi_${eventId}`, object: 'payment_intent', amount, amount_received: amount, currency: currency.toLowerCase(), status: 'succeeded', livemode: false, metadata: { order_id: orderId } } }
      })
      const res = await observed(shop, fetch(`${bozor.url}/payments/stripe/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signPayload(payload, STRIPE_WEBHOOK_SECRET, created) },
        body: payload,
        signal: AbortSignal.timeout(WAIT_MS)
      }))
      return res
    }
  }
  return shop
}

/** Calls the request hook once the callback is on its way, reads the answer, then the answer hook. */
async function observed (shop: Shop, pending: Promise<Response>): Promise<Answer> {
  shop.hooks.request?.()
  const res = await pending
  const text = await res.text()
  shop.hooks.answer?.()
  return { status: res.status, body: safeJson(text) }
}

function safeJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Kills the child with SIGKILL and waits for it to be gone. */
export async function killHard (bozor: Bozor): Promise<void> {
  if (bozor.child.exitCode === null && bozor.child.signalCode === null) bozor.child.kill('SIGKILL')
  await bozor.exited
}

/** So'm with two decimals, as Click sends amounts (`1500000` tiyin → `15000.00`). */
export function clickAmount (tiyin: number): string {
  return `${Math.floor(tiyin / 100)}.${String(tiyin % 100).padStart(2, '0')}`
}

export type PayProvider = 'payme' | 'click' | 'stripe'

/** One payment as a provider makes it: its own ids, kept across retries. */
export interface Payment {
  provider: PayProvider
  orderId: string
  amount: number
  currency: string
  /** Payme transaction id / Click click_trans_id / Stripe event id. */
  providerId: string
  /** Payme's `time` of CreateTransaction (ms), fixed at the first attempt. */
  time: number
  /** Payme: how far it got (after a lost answer it repeats the same step: Create, then Perform). */
  stage?: 'checked' | 'created'
  /** Click: our merchant_prepare_id once a Prepare succeeded (a retry completes). */
  prepareId?: number
  /** Set once an attempt finished the flow: a provider does not call again for a finished payment. */
  done?: boolean
}

/** What one attempt of the whole flow got. */
export interface Attempt {
  /** True when the last step succeeded (the provider is done); false means it retries later. */
  done: boolean
  answers: Array<{ step: string } & Answer>
}

/**
 * Runs the provider's whole flow for `payment` once (Payme: Check, Create, Perform; Click:
 * Prepare, Complete; Stripe: the signed event), stopping at the first step that did not succeed,
 * as a provider does before retrying. Network errors count as an unanswered step.
 */
export async function attemptPayment (shop: Shop, bozor: Bozor, p: Payment): Promise<Attempt> {
  const attempt = await attemptOnce(shop, bozor, p)
  if (attempt.done) p.done = true
  return attempt
}

async function attemptOnce (shop: Shop, bozor: Bozor, p: Payment): Promise<Attempt> {
  const answers: Attempt['answers'] = []
  const step = async (name: string, call: () => Promise<Answer>): Promise<Answer | undefined> => {
    try {
      const answer = await call()
      answers.push({ step: name, ...answer })
      return answer
    } catch (err) {
      answers.push({ step: name, status: 0, body: String(err) })
      return undefined
    }
  }
  if (p.provider === 'payme') {
    const account = { order_id: p.orderId }
    // Payme resumes where it stopped: a created transaction is performed, not created again
    if (p.stage === undefined) {
      const check = await step('CheckPerformTransaction', () => shop.payme(bozor, 'CheckPerformTransaction', { amount: p.amount, account }))
      if (check?.body?.result?.allow !== true) return { done: false, answers }
      p.stage = 'checked'
    }
    if (p.stage === 'checked') {
      const create = await step('CreateTransaction', () => shop.payme(bozor, 'CreateTransaction', { id: p.providerId, time: p.time, amount: p.amount, account }))
      if (create?.body?.result?.state !== 1) return { done: false, answers }
      p.stage = 'created'
    }
    const perform = await step('PerformTransaction', () => shop.payme(bozor, 'PerformTransaction', { id: p.providerId }))
    return { done: perform?.body?.result?.state === 2, answers }
  }
  if (p.provider === 'click') {
    const amount = clickAmount(p.amount)
    if (p.prepareId === undefined) {
      const prepare = await step('prepare', () => shop.click(bozor, 'prepare', { orderId: p.orderId, amount, clickTransId: p.providerId }))
      if (prepare?.body?.error !== 0) return { done: false, answers }
      p.prepareId = Number(prepare.body.merchant_prepare_id)
    }
    const prepareId = p.prepareId
    const complete = await step('complete', () => shop.click(bozor, 'complete', { orderId: p.orderId, amount, clickTransId: p.providerId, prepareId }))
    // −4 to a repeated Complete is "already confirmed": Click counts the payment as done (specs/click.md §7)
    return { done: complete?.body?.error === 0 || complete?.body?.error === -4, answers }
  }
  const event = await step('payment_intent.succeeded', () => shop.stripePaid(bozor, p.providerId, p.orderId, p.amount, p.currency))
  return { done: event !== undefined && event.status >= 200 && event.status < 300, answers }
}

/** Sent bot messages that confirm `orderId`'s payment and that deliver its goods, in `user`'s chat. */
export function deliveriesOf (telegram: TelegramEmulator, user: TelegramTestUser, orderId: string): { confirmations: number, goods: number } {
  const sent = telegram.sent({ chatId: user.chatId, method: 'sendMessage', ok: true })
  const text = (c: { params: Record<string, unknown> }): string => String(c.params.text ?? '')
  return {
    confirmations: sent.filter((c) => text(c).includes('Payment received for order') && text(c).includes(`#${orderId}`)).length,
    goods: sent.filter((c) => text(c).includes('LICENCE-') && text(c).includes(`order #${orderId}`)).length
  }
}

/**
 * Every payment's order is fulfilled, moved to paid exactly once, holds exactly one succeeded
 * transaction of its provider, and its customer got one payment confirmation and one delivery
 * (with `allowRepeats`, at least one of each: the caller judges repeats).
 */
export async function assertPaidAndDeliveredOnce (shop: Shop, bozor: Bozor, user: TelegramTestUser, payments: readonly Payment[], options: { allowRepeats?: boolean } = {}): Promise<void> {
  for (const p of payments) {
    let last: any
    const view = await eventually(`order ${p.orderId} fulfilled`, async () => {
      const o = await shop.admin(bozor, 'GET', `/orders/${p.orderId}`)
      last = o.body
      return o.body?.state === 'fulfilled' ? o.body : undefined
    }, { timeoutMs: WAIT_MS }).catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(last)}`) })
    assert.equal(view.history.filter((h: { to: string }) => h.to === 'paid').length, 1, `order ${p.orderId} paid once`)
    assert.deepEqual(view.transactions.map((x: { provider: string, state: string }) => [x.provider, x.state]), [[p.provider, 'succeeded']], `order ${p.orderId}: one ${p.provider} payment`)
    const sent = await eventually(`goods of order ${p.orderId}`, () => {
      const d = deliveriesOf(shop.telegram, user, p.orderId)
      return d.goods >= 1 ? d : undefined
    }, { timeoutMs: WAIT_MS })
    if (options.allowRepeats === true) assert.ok(sent.confirmations >= 1 && sent.goods >= 1, `order ${p.orderId} confirmed and delivered: ${JSON.stringify(sent)}`)
    else assert.deepEqual(sent, { confirmations: 1, goods: 1 }, `order ${p.orderId} confirmed and delivered once`)
  }
}

/** Customers writing /help in turn until stopped; counts answers and (when allowed) silences. */
export function chatLoad (users: TelegramTestUser[], options: { allowSilence?: boolean } = {}): { stop (): Promise<{ answered: number, unanswered: number }> } {
  const state = { running: true }
  const counts = { answered: 0, unanswered: 0 }
  const loops = users.map(async (user) => {
    while (state.running) {
      user.sendText('/help')
      let reply
      try {
        reply = await user.nextBotMessage({ timeoutMs: 20_000 })
      } catch (err) {
        if (options.allowSilence !== true) throw err
        counts.unanswered++
        continue
      }
      assert.match(reply.text ?? '', /How to buy/, `user ${user.id} got an answer to /help`)
      counts.answered++
    }
  })
  return {
    async stop () {
      state.running = false
      await Promise.all(loops)
      return counts
    }
  }
}

/** GET /readyz. */
export async function readyz (bozor: Bozor): Promise<Answer> {
  const res = await fetch(`${bozor.url}/readyz`, { signal: AbortSignal.timeout(WAIT_MS) })
  return { status: res.status, body: await res.json() }
}

export const UZS = { amount: 1_500_000, currency: 'UZS' }
export const USD = { amount: 1500, currency: 'USD' }

/** A new payment of `provider` for `orderId`, with provider ids unique per `i` (and per run: `tag`). */
export function payment (provider: PayProvider, orderId: string, i: number): Payment {
  const price = provider === 'stripe' ? USD : UZS
  const providerId = provider === 'payme' ? `6650a3f1c2e4b8a1d3f1${String(i).padStart(4, '0')}` : provider === 'click' ? String(7_100_000 + i) : `evt_rel_${i}`
  return { provider, orderId, ...price, providerId, time: Date.now() }
}

/** One order per provider (Payme and Click in UZS, Stripe in USD) for `user`, and their payments. */
export async function newPayments (shop: Shop, bozor: Bozor, user: TelegramTestUser, from: number): Promise<Payment[]> {
  const providers: PayProvider[] = ['payme', 'click', 'stripe']
  const out: Payment[] = []
  for (const [k, provider] of providers.entries()) {
    const orderId = await shop.placeOrder(bozor, user, provider === 'stripe' ? USD : UZS)
    out.push(payment(provider, orderId, from + k))
  }
  return out
}

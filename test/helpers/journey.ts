/**
 * End-to-end journeys (issue 14 point 7): a shop is one sandbox server (`bozor start` without
 * BOT_TOKEN, on this leg's storage) shared by a test file, driven only over HTTP the way a
 * customer, a provider and a merchant reach it: the sandbox's customer API (`/sandbox/api/...`),
 * the provider simulators (`/sandbox/pay/...`), the clock endpoint, the bot's pay links and the
 * admin API (`/api/v1`) with the write token the sandbox keeps in DATA_DIR.
 *
 * What the customer sees is read from the chat's entries (the SSE stream), awaited by content,
 * never slept for; what the merchant sees is `GET /api/v1/orders/:id`.
 *
 * @example
 * const shop = useShop()
 * test('…', async () => {
 *   const ann = await shop().customer('Ann')
 *   await ann.say('/start')
 *   await ann.reply(/Welcome to the shop, Ann!/)
 * })
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatEntry } from '../../src/sandbox/http/chat-log.js'
import { seedDataDir, testLeg } from './db.js'
import { buttonsOf, call, openStream, startSandbox, tempDataDir, type EntryStream, type Sandbox } from './sandbox.js'
import { eventually } from './wait.js'

/** How long a journey waits for one observable entry or state (a hung test, not a timing assertion). */
const WAIT_MS = 30_000

export type Provider = 'payme' | 'click' | 'stripe'
export type Outcome = 'pay' | 'decline' | 'cancel'

/** The admin API's `order` (DESIGN.md), as far as the journeys read it. */
export interface OrderJson {
  id: string
  state: 'pending' | 'paid' | 'fulfilled' | 'cancelled' | 'expired' | 'refunded'
  customer: { telegramId: number }
  items: Array<{ productId: string, quantity: number, price: { amount: number, currency: string } }>
  total: { amount: number, currency: string }
  refunded: { amount: number, currency: string }
  flags: string[]
  payUrls: Partial<Record<Provider | 'stars', string>>
  transactions: Array<{ provider: string, id: string, providerId: string, state: string, amount: { amount: number, currency: string } }>
  history: Array<{ from: string | null, to: string, at: string, reason: string | null }>
  expiresAt: string
  delivery?: { phone?: string, name?: string, address?: string }
}

/** A simulator's answer (`POST /sandbox/pay/:provider`). */
export interface SimAnswer { outcome: string, order: { id: string, state: string }, error?: { code: number | string, message: string } }

/** The text of an entry as the customer reads it: tags left out, entities decoded, NBSP as a space. */
export function textOf (entry: ChatEntry): string {
  return entry.html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\u00a0/g, ' ')
}

/** The reply keyboard of an entry (rows of buttons), if it has one. */
export function replyKeyboardOf (entry: ChatEntry): Array<{ text: string, request_contact?: boolean }> {
  return entry.replyMarkup?.keyboard?.flat() ?? []
}

/** A button's label as the customer reads it (NBSP as a space). */
function labelText (text: string): string {
  return text.replace(/\u00a0/g, ' ')
}

/** Labels of an entry's inline buttons. */
export function labelsOf (entry: ChatEntry): string[] {
  return buttonsOf(entry).map((b) => labelText(b.text))
}

/** The inline button of `entry` labelled `label` (exact text or pattern). */
function findButton (entry: ChatEntry, label: string | RegExp, link: boolean): { text: string, callback_data?: string, url?: string } | undefined {
  return buttonsOf(entry).find((b) => (link ? b.url !== undefined : b.callback_data !== undefined) &&
    (typeof label === 'string' ? labelText(b.text) === label : label.test(labelText(b.text))))
}

/** One simulated Telegram user of the shop, with a cursor over their chat's entries. */
export class Customer {
  readonly id: number
  readonly name: string
  readonly stream: EntryStream
  readonly #shop: Shop
  /** Seq of the newest entry a journey step has consumed; `reply` looks after it. */
  cursor = 0

  constructor (shop: Shop, id: number, name: string, stream: EntryStream) {
    this.#shop = shop
    this.id = id
    this.name = name
    this.stream = stream
  }

  /** The customer writes `text` (a command, a number, an address…). */
  async say (text: string): Promise<void> {
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/messages`, { text })
    assert.equal(res.status, 202, JSON.stringify(res.body))
  }

  /** The customer shares their phone with the reply keyboard's "share phone" button. */
  async sharePhone (): Promise<void> {
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/messages`, { contact: true })
    assert.equal(res.status, 202, JSON.stringify(res.body))
  }

  /** The customer presses the inline button labelled `label` (text or pattern) under `entry`. */
  async press (entry: ChatEntry, label: string | RegExp): Promise<void> {
    const button = findButton(entry, label, false)
    assert.ok(button?.callback_data !== undefined, `no button ${String(label)} under "${textOf(entry)}"; buttons: ${labelsOf(entry).join(' | ')}`)
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/callback`, { messageId: entry.messageId, data: button.callback_data })
    assert.equal(res.status, 202, JSON.stringify(res.body))
  }

  /** The URL of the link button labelled `label` under `entry`. */
  link (entry: ChatEntry, label: string | RegExp): string {
    const button = findButton(entry, label, true)
    assert.ok(button?.url !== undefined, `no link button ${String(label)} under "${textOf(entry)}"; buttons: ${labelsOf(entry).join(' | ')}`)
    return button.url
  }

  /**
   * The first bot entry (new or edited) after the cursor (or after `after`) whose text matches;
   * awaited on the chat's live stream. Moves the cursor to it.
   */
  async reply (match: RegExp, options: { after?: number } = {}): Promise<ChatEntry> {
    const entry = await this.waitForEntry((e) => e.from === 'bot' && e.change !== 'delete' && match.test(textOf(e)), options.after ?? this.cursor)
    this.cursor = entry.seq
    return entry
  }

  /** The first entry after `afterSeq` matching `predicate`, seen already or awaited on the stream. */
  async waitForEntry (predicate: (entry: ChatEntry) => boolean, afterSeq = this.cursor): Promise<ChatEntry> {
    return await this.stream.next(predicate, afterSeq, WAIT_MS)
  }

  /** Bot entries after `afterSeq` whose text matches (what the chat shows so far). */
  botEntries (match: RegExp, afterSeq = 0): ChatEntry[] {
    return this.stream.entries.filter((e) => e.seq > afterSeq && e.from === 'bot' && e.change === 'new' && match.test(textOf(e)))
  }

  /** The newest seq in this chat so far. */
  get lastSeq (): number {
    return this.stream.entries[this.stream.entries.length - 1]?.seq ?? 0
  }

  /** The customer blocks the bot / starts it again. */
  async block (): Promise<void> {
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/block`)
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }

  async unblock (): Promise<void> {
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/unblock`)
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }

  /** The customer pays (or closes the pay sheet of) the Stars invoice in `entry`. */
  async payInvoice (entry: ChatEntry, outcome: 'pay' | 'cancel' = 'pay'): Promise<{ outcome: string, errorMessage?: string }> {
    const res = await call(this.#shop.url, 'POST', `/sandbox/api/users/${this.id}/invoices/${entry.messageId}/pay`, { outcome })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }
}

/** A sandbox server shared by one test file, and the client calls journeys make on it. */
export class Shop {
  readonly sandbox: Sandbox
  readonly url: string
  /** The sandbox's write admin token (kept in DATA_DIR, as the banner prints it). */
  readonly adminToken: string
  readonly #ctx: TestContext

  constructor (sandbox: Sandbox, ctx: TestContext) {
    this.sandbox = sandbox
    this.url = sandbox.url
    this.#ctx = ctx
    this.adminToken = readFileSync(join(sandbox.dataDir, 'sandbox-admin-token'), 'utf8').trim()
  }

  /** A new simulated customer (`POST /sandbox/api/users`) with its chat's stream open. */
  async customer (firstName: string, languageCode = 'en'): Promise<Customer> {
    const res = await call(this.url, 'POST', '/sandbox/api/users', { firstName, languageCode })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.firstName, firstName)
    return new Customer(this, res.body.id, firstName, await openStream(this.#ctx, this.url, res.body.id))
  }

  /** An admin API call with the sandbox's token. */
  async admin (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(WAIT_MS)
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }

  /** The order as the merchant sees it. */
  async order (id: string): Promise<OrderJson> {
    const res = await this.admin('GET', `/orders/${id}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }

  /** The order once `done` holds (work the outbox does after the customer was told, e.g. `fulfilled`). */
  async orderWhen (id: string, what: string, done: (order: OrderJson) => boolean): Promise<OrderJson> {
    let last: OrderJson | undefined
    try {
      return await eventually(`order ${id}: ${what}`, async () => {
        last = await this.order(id)
        return done(last) ? last : undefined
      }, { timeoutMs: WAIT_MS, intervalMs: 50 })
    } catch (err) {
      throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`)
    }
  }

  /** A product made by the merchant (`POST /api/v1/products`). */
  async createProduct (body: Record<string, unknown>): Promise<{ id: string, stock: number | null }> {
    const res = await this.admin('POST', '/products', body)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body
  }

  /** Moves the server's clock forward (`POST /sandbox/api/clock`). */
  async advanceClock (seconds: number): Promise<{ now: string, offsetS: number }> {
    const res = await call(this.url, 'POST', '/sandbox/api/clock', { advanceS: seconds })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    return res.body
  }

  /** Opens a pay link as the customer's browser does; returns the status and where it redirects. */
  async openPayLink (payUrl: string): Promise<{ status: number, location: string, body: string }> {
    const res = await fetch(payUrl, { redirect: 'manual', signal: AbortSignal.timeout(WAIT_MS) })
    return { status: res.status, location: res.headers.get('location') ?? '', body: await res.text() }
  }

  /** The provider's checkout page a pay link leads to (a 302 to the simulator or Stripe's hosted page). */
  async checkoutUrl (payUrl: string, provider: Provider): Promise<string> {
    const opened = await this.openPayLink(payUrl)
    assert.equal(opened.status, 302, `the pay link answered ${opened.status}: ${opened.body.slice(0, 200)}`)
    const prefix = provider === 'stripe' ? `${this.url}/sandbox/stripe/checkout/cs_` : `${this.url}/sandbox/pay/${provider}`
    assert.ok(opened.location.startsWith(prefix), opened.location)
    return opened.location
  }

  /** The provider's side of a checkout (`POST /sandbox/pay/:provider`). */
  async pay (provider: Provider, checkoutUrl: string, outcome: Outcome): Promise<SimAnswer> {
    const res = await call(this.url, 'POST', `/sandbox/pay/${provider}`, { url: checkoutUrl, outcome })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.outcome, outcome)
    return res.body
  }

  /** A refund from the provider's side (`POST /sandbox/pay/:provider/refund`). */
  async providerRefund (provider: Provider, orderId: string): Promise<{ status: number, body: any }> {
    return await call(this.url, 'POST', `/sandbox/pay/${provider}/refund`, { orderId })
  }
}

/**
 * One shop for the test file: started in `before` on this leg's storage, stopped in `after`.
 * The rate limits that stop a fast human are raised: the journeys click faster than people, and
 * the limiter has its own tests.
 */
export function useShop (): () => Shop {
  let shop: Shop | undefined
  const cleanups: Array<() => unknown> = []
  const ctx = { after: (fn: () => unknown) => { cleanups.push(fn) } } as unknown as TestContext
  before(async () => {
    // the embedded leg starts on a copy of the migrated seed instead of migrating anew
    const dataDir = tempDataDir(ctx)
    if (testLeg() === 'embedded') await seedDataDir(dataDir)
    const sandbox = await startSandbox(ctx, {
      dataDir,
      env: {
        RATE_LIMITS: JSON.stringify({
          'bot.message': [{ limit: 1000, windowS: 3 }],
          'checkout.attempt': [{ limit: 1000, windowS: 600 }],
          'pay.open': [{ limit: 1000, windowS: 60 }],
          'public.ip': [{ limit: 10_000, windowS: 60 }]
        })
      }
    })
    shop = new Shop(sandbox, ctx)
  })
  after(async () => {
    for (const fn of cleanups.reverse()) await fn()
  })
  return () => {
    assert.ok(shop !== undefined, 'the shop starts in before()')
    return shop
  }
}

/** The labels the bot puts on its pay buttons, by language and provider. */
export const PAY_BUTTON = {
  en: { payme: 'Pay with Payme', click: 'Pay with Click', stripe: 'Pay with card (Stripe)', stars: 'Pay with Telegram Stars' },
  ru: { payme: 'Оплатить через Payme', click: 'Оплатить через Click', stripe: 'Оплатить через карту (Stripe)', stars: 'Оплатить через Telegram Stars' },
  uz: { payme: 'Payme orqali to‘lash', click: 'Click orqali to‘lash', stripe: 'karta (Stripe) orqali to‘lash', stars: 'Telegram Stars orqali to‘lash' }
} as const

/** The demo catalog's products (src/sandbox/demo-seed.ts), by what the journeys buy. */
export const DEMO = {
  ebook: 'prd_d3m0ebk0000000000000000000',
  course: 'prd_d3m0crs0000000000000000000',
  stickers: 'prd_d3m0stkr000000000000000000',
  tshirt: 'prd_d3m0tshrt00000000000000000'
} as const

/**
 * A checkout in English from the deep link to the order message: product card → Buy → quantity
 * → (phone and address) → provider. Returns the order's id and the message with its pay button
 * (for Stars, the invoice entry too).
 */
export async function checkoutInEnglish (c: Customer, input: { productId: string, title: RegExp, provider: Provider | 'stars', quantity?: number, phone?: 'share' | string, address?: string }): Promise<{ orderId: string, created: ChatEntry, invoice?: ChatEntry }> {
  await c.say(`/start p_${input.productId}`)
  const card = await c.reply(input.title)
  await c.press(card, '🛒 Buy')
  const ask = await c.reply(/^How many would you like\?/)
  await c.press(ask, String(input.quantity ?? 1))
  if (input.phone !== undefined) {
    const askPhone = await c.reply(/^Please share your phone number/)
    assert.deepEqual(replyKeyboardOf(askPhone).map((b) => [b.text, b.request_contact]), [['📱 Share my phone number', true]])
    if (input.phone === 'share') await c.sharePhone()
    else await c.say(input.phone)
    await c.reply(/^Please type the delivery address/)
    await c.say(input.address ?? 'Tashkent, Amir Temur street 1, apartment 5')
  }
  const choose = await c.reply(/Total:/)
  await c.press(choose, PAY_BUTTON.en[input.provider])
  const created = await c.reply(/^✅ Order #\d+ is created/)
  const orderId = /#(\d+)/.exec(textOf(created))![1]!
  if (input.provider !== 'stars') return { orderId, created }
  const invoice = await c.waitForEntry((e) => e.from === 'bot' && e.invoice !== undefined)
  c.cursor = invoice.seq
  return { orderId, created, invoice }
}

// Buying the demo e-book in the zero-configuration sandbox (issue 14 parts 2 and 4), driven only
// through the customer API, the bot's pay link and the provider simulators: Payme and Click pay,
// a Payme decline then a successful retry, a provider refund, and an order expired by the clock
// endpoint. One sandbox serves the file; each test has its own customer.
import { before, after, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatEntry } from '../../src/sandbox/http/chat-log.js'
import { DEMO_PRODUCTS } from '../../src/sandbox/demo-seed.js'
import { buttonsOf, call, openStream, startSandbox, type EntryStream, type Sandbox } from '../helpers/sandbox.js'

const EBOOK = DEMO_PRODUCTS.find((p) => p.currency === 'UZS' && p.kind === 'digital')!.id
let sandbox: Sandbox
const hooks: Array<() => unknown> = []
const ctx = { after: (fn: () => unknown) => { hooks.push(fn) } } as unknown as Parameters<typeof startSandbox>[0]

before(async () => { sandbox = await startSandbox(ctx) })
after(async () => { for (const fn of hooks.reverse()) await fn() })

interface Customer { id: number, stream: EntryStream }

async function customer (name: string): Promise<Customer> {
  const res = await call(sandbox.url, 'POST', '/sandbox/api/users', { firstName: name, languageCode: 'en' })
  assert.equal(res.status, 201)
  return { id: res.body.id, stream: await openStream(ctx, sandbox.url, res.body.id) }
}

async function say (c: Customer, text: string): Promise<number> {
  const res = await call(sandbox.url, 'POST', `/sandbox/api/users/${c.id}/messages`, { text })
  assert.equal(res.status, 202)
  return res.body.messageId
}

async function press (c: Customer, entry: ChatEntry, label: string | RegExp): Promise<void> {
  const button = buttonsOf(entry).find((b) => typeof label === 'string' ? b.text === label : label.test(b.text))
  assert.ok(button?.callback_data !== undefined, `no button ${String(label)} on: ${entry.html}`)
  const res = await call(sandbox.url, 'POST', `/sandbox/api/users/${c.id}/callback`, { messageId: entry.messageId, data: button.callback_data })
  assert.equal(res.status, 202)
}

/** The bot's next entry (new or edited) after `seq` whose text (tags left out) matches. */
async function botSays (c: Customer, match: RegExp, seq = 0): Promise<ChatEntry> {
  return await c.stream.next((e) => e.from === 'bot' && e.change !== 'delete' && match.test(e.html.replace(/<[^>]+>/g, '')), seq, 30_000)
}

/** Deep link to the e-book, quantity 1, the provider chosen: the pay link of the new order. */
async function orderEbook (c: Customer, provider: 'Payme' | 'Click'): Promise<{ payUrl: string, seq: number }> {
  await say(c, `/start p_${EBOOK}`)
  const card = await botSays(c, /Uzbek cookbook/)
  await press(c, card, /Buy/)
  const ask = await botSays(c, /How many/, card.seq)
  await press(c, ask, '1')
  const choose = await botSays(c, /Total:/, ask.seq)
  await press(c, choose, `Pay with ${provider}`)
  const created = await botSays(c, /Order #\d+ is created/, choose.seq)
  const link = buttonsOf(created).find((b) => b.url !== undefined)?.url
  assert.ok(link !== undefined, 'the order message has a pay button')
  return { payUrl: link, seq: created.seq }
}

/** Opens the pay link as a browser would: the provider's (simulated) checkout URL. */
async function checkoutUrl (payUrl: string, provider: 'payme' | 'click'): Promise<string> {
  const res = await fetch(payUrl, { redirect: 'manual' })
  assert.equal(res.status, 302)
  const location = res.headers.get('location') ?? ''
  assert.ok(location.startsWith(`${sandbox.url}/sandbox/pay/${provider}`), location)
  // the simulated checkout page shows the order and amount with the three choices, no inline script
  const page = await fetch(location)
  assert.equal(page.status, 200)
  const html = await page.text()
  assert.match(html, /49,000\.00 UZS/)
  for (const outcome of ['pay', 'decline', 'cancel']) assert.ok(html.includes(`name="outcome" value="${outcome}"`), outcome)
  assert.ok(!/<script|<style|\son[a-z]+=/i.test(html))
  return location
}

async function simulate (provider: 'payme' | 'click', url: string, outcome: 'pay' | 'decline' | 'cancel'): Promise<{ outcome: string, order: { id: string, state: string }, error?: unknown }> {
  const res = await call(sandbox.url, 'POST', `/sandbox/pay/${provider}`, { url, outcome })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

test('sandbox: the demo e-book bought with Payme (pay) ends with the goods in the chat', async () => {
  const c = await customer('Payme buyer')
  const { payUrl, seq } = await orderEbook(c, 'Payme')
  const url = await checkoutUrl(payUrl, 'payme')
  const result = await simulate('payme', url, 'pay')
  assert.equal(result.outcome, 'pay')
  assert.equal(result.order.state, 'paid')
  assert.equal(result.error, undefined)
  await botSays(c, /Your download: https:\/\/example\.com\/demo\/cookbook\.pdf/, seq)
  // Payme's refund from its side: CancelTransaction reason 5
  const refund = await call(sandbox.url, 'POST', '/sandbox/pay/payme/refund', { orderId: result.order.id })
  assert.equal(refund.status, 200)
  assert.equal(refund.body.order.state, 'refunded')
})

test('sandbox: the demo e-book bought with Click (pay) ends with the goods in the chat', async () => {
  const c = await customer('Click buyer')
  const { payUrl, seq } = await orderEbook(c, 'Click')
  const url = await checkoutUrl(payUrl, 'click')
  const result = await simulate('click', url, 'pay')
  assert.equal(result.order.state, 'paid')
  await botSays(c, /Your download: https:\/\/example\.com\/demo\/cookbook\.pdf/, seq)
})

test('sandbox: a Payme decline leaves the order payable, and paying again delivers the e-book', async () => {
  const c = await customer('Declined buyer')
  const { payUrl, seq } = await orderEbook(c, 'Payme')
  const url = await checkoutUrl(payUrl, 'payme')
  const declined = await simulate('payme', url, 'decline')
  assert.equal(declined.outcome, 'decline')
  assert.equal(declined.order.state, 'pending')
  const left = await simulate('payme', url, 'cancel')
  assert.equal(left.order.state, 'pending')
  // the checkout page's own form post answers with a page saying what happened
  const form = await fetch(`${sandbox.url}/sandbox/pay/payme`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ url, outcome: 'decline' }).toString() })
  assert.equal(form.status, 200)
  assert.match(String(form.headers.get('content-type')), /^text\/html/)
  assert.match(String(form.headers.get('content-security-policy')), /default-src 'self'/)
  const said = await form.text()
  assert.match(said, /declined/)
  assert.match(said, /<span id="state">pending<\/span>/)
  const again = await simulate('payme', await checkoutUrl(payUrl, 'payme'), 'pay')
  assert.equal(again.order.state, 'paid')
  await botSays(c, /Your download:/, seq)
})

test('sandbox: moving the clock past the order TTL expires the order; the simulator is then refused', async () => {
  const c = await customer('Late buyer')
  const { payUrl } = await orderEbook(c, 'Click')
  const url = await checkoutUrl(payUrl, 'click')
  const before = await call(sandbox.url, 'GET', '/sandbox/api/clock')
  assert.equal(before.status, 200)
  const moved = await call(sandbox.url, 'POST', '/sandbox/api/clock', { advanceS: 3600 })
  assert.equal(moved.status, 200)
  assert.equal(moved.body.offsetS, before.body.offsetS + 3600)
  assert.ok(Date.parse(moved.body.now) >= Date.parse(before.body.now) + 3600_000)
  const late = await simulate('click', url, 'pay')
  assert.equal(late.order.state, 'expired')
  assert.ok(late.error !== undefined, 'Click was refused')
  const link = await fetch(payUrl, { redirect: 'manual' })
  assert.equal(link.status, 410)
})

test('sandbox: the photo course bought with Stripe: a declined card, then a paid one, then a refund from Stripe\'s side', async () => {
  const course = DEMO_PRODUCTS.find((p) => p.currency === 'USD')!
  const c = await customer('Stripe buyer')
  await say(c, `/start p_${course.id}`)
  const card = await botSays(c, /Photo course/)
  await press(c, card, /Buy/)
  const ask = await botSays(c, /How many/, card.seq)
  await press(c, ask, '1')
  const choose = await botSays(c, /Total:/, ask.seq)
  await press(c, choose, /Stripe/)
  const created = await botSays(c, /Order #\d+ is created/, choose.seq)
  const payUrl = buttonsOf(created).find((b) => b.url !== undefined)?.url
  assert.ok(payUrl !== undefined)
  const res = await fetch(payUrl, { redirect: 'manual' })
  assert.equal(res.status, 302)
  const hosted = res.headers.get('location') ?? ''
  assert.ok(hosted.startsWith(`${sandbox.url}/sandbox/stripe/checkout/cs_`), hosted)
  // the emulator's hosted page, served on PUBLIC_URL
  const page = await fetch(hosted)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /\$15\.00|15\.00/)
  const call2 = async (outcome: 'pay' | 'decline' | 'cancel'): Promise<{ outcome: string, order: { id: string, state: string } }> => {
    const r = await call(sandbox.url, 'POST', '/sandbox/pay/stripe', { url: hosted, outcome })
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body
  }
  assert.equal((await call2('cancel')).order.state, 'pending')
  assert.equal((await call2('decline')).order.state, 'pending')
  const paid = await call2('pay')
  assert.equal(paid.order.state, 'paid')
  await botSays(c, /DEMO-COURSE-0001/, created.seq)
  const refund = await call(sandbox.url, 'POST', '/sandbox/pay/stripe/refund', { orderId: paid.order.id })
  assert.equal(refund.status, 200, JSON.stringify(refund.body))
  assert.equal(refund.body.order.state, 'refunded')
})

test('sandbox: a Click payment cancelled by Click after confirmation keeps the order\'s state; unknown refunds are 404', async () => {
  const c = await customer('Click refund')
  const { payUrl, seq } = await orderEbook(c, 'Click')
  const paid = await simulate('click', await checkoutUrl(payUrl, 'click'), 'pay')
  assert.equal(paid.order.state, 'paid')
  await botSays(c, /Your download:/, seq)
  const refund = await call(sandbox.url, 'POST', '/sandbox/pay/click/refund', { orderId: paid.order.id })
  assert.equal(refund.status, 200)
  assert.equal(refund.body.outcome, 'refund')
  // DESIGN.md: a Click cancellation after confirmation leaves the order's state as it is (and flags it)
  assert.ok(['paid', 'fulfilled'].includes(refund.body.order.state), refund.body.order.state)
  const again = await call(sandbox.url, 'POST', '/sandbox/pay/click/refund', { orderId: paid.order.id })
  assert.equal(again.status, 404)
  assert.equal(again.body.code, 'ERR_NOT_FOUND')
})

test('sandbox: the sticker pack paid in Stars through the invoice API', async () => {
  const sticker = DEMO_PRODUCTS.find((p) => p.currency === 'XTR')!
  const c = await customer('Stars buyer')
  await say(c, `/start p_${sticker.id}`)
  const card = await botSays(c, /Sticker pack/)
  await press(c, card, /Buy/)
  const ask = await botSays(c, /How many/, card.seq)
  await press(c, ask, '1')
  const choose = await botSays(c, /Total:/, ask.seq)
  await press(c, choose, /Stars/)
  const invoice = await c.stream.next((e) => e.from === 'bot' && e.invoice !== undefined, choose.seq, 30_000)
  assert.deepEqual(invoice.invoice?.total, { amount: 50, currency: 'XTR' })
  const cancelled = await call(sandbox.url, 'POST', `/sandbox/api/users/${c.id}/invoices/${invoice.messageId}/pay`, { outcome: 'cancel' })
  assert.deepEqual(cancelled.body, { outcome: 'cancel' })
  const paid = await call(sandbox.url, 'POST', `/sandbox/api/users/${c.id}/invoices/${invoice.messageId}/pay`, { outcome: 'pay' })
  assert.equal(paid.status, 200)
  assert.deepEqual(paid.body, { outcome: 'paid' })
  await botSays(c, /addstickers\/BozorDemo/, invoice.seq)
  const notInvoice = await call(sandbox.url, 'POST', `/sandbox/api/users/${c.id}/invoices/${card.messageId}/pay`, { outcome: 'pay' })
  assert.equal(notInvoice.status, 404)
})

// End-to-end journeys (issue 14 point 7): money going back after a purchase, from the provider's
// side (Payme, Click, Stripe, through the simulators' refund) and from the merchant's (the admin
// API), and a provider repeating its callback. Driven only over HTTP: the customer API, pay
// links, the simulators and /api/v1 with the sandbox's token. One sandbox serves the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEMO, checkoutInEnglish, textOf, useShop, type Customer, type Provider } from '../helpers/journey.js'

const shop = useShop()

const PRODUCTS = {
  payme: { productId: DEMO.ebook, title: /^Uzbek cookbook/, total: 'UZS 49,000.00', amount: 4_900_000, currency: 'UZS' },
  click: { productId: DEMO.ebook, title: /^Uzbek cookbook/, total: 'UZS 49,000.00', amount: 4_900_000, currency: 'UZS' },
  stripe: { productId: DEMO.course, title: /^Photo course/, total: '$15.00', amount: 1500, currency: 'USD' }
} as const

const LABEL = { payme: 'Pay with Payme', click: 'Pay with Click', stripe: 'Pay with card (Stripe)' } as const

/** A digital product bought and delivered: the order id, and the seq of the goods message. */
async function bought (c: Customer, provider: Provider): Promise<{ orderId: string, goodsSeq: number, checkout: string }> {
  const product = PRODUCTS[provider]
  const { orderId, created } = await checkoutInEnglish(c, { productId: product.productId, title: product.title, provider })
  const checkout = await shop().checkoutUrl(c.link(created, LABEL[provider]), provider)
  const paid = await shop().pay(provider, checkout, 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await c.reply(new RegExp(`^✅ Payment received for order #${orderId}:`))
  const goods = await c.reply(new RegExp(`^🎁 .* \\(order #${orderId}\\):`))
  await shop().orderWhen(orderId, 'fulfilled', (o) => o.state === 'fulfilled')
  return { orderId, goodsSeq: goods.seq, checkout }
}

for (const provider of ['payme', 'stripe'] as const) {
  const name = provider === 'payme' ? 'Payme' : 'Stripe'
  test(`journey: ${name} refunds a paid order from its side; the customer is told and the merchant sees it refunded`, async () => {
    const product = PRODUCTS[provider]
    const c = await shop().customer(`${name} refunded`)
    const { orderId } = await bought(c, provider)
    const refund = await shop().providerRefund(provider, orderId)
    assert.equal(refund.status, 200, JSON.stringify(refund.body))
    assert.deepEqual(refund.body.order, { id: orderId, state: 'refunded' })
    const told = await c.reply(/^↩️ Order #\d+/)
    assert.equal(textOf(told), `↩️ Order #${orderId}: ${product.total} has been refunded.`)
    const order = await shop().order(orderId)
    assert.equal(order.state, 'refunded')
    assert.deepEqual(order.refunded, { amount: product.amount, currency: product.currency })
    assert.deepEqual(order.history.map((h) => h.to), ['pending', 'paid', 'fulfilled', 'refunded'])
    assert.deepEqual(order.transactions.filter((t) => t.provider === provider).map((t) => t.state), ['refunded'])
    await c.say('/orders')
    assert.equal(textOf(await c.reply(/^📦 Your orders/)), `📦 Your orders\n\n#${orderId} · ${product.total} · refunded`)
  })
}

test('journey: Click cancels a confirmed payment from its side; the order keeps its state and is flagged for the merchant', async () => {
  const c = await shop().customer('Click reversed')
  const { orderId } = await bought(c, 'click')
  const refund = await shop().providerRefund('click', orderId)
  assert.equal(refund.status, 200, JSON.stringify(refund.body))
  assert.equal(refund.body.outcome, 'refund')
  // DESIGN.md: a Click cancellation after confirmation leaves the order's state as it is, cancels
  // the transaction and flags the order
  const order = await shop().order(orderId)
  assert.equal(order.state, 'fulfilled')
  assert.deepEqual(order.flags, ['needs_attention'])
  assert.deepEqual(order.transactions.map((t) => [t.provider, t.state]), [['click', 'cancelled']])
  assert.deepEqual(order.refunded, { amount: 0, currency: 'UZS' })
  // Click has nothing more to cancel for it
  assert.equal((await shop().providerRefund('click', orderId)).status, 404)
})

test('journey: the merchant refunds a Stripe order through the admin API; the customer is told', async () => {
  const c = await shop().customer('Admin refunded')
  const { orderId } = await bought(c, 'stripe')
  const partial = await shop().admin('POST', `/orders/${orderId}/refund`, { amount: 500, reason: 'one lesson was missing' })
  assert.equal(partial.status, 200, JSON.stringify(partial.body))
  assert.equal(partial.body.state, 'fulfilled', 'a partial refund keeps the order')
  assert.deepEqual(partial.body.refunded, { amount: 500, currency: 'USD' })
  assert.equal(textOf(await c.reply(/^↩️ Order #\d+/)), `↩️ Order #${orderId}: $5.00 has been refunded.`)
  const rest = await shop().admin('POST', `/orders/${orderId}/refund`, {})
  assert.equal(rest.status, 200, JSON.stringify(rest.body))
  assert.equal(rest.body.state, 'refunded')
  assert.deepEqual(rest.body.refunded, { amount: 1500, currency: 'USD' })
  assert.equal(textOf(await c.reply(/^↩️ Order #\d+/)), `↩️ Order #${orderId}: $10.00 has been refunded.`)
  // nothing is left to refund
  const again = await shop().admin('POST', `/orders/${orderId}/refund`, {})
  assert.equal(again.status, 409)
  assert.match(again.body.detail, /nothing left to refund/)
  const order = await shop().order(orderId)
  assert.deepEqual(order.history.map((h) => h.to), ['pending', 'paid', 'fulfilled', 'refunded'])
})

test('journey: the merchant refunds a Telegram Stars order through the admin API; the customer is told', async () => {
  const c = await shop().customer('Stars refunded')
  const { orderId, invoice } = await checkoutInEnglish(c, { productId: DEMO.stickers, title: /^Sticker pack/, provider: 'stars' })
  assert.deepEqual(await c.payInvoice(invoice!, 'pay'), { outcome: 'paid' })
  await c.reply(new RegExp(`^🎁 Sticker pack \\(order #${orderId}\\):`))
  await shop().orderWhen(orderId, 'fulfilled', (o) => o.state === 'fulfilled')
  const refund = await shop().admin('POST', `/orders/${orderId}/refund`, {})
  assert.equal(refund.status, 200, JSON.stringify(refund.body))
  assert.equal(refund.body.state, 'refunded')
  assert.equal(textOf(await c.reply(/^↩️ Order #\d+/)), `↩️ Order #${orderId}: 50 ⭐ has been refunded.`)
  assert.deepEqual((await shop().order(orderId)).refunded, { amount: 50, currency: 'XTR' })
})

test('journey: Payme cannot refund by API, so the merchant is told to use its cabinet; Payme\'s own cancel, sent twice, refunds once', async () => {
  const c = await shop().customer('Duplicate callbacks')
  const { orderId, goodsSeq, checkout } = await bought(c, 'payme')
  // paying the paid order's checkout again is refused by our answer to Payme's first check
  const twice = await shop().pay('payme', checkout, 'pay')
  assert.deepEqual(twice.order, { id: orderId, state: 'fulfilled' })
  assert.ok(twice.error !== undefined, 'Payme was refused')
  const byApi = await shop().admin('POST', `/orders/${orderId}/refund`, {})
  assert.equal(byApi.status, 409)
  assert.equal(byApi.body.code, 'ERR_REFUND_UNSUPPORTED')
  assert.equal((await shop().order(orderId)).state, 'fulfilled', 'the ledger is unchanged')
  // Payme repeats CancelTransaction when it missed our answer: the repeat is answered as the first
  const first = await shop().providerRefund('payme', orderId)
  const second = await shop().providerRefund('payme', orderId)
  assert.equal(first.status, 200, JSON.stringify(first.body))
  assert.equal(second.status, 200, JSON.stringify(second.body))
  assert.deepEqual(second.body, first.body)
  assert.equal(second.body.error, undefined)
  const order = await shop().order(orderId)
  assert.equal(order.state, 'refunded')
  assert.deepEqual(order.refunded, { amount: 4_900_000, currency: 'UZS' })
  assert.deepEqual(order.history.map((h) => h.to), ['pending', 'paid', 'fulfilled', 'refunded'])
  assert.deepEqual(order.transactions.map((t) => [t.provider, t.state]), [['payme', 'refunded']])
  await c.reply(/^↩️ Order #\d+/)
  // One effect in the chat as well: after a later message of the outbox (the next order's
  // confirmation, queued after any the repeat could have queued), still one refund notice.
  const next = await bought(c, 'click')
  assert.equal(c.botEntries(new RegExp(`^↩️ Order #${orderId}:`), goodsSeq).length, 1)
  assert.equal(c.botEntries(new RegExp(`^✅ Payment received for order #${orderId}:`)).length, 1)
  assert.equal(c.botEntries(new RegExp(`^🎁 .* \\(order #${orderId}\\):`)).length, 1)
  assert.ok(next.orderId !== orderId)
})

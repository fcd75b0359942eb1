// End-to-end journeys (issue 14 point 7): buying in the sandbox with each provider, driven only
// through the sandbox's customer API, the bot's pay links, the provider simulators and the admin
// API. Each journey is one customer; what they see is the chat, what the merchant sees is
// GET /api/v1/orders/:id. One sandbox serves the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEMO, checkoutInEnglish, textOf, useShop, type Customer, type OrderJson, type Provider } from '../helpers/journey.js'

const shop = useShop()

const EBOOK = { productId: DEMO.ebook, title: /^Uzbek cookbook \(e-book\)/, goods: /^🎁 Uzbek cookbook \(e-book\) \(order #(\d+)\):\nYour download: https:\/\/example\.com\/demo\/cookbook\.pdf \(demo link\)$/ }

/** The merchant's view of a paid digital order once its goods went out. */
async function fulfilledBy (orderId: string, provider: Provider | 'stars', total: { amount: number, currency: string }): Promise<OrderJson> {
  const order = await shop().orderWhen(orderId, 'fulfilled', (o) => o.state === 'fulfilled')
  assert.deepEqual(order.total, total)
  assert.deepEqual(order.refunded, { amount: 0, currency: total.currency })
  assert.deepEqual(order.history.map((h) => h.to), ['pending', 'paid', 'fulfilled'])
  const succeeded = order.transactions.filter((t) => t.state === 'succeeded')
  assert.deepEqual(succeeded.map((t) => [t.provider, t.amount.amount, t.amount.currency]), [[provider, total.amount, total.currency]])
  assert.deepEqual(order.payUrls, {}, 'a paid order offers no pay links')
  assert.deepEqual(order.flags, [])
  return order
}

/** The two messages a paid digital order brings: the confirmation, then the goods. */
async function receivesGoods (c: Customer, orderId: string, total: string, goods: RegExp): Promise<void> {
  const paid = await c.reply(/^✅ Payment received for order #\d+/)
  assert.equal(textOf(paid), `✅ Payment received for order #${orderId}: ${total}. Thank you!`)
  const delivered = await c.reply(goods)
  assert.equal(goods.exec(textOf(delivered))?.[1], orderId)
}

for (const provider of ['payme', 'click'] as const) {
  const name = provider === 'payme' ? 'Payme' : 'Click'
  test(`journey: the e-book bought with ${name} arrives in the chat, and the merchant sees it fulfilled`, async () => {
    const c = await shop().customer(`${name} buyer`)
    const { orderId, created } = await checkoutInEnglish(c, { ...EBOOK, provider })
    assert.equal(textOf(created), `✅ Order #${orderId} is created: UZS 49,000.00.\nPay within 30 minutes with the button below.`)
    const payUrl = c.link(created, `Pay with ${name}`)
    assert.ok(payUrl.startsWith(`${shop().url}/pay/${orderId}/${provider}?t=`), payUrl)
    // the merchant sees the order waiting, with its pay links
    const pending = await shop().order(orderId)
    assert.equal(pending.state, 'pending')
    assert.equal(pending.customer.telegramId, c.id)
    assert.deepEqual(pending.items, [{ productId: DEMO.ebook, quantity: 1, price: { amount: 4_900_000, currency: 'UZS' } }])
    assert.deepEqual(Object.keys(pending.payUrls).sort(), ['click', 'payme', 'stripe'])
    // the checkout page shows the order and the amount
    const checkout = await shop().checkoutUrl(payUrl, provider)
    const page = await fetch(checkout)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /49,000\.00 UZS/)
    assert.ok(html.includes(orderId))
    const paid = await shop().pay(provider, checkout, 'pay')
    assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
    assert.equal(paid.error, undefined)
    await receivesGoods(c, orderId, 'UZS 49,000.00', EBOOK.goods)
    await fulfilledBy(orderId, provider, { amount: 4_900_000, currency: 'UZS' })
    // the link of a paid order says so instead of taking a second payment
    assert.equal((await shop().openPayLink(payUrl)).status, 409)
    await c.say('/orders')
    const orders = await c.reply(/^📦 Your orders/)
    assert.equal(textOf(orders), `📦 Your orders\n\n#${orderId} · UZS 49,000.00 · completed`)
    assert.deepEqual(orders.replyMarkup, undefined, 'nothing left to pay')
  })
}

test('journey: the photo course bought with a card on Stripe\'s page arrives in the chat', async () => {
  const c = await shop().customer('Stripe buyer')
  const { orderId, created } = await checkoutInEnglish(c, { productId: DEMO.course, title: /^Photo course/, provider: 'stripe' })
  assert.equal(textOf(created), `✅ Order #${orderId} is created: $15.00.\nPay within 30 minutes with the button below.`)
  const checkout = await shop().checkoutUrl(c.link(created, 'Pay with card (Stripe)'), 'stripe')
  const page = await fetch(checkout)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /15\.00/)
  const paid = await shop().pay('stripe', checkout, 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await receivesGoods(c, orderId, '$15.00', /^🎁 Photo course \(order #(\d+)\):\nCourse access code: DEMO-COURSE-0001$/)
  await fulfilledBy(orderId, 'stripe', { amount: 1500, currency: 'USD' })
})

test('journey: the sticker pack paid with Telegram Stars from the invoice in the chat', async () => {
  const c = await shop().customer('Stars buyer')
  const { orderId, created, invoice } = await checkoutInEnglish(c, { productId: DEMO.stickers, title: /^Sticker pack/, provider: 'stars' })
  assert.equal(textOf(created), `✅ Order #${orderId} is created: 50 ⭐.\nPay within 30 minutes with the button below.`)
  assert.ok(invoice !== undefined)
  assert.deepEqual(invoice.invoice, { title: `Order #${orderId}`, total: { amount: 50, currency: 'XTR' } })
  assert.equal(textOf(invoice), 'Sticker pack × 1')
  // closing the pay sheet changes nothing; paying goes through the pre-checkout query
  assert.deepEqual(await c.payInvoice(invoice, 'cancel'), { outcome: 'cancel' })
  assert.equal((await shop().order(orderId)).state, 'pending')
  assert.deepEqual(await c.payInvoice(invoice, 'pay'), { outcome: 'paid' })
  // the customer's side of the payment shows in the chat, then the bot's confirmation and goods
  await c.waitForEntry((e) => e.from === 'user' && textOf(e) === '✅ 50 XTR', invoice.seq)
  await receivesGoods(c, orderId, '50 ⭐', /^🎁 Sticker pack \(order #(\d+)\):\nSticker pack: https:\/\/t\.me\/addstickers\/BozorDemo$/)
  await fulfilledBy(orderId, 'stars', { amount: 50, currency: 'XTR' })
})

test('journey: the T-shirt (physical) with a shared phone and a typed address, paid with Click, shipped by the merchant', async () => {
  const c = await shop().customer('Physical buyer')
  const address = 'Tashkent, Amir Temur street 108, apartment 12'
  await c.say(`/start p_${DEMO.tshirt}`)
  const card = await c.reply(/^Bozor T-shirt/)
  assert.match(textOf(card), /^Bozor T-shirt\n\nCotton, size M\.\n\nPrice: UZS 120,000\.00\nIn stock: \d+\nPayment: Payme, Click, card \(Stripe\)$/)
  const stockBefore = Number(/In stock: (\d+)/.exec(textOf(card))![1])
  const { orderId, created } = await checkoutInEnglish(c, { productId: DEMO.tshirt, title: /^Bozor T-shirt/, provider: 'click', quantity: 2, phone: 'share', address })
  // the shared contact shows as the customer's message
  assert.ok(c.stream.entries.some((e) => e.from === 'user' && /^📞 \+?\d+/.test(textOf(e))), 'the shared phone is in the chat')
  assert.equal(textOf(created), `✅ Order #${orderId} is created: UZS 240,000.00.\nPay within 30 minutes with the button below.`)
  // the units are held for this order while it waits
  await c.say(`/start p_${DEMO.tshirt}`)
  assert.match(textOf(await c.reply(/^Bozor T-shirt/)), new RegExp(`In stock: ${stockBefore - 2}\\n`))
  const paid = await shop().pay('click', await shop().checkoutUrl(c.link(created, 'Pay with Click'), 'click'), 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  const told = await c.reply(/^✅ Payment received for order #\d+/)
  assert.equal(textOf(told), `✅ Payment received for order #${orderId}: UZS 240,000.00. Thank you!\nWe will contact you about delivery soon.`)
  // a physical order stays paid until the merchant ships it
  const order = await shop().order(orderId)
  assert.equal(order.state, 'paid')
  assert.deepEqual(order.items, [{ productId: DEMO.tshirt, quantity: 2, price: { amount: 12_000_000, currency: 'UZS' } }])
  assert.deepEqual(order.transactions.map((t) => [t.provider, t.state, t.amount.amount]), [['click', 'succeeded', 24_000_000]])
  assert.equal(order.delivery?.address, address, 'the merchant sees where to ship')
  assert.match(order.delivery?.phone ?? '', /^\+?\d{7,}$/, 'and the phone the customer shared')
  // the merchant ships it and marks it fulfilled; the customer is told
  const shipped = await shop().admin('POST', `/orders/${orderId}/fulfil`, { note: 'sent by courier' })
  assert.equal(shipped.status, 200, JSON.stringify(shipped.body))
  assert.equal(shipped.body.state, 'fulfilled')
  assert.equal(textOf(await c.reply(/^📦 Order #\d+ is on its way/)), `📦 Order #${orderId} is on its way: the shop has sent it.\nNote from the shop: sent by courier`)
  assert.deepEqual((await shop().order(orderId)).history.map((h) => h.to), ['pending', 'paid', 'fulfilled'])
})

test('journey: a Payme decline leaves the order payable; the retry is paid and delivered', async () => {
  const c = await shop().customer('Payme retry')
  const { orderId, created } = await checkoutInEnglish(c, { ...EBOOK, provider: 'payme' })
  const payUrl = c.link(created, 'Pay with Payme')
  const declined = await shop().pay('payme', await shop().checkoutUrl(payUrl, 'payme'), 'decline')
  assert.deepEqual(declined.order, { id: orderId, state: 'pending' })
  const afterDecline = await shop().order(orderId)
  assert.equal(afterDecline.state, 'pending')
  assert.deepEqual(afterDecline.transactions.map((t) => [t.provider, t.state]), [['payme', 'cancelled']])
  // the customer finds the order waiting in /orders, with its pay buttons
  await c.say('/orders')
  const orders = await c.reply(/^📦 Your orders/)
  assert.equal(textOf(orders), `📦 Your orders\n\n#${orderId} · UZS 49,000.00 · awaiting payment`)
  const retryUrl = c.link(orders, `Pay #${orderId} (Payme)`)
  const paid = await shop().pay('payme', await shop().checkoutUrl(retryUrl, 'payme'), 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await receivesGoods(c, orderId, 'UZS 49,000.00', EBOOK.goods)
  const order = await fulfilledBy(orderId, 'payme', { amount: 4_900_000, currency: 'UZS' })
  assert.deepEqual(order.transactions.map((t) => [t.provider, t.state]), [['payme', 'cancelled'], ['payme', 'succeeded']])
})

test('journey: a Click decline (insufficient funds) leaves the order payable; the retry is paid and delivered', async () => {
  const c = await shop().customer('Click retry')
  const { orderId, created } = await checkoutInEnglish(c, { ...EBOOK, provider: 'click' })
  const checkout = await shop().checkoutUrl(c.link(created, 'Pay with Click'), 'click')
  const declined = await shop().pay('click', checkout, 'decline')
  assert.deepEqual(declined.order, { id: orderId, state: 'pending' })
  const afterDecline = await shop().order(orderId)
  assert.equal(afterDecline.state, 'pending')
  assert.deepEqual(afterDecline.transactions.map((t) => [t.provider, t.state]), [['click', 'cancelled']])
  assert.ok(afterDecline.payUrls.click !== undefined, 'still payable with Click')
  const paid = await shop().pay('click', await shop().checkoutUrl(afterDecline.payUrls.click, 'click'), 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await receivesGoods(c, orderId, 'UZS 49,000.00', EBOOK.goods)
  const order = await fulfilledBy(orderId, 'click', { amount: 4_900_000, currency: 'UZS' })
  assert.deepEqual(order.transactions.map((t) => [t.provider, t.state]), [['click', 'cancelled'], ['click', 'succeeded']])
})

test('journey: a declined card on Stripe\'s page is reported in the chat; another card pays', async () => {
  const c = await shop().customer('Stripe retry')
  const { orderId, created } = await checkoutInEnglish(c, { productId: DEMO.course, title: /^Photo course/, provider: 'stripe' })
  const checkout = await shop().checkoutUrl(c.link(created, 'Pay with card (Stripe)'), 'stripe')
  const declined = await shop().pay('stripe', checkout, 'decline')
  assert.deepEqual(declined.order, { id: orderId, state: 'pending' })
  const told = await c.reply(/^❌ Order #\d+/)
  assert.equal(textOf(told), `❌ Order #${orderId}: the card was declined. Try another card, or another way to pay in /orders.`)
  const paid = await shop().pay('stripe', checkout, 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await receivesGoods(c, orderId, '$15.00', /^🎁 Photo course \(order #(\d+)\):\nCourse access code: DEMO-COURSE-0001$/)
  await fulfilledBy(orderId, 'stripe', { amount: 1500, currency: 'USD' })
})

// End-to-end journeys (issue 14 point 7): scarce stock and the passing of time — an order left
// unpaid expires (the clock moved by POST /sandbox/api/clock, never slept) and gives its units
// back, and two customers race for the last one. Driven only over HTTP (the customer API, pay
// links, simulators, /api/v1 with the sandbox's token). One sandbox serves the file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PAY_BUTTON, labelsOf, textOf, useShop, type Customer } from '../helpers/journey.js'
import type { ChatEntry } from '../../src/sandbox/http/chat-log.js'

const shop = useShop()

/** A one-off physical product the merchant adds with a single unit. */
async function lastUnit (title: string): Promise<string> {
  const product = await shop().createProduct({
    title: { en: title, ru: `${title} (ru)`, uz: `${title} (uz)` },
    description: { en: 'Only one made.' },
    price: { amount: 35_000_000, currency: 'UZS' },
    kind: 'physical',
    stock: 1
  })
  assert.equal(product.stock, 1)
  return product.id
}

/** Opens the product by deep link; returns its card. */
async function card (c: Customer, productId: string, title: string): Promise<ChatEntry> {
  await c.say(`/start p_${productId}`)
  return await c.reply(new RegExp(`^${title}\\n`))
}

/** Deep link → Buy → 1 → phone → address: the provider step of a checkout. */
async function toProviderStep (c: Customer, productId: string, title: string): Promise<ChatEntry> {
  const shown = await card(c, productId, title)
  assert.match(textOf(shown), /\nIn stock: 1\n/)
  await c.press(shown, '🛒 Buy')
  await c.press(await c.reply(/^How many would you like\?/), '1')
  await c.reply(/^Please share your phone number/)
  await c.sharePhone()
  await c.reply(/^Please type the delivery address/)
  await c.say(`${c.name}'s place, Chilonzor 7, Tashkent`)
  return await c.reply(/Total:/)
}

test('journey: an order left unpaid expires when its time is up, and its unit is for sale again', async () => {
  const title = 'Hand-painted bowl'
  const productId = await lastUnit(title)
  const late = await shop().customer('Late payer')
  const choose = await toProviderStep(late, productId, title)
  await late.press(choose, PAY_BUTTON.en.payme)
  const created = await late.reply(/^✅ Order #\d+ is created/)
  const orderId = /#(\d+)/.exec(textOf(created))![1]!
  const payUrl = late.link(created, PAY_BUTTON.en.payme)
  const pending = await shop().order(orderId)
  assert.equal(pending.state, 'pending')
  // the unit is held: another customer finds it out of stock, with no Buy button
  const other = await shop().customer('Next in line')
  const held = await card(other, productId, title)
  assert.match(textOf(held), /\nOut of stock\n/)
  assert.deepEqual(labelsOf(held), ['⬅ Catalog'])
  // half an hour later (ORDER_TTL_S = 1800) the order is past its time
  const clock = await shop().advanceClock(1801)
  assert.ok(Date.parse(clock.now) >= Date.parse(pending.expiresAt))
  const expired = await shop().orderWhen(orderId, 'expired', (o) => o.state === 'expired')
  assert.deepEqual(expired.history.map((h) => [h.from, h.to]), [[null, 'pending'], ['pending', 'expired']])
  assert.deepEqual(expired.payUrls, {})
  // its pay link says so, and paying it through Payme is refused
  const link = await shop().openPayLink(payUrl)
  assert.equal(link.status, 410)
  assert.match(link.body, /expired/i)
  await late.say('/orders')
  assert.equal(textOf(await late.reply(/^📦 Your orders/)), `📦 Your orders\n\n#${orderId} · UZS 350,000.00 · expired`)
  // the unit is back: the other customer buys it
  const choose2 = await toProviderStep(other, productId, title)
  await other.press(choose2, PAY_BUTTON.en.click)
  const created2 = await other.reply(/^✅ Order #\d+ is created/)
  const orderId2 = /#(\d+)/.exec(textOf(created2))![1]!
  const paid = await shop().pay('click', await shop().checkoutUrl(other.link(created2, PAY_BUTTON.en.click), 'click'), 'pay')
  assert.deepEqual(paid.order, { id: orderId2, state: 'paid' })
  await other.reply(new RegExp(`^✅ Payment received for order #${orderId2}: UZS 350,000\\.00\\. Thank you!`))
  assert.equal((await shop().order(orderId)).state, 'expired', 'the first order stays expired')
})

test('journey: two customers race for the last unit; one gets the order, the other is told it is gone', async () => {
  const title = 'Signed first edition'
  const productId = await lastUnit(title)
  const ann = await shop().customer('Ann')
  const bob = await shop().customer('Bob')
  // both see one in stock and get to the last step
  const [annChoose, bobChoose] = await Promise.all([toProviderStep(ann, productId, title), toProviderStep(bob, productId, title)])
  // and press "pay" at the same time
  await Promise.all([ann.press(annChoose!, PAY_BUTTON.en.payme), bob.press(bobChoose!, PAY_BUTTON.en.click)])
  const outcome = /^(✅ Order #\d+ is created|Out of stock)/
  const [annSaw, bobSaw] = await Promise.all([ann.reply(outcome), bob.reply(outcome)])
  const results = [textOf(annSaw!), textOf(bobSaw!)]
  assert.equal(results.filter((t) => t.startsWith('✅ Order #')).length, 1, results.join(' | '))
  assert.equal(results.filter((t) => t === 'Out of stock').length, 1, results.join(' | '))
  const [winner, winnerSaw, provider] = results[0]!.startsWith('✅') ? [ann, annSaw!, 'payme' as const] : [bob, bobSaw!, 'click' as const]
  const loser = winner === ann ? bob : ann
  const orderId = /#(\d+)/.exec(textOf(winnerSaw))![1]!
  // the winner pays; the loser has no order and finds the product out of stock
  const paid = await shop().pay(provider, await shop().checkoutUrl(winner.link(winnerSaw, PAY_BUTTON.en[provider]), provider), 'pay')
  assert.deepEqual(paid.order, { id: orderId, state: 'paid' })
  await winner.reply(new RegExp(`^✅ Payment received for order #${orderId}:`))
  const order = await shop().order(orderId)
  assert.equal(order.customer.telegramId, winner.id)
  assert.deepEqual(order.items, [{ productId, quantity: 1, price: { amount: 35_000_000, currency: 'UZS' } }])
  await loser.say('/orders')
  await loser.reply(/^You have no orders yet\./)
  assert.match(textOf(await card(loser, productId, title)), /\nOut of stock\n/)
  const products = await shop().admin('GET', '/products?limit=200')
  assert.equal(products.status, 200)
  assert.equal(products.body.items.find((p: { id: string }) => p.id === productId)?.stock, 0, 'the merchant sees the unit sold')
})

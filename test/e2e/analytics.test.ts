// Issue 16 (analytics), shown end to end: scripted journeys on the sandbox (the bot on the Telegram
// emulator, the provider simulators, the admin API) give exactly the expected funnel, revenue per
// currency net of refunds, failure reasons per provider, referral sources, products and
// DAU/WAU/MAU, on this leg's storage. Bot events are buffered and written within a second or so:
// each answer is awaited until it settles on the expected value (never slept for).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEMO, checkoutInEnglish, useShop, type Provider } from '../helpers/journey.js'
import { eventually } from '../helpers/wait.js'

const shop = useShop()

const EBOOK = { productId: DEMO.ebook, title: /^Uzbek cookbook \(e-book\)/ }
const COURSE = { productId: DEMO.course, title: /^Photo course/ }

/** The analytics answer at `path` once it equals `expected` (the last answer is shown on a time-out). */
async function settles (path: string, expected: unknown): Promise<void> {
  let last: unknown
  try {
    await eventually(`analytics ${path}`, async () => {
      const res = await shop().admin('GET', `/analytics/${path}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      last = res.body
      try { assert.deepEqual(res.body, expected); return true } catch { return undefined }
    }, { timeoutMs: 20_000, intervalMs: 250 })
  } catch {
    assert.deepEqual(last, expected, path)
  }
}

async function payAt (orderUrl: string, provider: Provider, outcome: 'pay' | 'decline'): Promise<void> {
  const checkout = await shop().checkoutUrl(orderUrl, provider)
  const answer = await shop().pay(provider, checkout, outcome)
  assert.equal(answer.outcome, outcome, JSON.stringify(answer))
}

test('journey: four customers\' visits, payments, a decline per provider and a refund add up to the expected analytics', async () => {
  // Ann comes from an Instagram link, has a Payme card declined, then pays the e-book
  const ann = await shop().customer('Ann')
  await ann.say('/start r_insta')
  await ann.reply(/Welcome/)
  const a = await checkoutInEnglish(ann, { ...EBOOK, provider: 'payme' })
  const annPay = ann.link(a.created, 'Pay with Payme')
  await payAt(annPay, 'payme', 'decline')
  await payAt(annPay, 'payme', 'pay')
  await shop().orderWhen(a.orderId, 'fulfilled', (o) => o.state === 'fulfilled')

  // Bob comes from a Telegram ad, pays the course by card, and the merchant refunds it in full
  const bob = await shop().customer('Bob')
  await bob.say('/start r_tg_ads')
  await bob.reply(/Welcome/)
  const b = await checkoutInEnglish(bob, { ...COURSE, provider: 'stripe' })
  await payAt(bob.link(b.created, 'Pay with card (Stripe)'), 'stripe', 'pay')
  await shop().orderWhen(b.orderId, 'fulfilled', (o) => o.state === 'fulfilled')
  const refund = await shop().admin('POST', `/orders/${b.orderId}/refund`, { reason: 'changed mind' })
  assert.equal(refund.status, 200, JSON.stringify(refund.body))
  await shop().orderWhen(b.orderId, 'refunded', (o) => o.state === 'refunded')

  // Cara only starts the bot
  const cara = await shop().customer('Cara')
  await cara.say('/start')
  await cara.reply(/Welcome/)

  // Dan's Click payment fails for want of funds, and he leaves
  const dan = await shop().customer('Dan')
  const d = await checkoutInEnglish(dan, { ...EBOOK, provider: 'click' })
  await payAt(dan.link(d.created, 'Pay with Click'), 'click', 'decline')

  await settles('overview', {
    revenue: [
      { currency: 'USD', gross: 1500, refunded: 1500, net: 0, orders: 1 },
      { currency: 'UZS', gross: 4_900_000, refunded: 0, net: 4_900_000, orders: 1 }
    ],
    customers: { new: 4, active: 4 },
    averageOrder: [{ amount: 0, currency: 'USD' }, { amount: 4_900_000, currency: 'UZS' }]
  })
  await settles('funnel', {
    steps: [
      { step: 'start', customers: 4, conversion: 1 },
      { step: 'catalog', customers: 3, conversion: 0.75 },
      { step: 'product', customers: 3, conversion: 1 },
      { step: 'checkout', customers: 3, conversion: 1 },
      { step: 'paid', customers: 2, conversion: 0.6667 }
    ]
  })
  await settles('active', { dau: 4, wau: 4, mau: 4 })
  await settles('payment-failures', {
    items: [
      { provider: 'click', reason: 'insufficient_funds', count: 1 },
      { provider: 'payme', reason: 'debit_failed', count: 1 }
    ]
  })
  await settles('sources', {
    items: [
      { source: 'insta', customers: 1, orders: 1, revenue: [{ amount: 4_900_000, currency: 'UZS' }] },
      { source: 'tg_ads', customers: 1, orders: 1, revenue: [{ amount: 0, currency: 'USD' }] }
    ]
  })
  await settles('products', { items: [{ productId: DEMO.ebook, title: 'Uzbek cookbook (e-book)', units: 1, revenue: { amount: 4_900_000, currency: 'UZS' } }] })
  // the merchant's customer profile keeps the referral source
  const annProfile = await shop().admin('GET', `/customers/${ann.id}`)
  assert.equal(annProfile.body.source, 'insta')
})

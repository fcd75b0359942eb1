// Card payments through the bot: checkout in the chat, the pay link to the local Stripe server,
// signed webhooks back, and what the customer is told.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { nextMatching as next, startBotApp, type BotApp, type BotAppOptions } from '../helpers/bot.js'
import { seedProduct } from '../helpers/catalog.js'
import { eventually } from '../helpers/wait.js'
import { createStripeEmulator, type StripeEmulator } from '../../src/sandbox/stripe/index.js'
import type { TgMessage } from '../../src/sandbox/telegram/index.js'
import { shopOrder } from '../../src/adapters/postgres/schema.js'
import { FakeClock, systemClock } from '../../src/domain/shared/clock.js'

/** The bot app with Stripe configured against the local Stripe server, whose webhooks reach the app. */
async function startWithStripe (t: TestContext, options: BotAppOptions = {}): Promise<BotApp & { stripe: StripeEmulator }> {
  const stripe = createStripeEmulator()
  const address = await stripe.start()
  const bot = await startBotApp(t, {
    ...options,
    env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: address.url, ...options.env }
  })
  // after the app (hooks run in order): nothing calls Stripe any more when it stops
  t.after(() => stripe.close())
  stripe.addWebhookEndpoint(`${bot.url}/payments/stripe/webhook`)
  return { ...bot, stripe }
}

/** The pay link on the bot's "order created" message. */
function payUrlOf (created: TgMessage): string {
  const payUrl = (created.reply_markup?.inline_keyboard ?? []).flat()[0]?.url ?? ''
  assert.match(payUrl, /\/pay\/\d+\/stripe\?t=[\w-]{22}$/, 'the signed pay link')
  return payUrl
}

/** Opens the pay link as the customer's browser would; returns the Checkout Session it redirects to. */
async function openCheckout (app: BotApp['app'], created: TgMessage): Promise<string> {
  const link = new URL(payUrlOf(created))
  const redirect = await app.inject({ url: link.pathname + link.search })
  assert.equal(redirect.statusCode, 302)
  const sessionId = /\/checkout\/(cs_test_[A-Za-z0-9]+)/.exec(String(redirect.headers.location))?.[1]
  assert.ok(sessionId !== undefined, String(redirect.headers.location))
  return sessionId
}

test('card checkout end to end: bot → Stripe Checkout → signed webhook → paid → goods delivered by the bot', async (t) => {
  const { app, emulator, database, stripe } = await startWithStripe(t)
  const id = await seedProduct(database, { title: 'Course', amount: 1999, currency: 'USD', payload: 'https://learn.example/course?key=abc' })
  const user = emulator.user({ languageCode: 'en' })
  user.sendText(`/start p_${id}`)
  await user.nextBotMessage({ timeoutMs: 30_000 })
  user.pressButton(await user.nextBotMessage(), '🛒 Buy')
  user.pressButton(await user.nextBotMessage(), '1')
  const choose = await user.nextBotMessage()
  assert.match(choose.text ?? '', /Total: \$19\.99/)
  user.pressButton(choose, 'Pay with card (Stripe)')
  const sessionId = await openCheckout(app, await user.nextBotMessage())
  stripe.completeCheckout(sessionId, { paymentMethod: 'pm_card_visa' })
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /Payment received for order #\d+: \$19\.99/)
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /Course[\s\S]*https:\/\/learn\.example\/course\?key=abc/)
  await eventually('the order fulfilled', async () => (await database.db.select().from(shopOrder))[0]?.state === 'fulfilled' ? true : undefined)
  assert.equal((await database.db.select().from(shopOrder))[0]?.state, 'fulfilled')
})

test('after Stripe rejects the API key the bot stops offering card payment, and offers it again five minutes later', async (t) => {
  // the app's clock is fake (to skip the five minutes); the Bot API emulator keeps real time
  const clock = new FakeClock(Date.now())
  const { app, emulator, database, stripe } = await startWithStripe(t, { clock, emulatorOptions: { clock: systemClock } })
  const id = await seedProduct(database, { title: 'Scarf', amount: 15_000_00, currency: 'UZS', payload: 'scarf' })
  const user = emulator.user({ languageCode: 'en' })
  const choices = async (): Promise<string[]> => {
    user.sendText(`/start p_${id}`)
    await user.nextBotMessage({ timeoutMs: 30_000 })
    user.pressButton(await user.nextBotMessage(), '🛒 Buy')
    user.pressButton(await user.nextBotMessage(), '1')
    const choose = await user.nextBotMessage()
    return (choose.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)
  }
  const before = await choices()
  assert.ok(before.includes('Pay with card (Stripe)'), before.join(' | '))
  user.pressButton(user.lastBotMessage()!, 'Pay with card (Stripe)')
  const payUrl = payUrlOf(await user.nextBotMessage())
  stripe.faults.inject({ kind: 'auth', times: 1 })
  const link = new URL(payUrl)
  assert.equal((await app.inject({ url: link.pathname + link.search })).statusCode, 503)
  const during = await choices()
  assert.ok(!during.includes('Pay with card (Stripe)'), during.join(' | '))
  assert.ok(during.some((text) => /Payme/.test(text)), during.join(' | '))
  clock.advance(5 * 60_000)
  assert.ok((await choices()).includes('Pay with card (Stripe)'))
})

test('a declined card is explained to the customer in their language, and the order can still be paid', async (t) => {
  const { app, emulator, database, stripe } = await startWithStripe(t)
  const id = await seedProduct(database, { title: 'Course', amount: 1999, currency: 'USD', payload: 'key-123' })
  const user = emulator.user({ languageCode: 'ru' })
  user.sendText(`/start p_${id}`)
  user.pressButton(await next(user, /Course/), '🛒 Купить')
  user.pressButton(await next(user, /Сколько/), '1')
  user.pressButton(await next(user, /Итого/), 'Оплатить через карту (Stripe)')
  const sessionId = await openCheckout(app, await next(user, /#\d+/))
  stripe.completeCheckout(sessionId, { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' })
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /Заказ #\d+: на карте недостаточно средств\. Попробуйте другую карту/)
  assert.equal((await database.db.select().from(shopOrder))[0]?.state, 'pending')
  stripe.completeCheckout(sessionId, { paymentMethod: 'pm_card_chargeDeclinedExpiredCard' })
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /срок действия карты истёк/)
  stripe.completeCheckout(sessionId, { paymentMethod: 'pm_card_visa' })
  assert.match((await user.nextBotMessage({ timeoutMs: 30_000 })).text ?? '', /Оплата заказа #\d+ получена/)
})

// Reliability: Redis stops under load and comes back on the same port (empty, as a Redis without
// persistence restarts), while Bozor keeps running.
//
// Bozor runs as a child process (services mode) on a fresh database of the shared PostgreSQL and
// on a private redis-server of this test (test/helpers/private-services.ts); Telegram and Stripe
// are emulators in this process, Payme and Click are played by the test. Customers keep writing
// to the bot and the providers keep calling back during the whole outage. What must hold:
// - the bot answers every message during the outage (degraded mode: commands work);
// - no payment callback answers 5xx (PostgreSQL is up: they should simply succeed; at worst the
//   protocol's own error, and then the provider's retry after recovery succeeds);
// - once Redis is back, without restarting Bozor: /readyz says ready again, sessions work (a
//   checkout conversation goes on past its first step), rate limits count again (pay.open answers
//   429 past its limit), the catalog cache serves an update;
// - every order is paid once and its goods delivered once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEmptyPostgresDb } from '../helpers/db.js'
import { hasRedisServer, startRestartableRedis } from '../helpers/private-services.js'
import { assertPaidAndDeliveredOnce, attemptPayment, chatLoad, newPayments, readyz, startShop, UZS, WAIT_MS, type Attempt } from '../helpers/reliability-shop.js'
import { eventually } from '../helpers/wait.js'

function assertNo5xx (attempts: Attempt[], when: string): void {
  for (const a of attempts) {
    for (const answer of a.answers) {
      assert.ok(answer.status !== 0, `${when}: ${answer.step} got no answer: ${String(answer.body)}`)
      assert.ok(answer.status < 500, `${when}: ${answer.step} answered ${answer.status} ${JSON.stringify(answer.body)}`)
    }
  }
}

test('Redis stopped under load and started again: the bot answers, callbacks never 5xx, sessions, limits and caches recover without a restart', { skip: hasRedisServer() ? false : 'redis-server is not installed' }, async (t) => {
  const redis = await startRestartableRedis(t)
  const databaseUrl = await createEmptyPostgresDb(t)
  const shop = await startShop(t, { databaseUrl, redisUrl: redis.url })
  const bozor = await shop.spawn({
    RATE_LIMITS: JSON.stringify({ 'bot.message': [{ limit: 1000, windowS: 3 }], 'checkout.attempt': [{ limit: 1000, windowS: 600 }], 'pay.open': [{ limit: 3, windowS: 600 }] })
  })
  const telegram = shop.telegram
  const payer = telegram.user({ firstName: 'Aziza', languageCode: 'en', started: true })
  const chatters = ['Bobur', 'Dilnoza', 'Farrukh'].map((firstName) => telegram.user({ firstName, languageCode: 'en', started: true }))
  assert.equal((await readyz(bozor)).body.status, 'ready')

  // before: one round of payments, and the load starts
  const payments = await newPayments(shop, bozor, payer, 0)
  const load = chatLoad(chatters)
  t.after(() => load.stop().catch(() => {}))
  const before = await Promise.all(payments.map((p) => attemptPayment(shop, bozor, p)))
  assertNo5xx(before, 'before the outage')

  // the outage: Redis is killed while the customers write and the providers call
  await redis.stop()
  const during = await newPayments(shop, bozor, payer, 10)
  payments.push(...during)
  const duringAttempts = await Promise.all(during.map((p) => attemptPayment(shop, bozor, p)))
  assertNo5xx(duringAttempts, 'during the outage')
  const degraded = await eventually('/readyz to report the store down', async () => {
    const r = await readyz(bozor)
    return r.body.checks?.kv === 'down' ? r : undefined
  }, { timeoutMs: WAIT_MS })
  assert.equal(degraded.status, 200)
  assert.equal(degraded.body.status, 'degraded')
  // a conversation step that needs the session asks to try again rather than failing silently
  const sessionUser = telegram.user({ firstName: 'Gulnora', languageCode: 'en', started: true })
  const productId = (await shop.admin(bozor, 'GET', '/products')).body.items[0].id as string
  // the merchant edits the catalog meanwhile: PostgreSQL is up, so the change is saved and said so
  const edited = await shop.admin(bozor, 'PATCH', `/products/${productId}`, { title: { en: 'Licence edited in the outage' } })
  assert.equal(edited.status, 200, JSON.stringify(edited.body))
  sessionUser.sendText(`/start p_${productId}`)
  await sessionUser.nextBotMessage({ timeoutMs: 20_000 })

  // back: same port, empty; Bozor is not restarted
  await redis.start()
  await eventually('/readyz to report ready again', async () => {
    const r = await readyz(bozor)
    return r.body.status === 'ready' && r.body.checks?.kv === 'up' ? r : undefined
  }, { timeoutMs: WAIT_MS })
  const after = await newPayments(shop, bozor, payer, 20)
  payments.push(...after)
  const afterAttempts = await Promise.all(after.map((p) => attemptPayment(shop, bozor, p)))
  assertNo5xx(afterAttempts, 'after the outage')
  const { answered } = await load.stop()
  assert.ok(answered >= chatters.length, 'the customers were answered all along')

  // the providers retry what was not done (none should be left, but a retry must succeed)
  const unfinished = payments.filter((p) => p.done !== true)
  for (const p of unfinished) {
    let last: Attempt | undefined
    await eventually(`${p.provider} payment of order ${p.orderId} to succeed`, async () => {
      last = await attemptPayment(shop, bozor, p)
      assertNo5xx([last], 'retry')
      return last.done ? true : undefined
    }, { timeoutMs: 30_000, intervalMs: 500 }).catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(last)}`) })
  }

  // sessions work again: a checkout conversation goes past the quantity step
  const shopper = telegram.user({ firstName: 'Hamid', languageCode: 'en', started: true })
  shopper.sendText(`/start p_${productId}`)
  await shopper.nextBotMessage({ timeoutMs: 20_000 })
  const card = await shopper.nextBotMessage({ timeoutMs: 20_000 })
  shopper.pressButton(card, '🛒 Buy')
  assert.match((await shopper.nextBotMessage({ timeoutMs: 20_000 })).text ?? '', /How many/)
  shopper.sendText('1')
  const next = await shopper.nextBotMessage({ timeoutMs: 20_000 })
  assert.doesNotMatch(next.text ?? '', /temporarily unavailable/)
  assert.match(next.text ?? '', /How would you like to pay|Order/, 'the session remembered the product')

  // limits count again: the fourth open of one order's pay link within the window is refused
  const pendingId = await shop.placeOrder(bozor, payer, UZS)
  const order = await shop.admin(bozor, 'GET', `/orders/${pendingId}`)
  const link = String(order.body.payUrls.payme)
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await fetch(link, { redirect: 'manual' })).status)
  assert.equal(statuses[3], 429, `pay.open statuses ${statuses.join(',')}`)

  // the catalog cache serves the current title after an update
  assert.equal((await shop.admin(bozor, 'PATCH', `/products/${productId}`, { title: { en: 'Licence renamed' } })).status, 200)
  const viewer = telegram.user({ firstName: 'Iroda', languageCode: 'en', started: true })
  viewer.sendText(`/start p_${productId}`)
  await viewer.nextBotMessage({ timeoutMs: 20_000 })
  const renamed = await viewer.nextBotMessage({ timeoutMs: 20_000 })
  assert.match(renamed.text ?? renamed.caption ?? '', /Licence renamed/)

  // the ledger: every order paid once, its goods delivered once
  await assertPaidAndDeliveredOnce(shop, bozor, payer, payments)
  bozor.child.kill('SIGTERM')
  assert.equal(await bozor.exited, 0, 'a clean stop after the outage')
})

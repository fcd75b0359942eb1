// Issue 14, part 5 (DESIGN.md `GET /pay/:orderId/:provider?t=<sig>`): pay links are signed, so
// counting ids reveals nothing. A missing or wrong `t` gets the same 404 page as an unknown order,
// spends no order's `pay.open` quota, and a link signed for one order does not open another.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { payPath } from '../helpers/pay-links.js'
import { seedOrder } from '../integration/payme-ledger-fixtures.js'

const ENV = {
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY: 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J',
  RATE_LIMITS: JSON.stringify({ 'pay.open': [{ limit: 2, windowS: 60 }], 'public.ip': [{ limit: 1000, windowS: 60 }] })
}

test('an unsigned or wrongly signed pay link is the 404 page, like an unknown order, and spends no quota', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database, clock })
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  const { orderId: other } = await seedOrder(database.db, { now: clock.now() })
  const unknown = await app.inject({ url: '/pay/999999/payme' })
  assert.equal(unknown.statusCode, 404)
  const refusals = [
    `/pay/${orderId}/payme`,
    `/pay/${orderId}/payme?t=`,
    `/pay/${orderId}/payme?t=AAAAAAAAAAAAAAAAAAAAAA`,
    payPath(other, 'payme').replace(`/pay/${other}/`, `/pay/${orderId}/`)
  ]
  for (const url of refusals) {
    const res = await app.inject({ url })
    assert.equal(res.statusCode, 404, url)
    assert.equal(res.body, unknown.body.replaceAll('999999', orderId), `${url}: the unknown-order page`)
  }
  // none of those spent the order's two opens
  assert.equal((await app.inject({ url: payPath(orderId, 'payme') })).statusCode, 302)
  assert.equal((await app.inject({ url: payPath(orderId, 'payme') })).statusCode, 302)
  assert.equal((await app.inject({ url: payPath(orderId, 'payme') })).statusCode, 429)
})

test('fuzz: GET /pay/:orderId/:provider with any t never answers 5xx and never redirects without the order\'s signature', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: { ...ENV, RATE_LIMITS: '{}' }, database, clock })
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  await fc.assert(fc.asyncProperty(
    fc.oneof(fc.string({ maxLength: 80 }), fc.base64String({ maxLength: 30 }), fc.constant(undefined)),
    fc.constantFrom(orderId, '0', '1001', 'abc', '99999999999999999999'),
    fc.constantFrom('payme', 'click', 'stripe', 'stars', 'x'),
    async (sig, id, provider) => {
      const res = await app.inject({ url: `/pay/${encodeURIComponent(id)}/${provider}`, query: sig === undefined ? {} : { t: sig } })
      assert.ok(res.statusCode < 500, `${res.statusCode} for t=${String(sig)}`)
      assert.notEqual(res.statusCode, 302, `redirected for t=${String(sig)}`)
    }
  ), { seed: 1207, numRuns: 60 })
})

// Issue 13 (one rule for one question): whether a Payme transaction still holds its order is
// decided from Payme's own `time` (its 12-hour timeout counts from it, specs/payme.md), and every
// caller reads the same candidates (src/adapters/postgres/hold-candidates.ts). Before, the
// admin's cancel (and the expiry job) counted from our create time while the pay link counted
// from Payme's: near the timeout one said "held" and the other "payable".
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDb } from '../helpers/db.js'
import { seedOrder } from '../integration/payme-ledger-fixtures.js'
import { payPath } from '../helpers/pay-links.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const TOKEN = 'issue-13-admin-token-0123456789'
const ENV = {
  ADMIN_TOKEN: TOKEN,
  PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
  PAYME_KEY: KEY,
  CLICK_SERVICE_ID: '12345',
  CLICK_MERCHANT_ID: '6789',
  CLICK_SECRET_KEY: 'SeCrEtKeY123'
}
const HOUR = 3_600_000

test('a Payme transaction past its 12 hours by Payme\'s time holds the order for nobody: the pay link and the admin cancel agree', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app } = await buildTestApp(t, { env: ENV, database, clock })
  const { orderId } = await seedOrder(database.db, { now: clock.now(), ttlMs: 24 * HOUR })
  // Payme created the transaction 11 h 59 min ago by its own clock (its `time`), a moment ago by ours
  const created = await app.inject({
    method: 'POST',
    url: '/payments/payme',
    headers: { 'content-type': 'application/json', authorization: paymeAuthHeader(KEY) },
    payload: JSON.stringify({ id: 1, method: 'CreateTransaction', params: { id: '6650a3f1c2e4b8a1d3f0c013', time: clock.now() - 12 * HOUR + 60_000, amount: 12_500_000, account: { order_id: orderId } } })
  })
  assert.equal((created.json() as { result?: { state: number } }).result?.state, 1)

  const heldLink = await app.inject({ url: payPath(orderId, 'click') })
  assert.equal(heldLink.statusCode, 409, 'while Payme\'s transaction is live the order is being paid')

  clock.advance(2 * 60_000)
  const link = await app.inject({ url: payPath(orderId, 'click') })
  assert.equal(link.statusCode, 302, 'past Payme\'s 12 hours the pay link offers the order again')
  const cancel = await app.inject({ method: 'POST', url: `/api/v1/orders/${orderId}/cancel`, headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(cancel.statusCode, 200, `the admin cancel sees the same: ${cancel.body}`)
  assert.equal((cancel.json() as { state: string }).state, 'cancelled')
})

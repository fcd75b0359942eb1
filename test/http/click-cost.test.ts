// What a Click callback costs in SQL (issue 18): counted by the database's own counters, never
// timed. Prepare and Complete are one transaction each holding their audit row (one commit,
// nothing else); a refused callback touches no table on the request path.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { clickForm, CLICK_FORM_HEADERS } from '../helpers/click.js'
import { createTestDb } from '../helpers/db.js'
import { auditRows, seedOrder } from '../integration/payme-ledger-fixtures.js'
import { buildCostApp } from './provider-cost-app.js'

const SECRET = 'SeCrEtKeY123'
const ENV = { CLICK_SERVICE_ID: '12345', CLICK_MERCHANT_ID: '6789', CLICK_SECRET_KEY: SECRET }

test('Click callbacks: the cost of each in statements and commits', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app, flushAudit } = await buildCostApp(t, ENV, database, clock)
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  const base = { orderId, amount: '125000.00', serviceId: '12345', clickTransId: '2387417364', paydocId: '3112459087' }
  const cost = async (route: 'prepare' | 'complete', payload: string) => {
    const before = { ...database.stats }
    const res = await app.inject({ method: 'POST', url: `/payments/click/${route}`, headers: CLICK_FORM_HEADERS, payload })
    assert.equal(res.statusCode, 200)
    return { answer: res.json() as { error: number, merchant_prepare_id?: number }, statements: database.stats.statements - before.statements, commits: database.stats.commits - before.commits, autocommits: database.stats.autocommits - before.autocommits }
  }
  const prepare = await cost('prepare', clickForm({ ...base, route: 'prepare', secret: SECRET }))
  assert.equal(prepare.answer.error, 0)
  const complete = await cost('complete', clickForm({ ...base, route: 'complete', secret: SECRET, prepareId: prepare.answer.merchant_prepare_id! }))
  assert.equal(complete.answer.error, 0)
  const forged = await cost('complete', clickForm({ ...base, route: 'complete', secret: 'not-the-secret', prepareId: prepare.answer.merchant_prepare_id! }))
  assert.equal(forged.answer.error, -1)
  console.log(JSON.stringify({ prepare, complete, forged }))
  assert.deepEqual([prepare.commits, prepare.autocommits], [1, 0], 'Prepare commits exactly once')
  assert.deepEqual([complete.commits, complete.autocommits], [1, 0], 'Complete commits exactly once')
  assert.deepEqual([forged.statements, forged.commits], [0, 0], 'a forged callback touches no table on the request path')
  assert.ok(prepare.statements <= 5, `Prepare: ${prepare.statements} statements`)
  assert.ok(complete.statements <= 10, `Complete: ${complete.statements} statements`)
  assert.equal((await auditRows(database.db)).length, 2)
  await flushAudit()
  const rows = await auditRows(database.db)
  assert.deepEqual(rows.map((r) => r.endpoint), ['POST /payments/click/prepare', 'POST /payments/click/complete', 'POST /payments/click/complete'])
  assert.equal((rows[2]!.request as { body: { summary: boolean } }).body.summary, true)
})

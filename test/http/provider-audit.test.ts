// What provider_audit keeps of Payme and Click calls refused before they were trusted (issue 19):
// a capped, hashed summary per call (never the body), counted in
// bozor_provider_unauthenticated_total, with the protocol's answers unchanged; and the audit's
// in-process queue (issue 18): bounded, drops and counts when full, written on stop.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { paymeAuthHeader } from '../../src/adapters/payme/payme-auth.js'
import { clickSignString, type ClickSignFields } from '../../src/adapters/click/click-sign.js'
import { createProviderAudit } from '../../src/adapters/postgres/provider-audit.js'
import type { Db } from '../../src/adapters/postgres/database.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { createTestDb } from '../helpers/db.js'
import { auditRows, seedOrder } from '../integration/payme-ledger-fixtures.js'
import { buildCostApp } from './provider-cost-app.js'

const PAYME_KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const CLICK_SECRET = 'click-secret-key-0123456789'
const ENV = { PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb', PAYME_KEY, CLICK_SERVICE_ID: '12345', CLICK_MERCHANT_ID: '67890', CLICK_SECRET_KEY: CLICK_SECRET }
const CALLS = 40
const PADDING = 200 * 1024

/** 200 KB that does not compress (a sha256 chain), so TOAST cannot hide a stored body. */
function noise (seed: string, bytes: number): string {
  let out = ''
  let h = seed
  while (out.length < bytes) { h = createHash('sha256').update(h).digest('hex'); out += h }
  return out.slice(0, bytes)
}

/** The bytes the audit table's rows take (heap tuples, TOAST included) and the table with its indexes. */
async function auditSize (db: Db): Promise<{ rows: number, relation: number }> {
  const result = await db.execute(sql`select coalesce(sum(pg_column_size(a.*)), 0)::bigint as rows, pg_total_relation_size('provider_audit')::bigint as relation from provider_audit a`)
  const row = (result as unknown as { rows: Array<{ rows: string | number, relation: string | number }> }).rows[0]!
  return { rows: Number(row.rows), relation: Number(row.relation) }
}

async function counted (metrics: { providerUnauthenticated: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>, value: number }> }> } }, provider: string): Promise<number> {
  return (await metrics.providerUnauthenticated.get()).values.find((v) => v.labels.provider === provider)?.value ?? 0
}

test('Payme: 40 unauthenticated calls of 200 KB keep a capped summary each (< 40 KB in all), are counted, and are answered −32504 as before', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app, metrics, flushAudit } = await buildCostApp(t, ENV, database, clock)
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  const before = await auditSize(database.db)
  for (let i = 0; i < CALLS; i++) {
    const body = JSON.stringify({ method: 'CreateTransaction', params: { id: '6650a3f1c2e4b8a1d3f09e77', time: clock.now(), amount: 12_500_000, account: { order_id: orderId }, padding: noise(`payme${i}`, PADDING) }, id: i + 1 })
    const headers: Record<string, string> = { 'content-type': 'text/json; charset=UTF-8' }
    if (i % 2 === 1) headers.authorization = paymeAuthHeader('not-the-key')
    const res = await app.inject({ method: 'POST', url: '/payments/payme', headers, payload: body })
    assert.equal(res.statusCode, 200)
    assert.deepEqual([res.json().id, res.json().error.code], [i + 1, -32504])
  }
  assert.equal(await counted(metrics, 'payme'), CALLS)
  await flushAudit()
  const rows = await auditRows(database.db)
  assert.equal(rows.length, CALLS)
  const after = await auditSize(database.db)
  assert.ok(after.rows - before.rows < 40 * 1024, `the audit rows take ${after.rows - before.rows} bytes`)
  const first = rows[0]!
  const kept = (first.request as { body: Record<string, unknown> }).body
  assert.equal(kept.summary, true)
  assert.equal(kept.method, 'CreateTransaction')
  assert.ok(typeof kept.bytes === 'number' && kept.bytes > PADDING)
  assert.match(String(kept.sha256), /^[0-9a-f]{64}$/)
  assert.ok(String(kept.excerpt).length <= 64)
  assert.equal(first.orderId, null, 'an untrusted call is filed against no order')
  assert.equal((first.response as { error: { code: number } }).error.code, -32504)
  console.log(JSON.stringify({ payme: { rowsBytes: after.rows - before.rows, relationBytes: after.relation - before.relation } }))
})

test('Click: 40 calls of 200 KB with a bad signature keep a capped summary each (< 40 KB in all), are counted, and are answered −1 as before', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app, metrics, flushAudit } = await buildCostApp(t, ENV, database, clock)
  const { orderId } = await seedOrder(database.db, { now: clock.now() })
  const before = await auditSize(database.db)
  for (let i = 0; i < CALLS; i++) {
    const fields = {
      click_trans_id: String(2387417364 + i),
      service_id: '12345',
      click_paydoc_id: '3112459087',
      merchant_trans_id: orderId,
      amount: '125000.00',
      action: '0',
      error: '0',
      error_note: noise(`click${i}`, PADDING),
      sign_time: '2026-01-01 15:00:00'
    } as Record<string, string> & ClickSignFields
    fields.sign_string = clickSignString(fields, 'not-the-secret')
    const res = await app.inject({ method: 'POST', url: `/payments/click/${i % 2 === 0 ? 'prepare' : 'complete'}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() })
    assert.equal(res.statusCode, 200)
    assert.equal(res.json().error, -1)
  }
  assert.equal(await counted(metrics, 'click'), CALLS)
  assert.equal(await counted(metrics, 'payme'), 0)
  await flushAudit()
  const rows = await auditRows(database.db)
  assert.equal(rows.length, CALLS)
  const after = await auditSize(database.db)
  assert.ok(after.rows - before.rows < 40 * 1024, `the audit rows take ${after.rows - before.rows} bytes`)
  const kept = (rows[0]!.request as { body: Record<string, unknown> }).body
  assert.deepEqual([kept.summary, kept.method, typeof kept.sha256], [true, '0', 'string'])
  assert.ok(!JSON.stringify(rows).includes(CLICK_SECRET))
  console.log(JSON.stringify({ click: { rowsBytes: after.rows - before.rows, relationBytes: after.relation - before.relation } }))
})

test('Payme: a call with valid auth whose body is not JSON keeps a summary, answered −32700, not counted as unauthenticated', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10))
  const database = await createTestDb(t)
  const { app, metrics, flushAudit } = await buildCostApp(t, ENV, database, clock)
  const payload = `{"method":"CheckTransaction" ${PAYME_KEY} ${'y'.repeat(5000)}`
  const res = await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'content-type': 'application/json', authorization: paymeAuthHeader(PAYME_KEY) }, payload })
  assert.deepEqual([res.json().id, res.json().error.code], [null, -32700])
  assert.equal(await counted(metrics, 'payme'), 0)
  await flushAudit()
  const [row] = await auditRows(database.db)
  const kept = (row!.request as { body: Record<string, unknown> }).body
  assert.deepEqual([kept.summary, kept.method, kept.bytes], [true, null, Buffer.byteLength(payload)])
  assert.ok(!JSON.stringify(row).includes(PAYME_KEY), 'the key is scrubbed from the excerpt too')
})

test('the audit queue is bounded: a full queue drops and counts, stop writes the rest in one batch', async (t) => {
  const database = await createTestDb(t)
  const drops: Array<[number, string]> = []
  const audit = createProviderAudit(database.db, { maxEntries: 3, intervalMs: 3_600_000, onDrop: (n, reason) => { drops.push([n, reason]) } })
  const entry = (i: number) => ({ provider: 'payme', endpoint: 'POST /payments/payme', body: { method: 'CheckTransaction', id: i }, response: { result: {} }, status: 200, now: Date.UTC(2026, 0, 1, 10) })
  for (let i = 0; i < 5; i++) audit.record(entry(i), [])
  assert.deepEqual(drops, [[1, 'buffer_full'], [1, 'buffer_full']])
  assert.equal((await auditRows(database.db)).length, 0, 'nothing written before a batch is due')
  const before = database.stats.statements
  await audit.close()
  assert.equal(database.stats.statements - before, 1)
  assert.deepEqual((await auditRows(database.db)).map((r) => (r.request as { body: { id: number } }).body.id), [0, 1, 2])
})

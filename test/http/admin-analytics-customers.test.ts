// Issue 16 (analytics, decisions 0061 and 0072): the funnel and the active customers over any range
// are the distinct counts their definition gives (decision 0031), whichever rows answer them: each
// customer's last days (`analytics_customer_last`) for a range that ends at the latest day, the
// bit sets of `analytics_customer_year` for the others. The answers are checked against a count
// made here from the base rows (`analytics_customer_day` and `shop_order`) for ranges over two
// calendar years, live and in sandbox mode, after the bot's batches, a roll-up, a customer's
// erasure (ids rewritten) and a sandbox clear (rows deleted).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { eq, sql } from 'drizzle-orm'
import { analyticsCustomerDay, customer, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createAnalyticsStore } from '../../src/adapters/postgres/analytics-store.js'
import type { Database } from '../../src/adapters/postgres/database.js'
import { addDays, dayIn, type EventName } from '../../src/domain/analytics/events.js'
import { createTestDb } from '../helpers/db.js'

const TZ = 'Asia/Tashkent'
const NOW = Date.parse('2026-03-10T12:00:00Z')
const TODAY = '2026-03-10'
const FIRST = '2025-11-20'
const STEP_EVENTS: Array<[number, EventName]> = [[1, 'bot.started'], [2, 'catalog.opened'], [4, 'product.viewed'], [8, 'checkout.started']]

/** A small fixed-seed generator (mulberry32): the same rows on every run. */
function random (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Noon in Tashkent of `day` plus `minutes`, as an instant. */
const noonOf = (day: string, minutes = 0): number => Date.parse(`${day}T07:00:00Z`) + minutes * 60_000

interface Base { days: Array<{ day: string, customer: number, steps: number, sandbox: boolean }>, paid: Array<{ day: string, customer: number, sandbox: boolean }> }

async function readBase (database: Database): Promise<Base> {
  const days = await database.db.select().from(analyticsCustomerDay)
  const orders = await database.db.select({ customer: shopOrder.customerTelegramId, paidAt: shopOrder.paidAt, sandbox: shopOrder.sandbox }).from(shopOrder)
  return {
    days: days.map((d) => ({ day: d.day, customer: d.customerTelegramId, steps: d.steps, sandbox: d.sandbox })),
    paid: orders.flatMap((o) => o.paidAt === null ? [] : [{ day: dayIn(o.paidAt.getTime(), TZ), customer: o.customer, sandbox: o.sandbox }])
  }
}

/** The definition (decision 0031): a customer counts at every step up to the furthest reached in the range; paid is an order paid in it. */
function expected (base: Base, range: { from: string, to: string }, includeSandbox: boolean): { funnel: number[], active: number } {
  const inRange = (r: { day: string, sandbox: boolean }): boolean => r.day >= range.from && r.day <= range.to && (includeSandbox || !r.sandbox)
  const level = new Map<number, number>()
  const active = new Set<number>()
  for (const d of base.days.filter(inRange)) {
    active.add(d.customer)
    const reached = d.steps & 8 ? 4 : d.steps & 4 ? 3 : d.steps & 2 ? 2 : d.steps & 1 ? 1 : 0
    if (reached > 0) level.set(d.customer, Math.max(level.get(d.customer) ?? 0, reached))
  }
  for (const p of base.paid.filter(inRange)) level.set(p.customer, 5)
  const funnel = [1, 2, 3, 4, 5].map((k) => [...level.values()].filter((l) => l >= k).length)
  return { funnel, active: active.size }
}

const RANGES = [TODAY, '2026-03-09', '2026-01-15', '2025-12-31'].flatMap((to) =>
  [0, 6, 29, 364].map((back) => ({ from: addDays(to, -back), to })).concat([{ from: '2025-12-20', to }]))

async function check (database: Database, label: string): Promise<void> {
  const base = await readBase(database)
  for (const includeSandbox of [false, true]) {
    const store = createAnalyticsStore(database.db, { timezone: TZ, sandbox: includeSandbox, includeSandbox })
    for (const range of RANGES.filter((r) => r.from <= r.to)) {
      const want = expected(base, range, includeSandbox)
      const what = `${label}, ${range.from}..${range.to}${includeSandbox ? ', sandbox mode' : ''}`
      assert.deepEqual(await store.funnel(range), want.funnel, `funnel, ${what}`)
      assert.equal(await store.activeCustomers(range), want.active, `active customers, ${what}`)
    }
  }
}

test('the funnel and active customers equal their definition over two years, from the last days and from the year bits, live and in sandbox mode, after erasure and a sandbox clear', async (t) => {
  const database = await createTestDb(t)
  const db = database.db
  const next = random(20261207)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const span = Math.round((Date.parse(TODAY) - Date.parse(FIRST)) / 86_400_000)
  const ids = Array.from({ length: 40 }, (_, i) => 9_100_001 + i)
  await db.insert(customer).values(ids.map((telegramId) => ({ telegramId, firstName: `C${telegramId}`, firstSeenAt: new Date(noonOf(FIRST)), lastSeenAt: new Date(NOW) })))

  // the bot's batches: live customers, and some in the sandbox (its own store writes sandbox rows)
  const live = createAnalyticsStore(db, { timezone: TZ, sandbox: false, includeSandbox: false })
  const sandbox = createAnalyticsStore(db, { timezone: TZ, sandbox: true, includeSandbox: true })
  for (let batch = 0; batch < 6; batch++) {
    type Entry = Parameters<typeof live.appendBatch>[0][number]
    const entries: Entry[] = []
    const sandboxEntries: Entry[] = []
    for (let i = 0; i < 40; i++) {
      const who = pick(ids)
      const day = addDays(FIRST, Math.floor(next() * (span + 1)))
      const at = noonOf(day, Math.floor(next() * 600))
      const step = next() < 0.2 ? undefined : pick(STEP_EVENTS)[1]
      const entry = step === undefined ? { customerTelegramId: who, at } : { customerTelegramId: who, at, event: { name: step, customerTelegramId: who, at } }
      ;(who % 7 === 0 ? sandboxEntries : entries).push(entry)
    }
    await live.appendBatch(entries)
    await sandbox.appendBatch(sandboxEntries)
  }
  // someone seen today, so the ranges ending today end at the latest day
  await live.appendBatch([{ customerTelegramId: ids[0]!, at: noonOf(TODAY), event: { name: 'bot.started', customerTelegramId: ids[0]!, at: noonOf(TODAY) } }])

  // paid orders: some on days the analytics job rolls up, some today (not rolled), some in the sandbox
  const pay = async (who: number, day: string, sandboxed = false): Promise<void> => {
    const paidAt = new Date(noonOf(day, 30))
    await db.insert(shopOrder).values({ customerTelegramId: who, state: 'paid', currency: 'USD', totalAmount: 500, sandbox: sandboxed, expiresAt: new Date(NOW + 3_600_000), paidAt, createdAt: paidAt })
  }
  for (let i = 0; i < 25; i++) await pay(pick(ids), addDays(FIRST, Math.floor(next() * span)), next() < 0.2)
  await pay(ids[3]!, TODAY)
  await pay(ids[5]!, TODAY)
  // one who paid and never used the bot
  await pay(9_199_999, '2026-01-10')

  await check(database, 'the bot\'s rows, nothing rolled up')
  const store = createAnalyticsStore(db, { timezone: TZ, sandbox: false, includeSandbox: false })
  for (let run = 0; run < 6; run++) await store.maintain(NOW)
  const [rolled] = (await db.execute(sql`select count(*)::int as n from analytics_rolled_day`)).rows as Array<{ n: number }>
  assert.ok(rolled!.n > 100, `the finished days rolled up (${rolled!.n})`)
  await check(database, 'rolled up')

  // a customer's erasure rewrites their ids, a sandbox clear deletes its rows
  await db.update(analyticsCustomerDay).set({ customerTelegramId: -9_100_002 }).where(eq(analyticsCustomerDay.customerTelegramId, ids[1]!))
  await db.delete(analyticsCustomerDay).where(eq(analyticsCustomerDay.sandbox, true))
  await check(database, 'after an erasure and a sandbox clear')
})

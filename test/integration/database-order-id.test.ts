// Order ids are decimal strings of the order_id_seq sequence (DESIGN.md: `"1042"`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'drizzle-orm'
import { shopOrder } from '../../src/adapters/postgres/schema.js'
import { createTestDb } from '../helpers/db.js'

test('order ids are consecutive decimal strings starting at 1001', async (t) => {
  const { db } = await createTestDb(t)
  const values = { customerTelegramId: 7, currency: 'USD', totalAmount: 500, expiresAt: new Date(Date.now() + 60_000) }
  const inserted = await db.insert(shopOrder).values([values, values, values]).returning({ id: shopOrder.id })
  assert.deepEqual(inserted.map((row) => row.id), ['1001', '1002', '1003'])

  const asText = await db.execute<{ id: string }>(sql`select id::text as id from shop_order order by id`)
  assert.deepEqual(asText.rows.map((row) => row.id), ['1001', '1002', '1003'])

  const [next] = await db.insert(shopOrder).values(values).returning({ id: shopOrder.id })
  assert.equal(next?.id, '1004')
  const found = await db.query.shopOrder.findFirst({ where: (order, { eq }) => eq(order.id, '1002') })
  assert.equal(found?.id, '1002')
  assert.equal(found?.state, 'pending')
  assert.deepEqual(found?.flags, [])
})

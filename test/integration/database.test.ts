// The database adapter against this leg's database: migrations, concurrent migration, ping().
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { getTableName, is, isNull, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import { findMigrationsFolder, IN_MEMORY, openDatabase, type Db } from '../../src/adapters/postgres/database.js'
import * as schema from '../../src/adapters/postgres/schema.js'
import { outbox } from '../../src/adapters/postgres/schema.js'
import { createEmptyPostgresDb, createTestDb, testLeg } from '../helpers/db.js'

const schemaTables = Object.values(schema).filter((value) => is(value, PgTable)).map((table) => getTableName(table)).sort()
const journal = JSON.parse(readFileSync(join(findMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }

async function publicTables (db: Db): Promise<string[]> {
  const result = await db.execute<{ table_name: string }>(sql`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`)
  return result.rows.map((row) => row.table_name)
}

async function appliedMigrations (db: Db): Promise<number> {
  const result = await db.execute<{ count: number }>(sql`select count(*)::int as count from drizzle.__drizzle_migrations`)
  return Number(result.rows[0]?.count)
}

test('the migrations create every table of the schema', async (t) => {
  const { db } = await createTestDb(t)
  assert.ok(schemaTables.includes('shop_order'))
  assert.deepEqual(await publicTables(db), schemaTables)
  assert.equal(await appliedMigrations(db), journal.entries.length)
})

test('migrate() on a migrated database changes nothing', async (t) => {
  const database = await createTestDb(t)
  await database.migrate()
  await Promise.all([database.migrate(), database.migrate()])
  assert.equal(await appliedMigrations(database.db), journal.entries.length)
  assert.deepEqual(await publicTables(database.db), schemaTables)
})

test('two instances migrating a fresh PostgreSQL database at once apply the schema once', {
  skip: testLeg() === 'embedded' ? 'PostgreSQL only: PGlite allows one process per data directory' : false
}, async (t) => {
  const url = await createEmptyPostgresDb(t)
  const first = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY })
  const second = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY })
  t.after(() => Promise.all([first.close(), second.close()]))
  await Promise.all([first.migrate(), second.migrate()])
  assert.equal(await appliedMigrations(first.db), journal.entries.length)
  assert.deepEqual(await publicTables(second.db), schemaTables)
})

test('a transaction commits its rows together or none of them', async (t) => {
  const { db } = await createTestDb(t)
  const enqueue = (tx: Db, topic: string) => tx.insert(outbox).values({ topic, payload: { orderId: '1001' } })
  await db.transaction(async (tx) => {
    await enqueue(tx, 'goods.deliver')
    await enqueue(tx, 'customer.notify')
  })
  await assert.rejects(db.transaction(async (tx) => {
    await enqueue(tx, 'merchant.notify')
    throw new Error('rolled back')
  }), /rolled back/)
  const claimed = await db.transaction((tx) => tx.select({ topic: outbox.topic }).from(outbox)
    .where(isNull(outbox.doneAt)).orderBy(outbox.id).for('update', { skipLocked: true }))
  assert.deepEqual(claimed.map((row) => row.topic), ['goods.deliver', 'customer.notify'])
})

test('ping() answers true while open and false once closed', async (t) => {
  const database = await createTestDb(t)
  assert.equal(await database.ping(), true)
  await database.close()
  assert.equal(await database.ping(), false)
})

test('ping() answers false for an unreachable PostgreSQL without hanging', { timeout: 15_000 }, async (t) => {
  const database = await openDatabase({ databaseUrl: 'postgres://root@127.0.0.1:1/x', dataDir: IN_MEMORY, connectTimeoutMs: 1000 })
  t.after(() => database.close())
  assert.equal(database.kind, 'postgres')
  assert.equal(await database.ping(), false)
})

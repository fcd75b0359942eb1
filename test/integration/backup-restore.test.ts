// `bozor backup <file>` and `bozor restore <file> [--force]` (issue 19 point 2; DESIGN.md "Running
// in production"): a shop with orders, payments, a refund and a photo's bytes round-trips through
// the CLI into an empty database of the same storage (PGlite's data-dir dump on the embedded leg,
// pg_dump/pg_restore on the services leg), row for row, and keeps working there (the order-id
// sequence goes on). A restore into a database that holds data is refused without --force, and
// with it replaces the data (PGlite: the old directory kept beside it); a file that is not a
// backup is refused and changes nothing. Backup beside a running server: cli-beside-server.test.ts.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc } from 'drizzle-orm'
import { openDatabase, type Database } from '../../src/adapters/postgres/database.js'
import { paymentRefund, paymentTransaction, product, productPhoto, shopOrder } from '../../src/adapters/postgres/schema.js'
import { createEmptyPostgresDb, seedDataDir, testLeg } from '../helpers/db.js'
import { spawnBozor } from '../helpers/process.js'
import { seedOrder } from './payme-ledger-fixtures.js'

const embedded = testLeg() === 'embedded'

function tempDir (t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An empty storage of this leg: a fresh DATA_DIR, or an empty PostgreSQL database. */
async function emptyStorage (t: TestContext): Promise<Record<string, string>> {
  if (!embedded) return { DATABASE_URL: await createEmptyPostgresDb(t) }
  return { DATA_DIR: tempDir(t, 'bozor-restore-') }
}

async function withDb<T> (env: Record<string, string>, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? './data' })
  try { return await work(database) } finally { await database.close() }
}

async function bozor (t: TestContext, args: string[], env: Record<string, string>): Promise<{ code: number | null, out: string, err: string }> {
  const child = spawnBozor(t, 'src/cli.ts', args, { env })
  const code = await child.exited
  return { code, out: child.stdout.join('\n'), err: child.stderr.join('') }
}

/** Everything the round trip must keep, in a stable order. */
async function shopRows (database: Database): Promise<unknown> {
  const { db } = database
  return {
    products: await db.select().from(product).orderBy(asc(product.id)),
    orders: await db.select().from(shopOrder).orderBy(asc(shopOrder.id)),
    payments: await db.select().from(paymentTransaction).orderBy(asc(paymentTransaction.seq)),
    refunds: await db.select().from(paymentRefund).orderBy(asc(paymentRefund.id)),
    photos: await db.select().from(productPhoto).orderBy(asc(productPhoto.id))
  }
}

test('a shop with orders, payments, a refund and a photo round-trips through bozor backup and bozor restore', async (t) => {
  const source = await emptyStorage(t)
  if (embedded) await seedDataDir(source.DATA_DIR!)
  const now = Date.parse('2026-12-01T10:00:00Z')
  const photoBytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02, 0xfe, 0x80, 0x7f])
  const original = await withDb(source, async (database) => {
    await database.migrate()
    const { db } = database
    const paid = await seedOrder(db, { now, state: 'paid', amount: 1_500_000, telegramId: 71 })
    await seedOrder(db, { now, amount: 990, currency: 'USD', telegramId: 72 })
    await db.insert(paymentTransaction).values({ id: 'ptx_backup_1', orderId: paid.orderId, provider: 'payme', providerTransactionId: '63f1c0ffee', state: 'succeeded', providerState: 2, amount: 1_500_000, currency: 'UZS', refundedAmount: 500_000, raw: { note: 'ünïcode ✓' } })
    await db.insert(paymentRefund).values({ id: 'ref_backup_1', orderId: paid.orderId, transactionId: 'ptx_backup_1', provider: 'payme', amount: 500_000, currency: 'UZS', state: 'succeeded', origin: 'admin' })
    await db.insert(productPhoto).values({ id: 'pho_backup00000000000000000001', productId: paid.productId, contentType: 'image/jpeg', size: photoBytes.length, sha256: 'x', data: photoBytes })
    return await shopRows(database)
  })

  const dumps = tempDir(t, 'bozor-backup-')
  const file = join(dumps, 'nested', 'shop.bozor')
  const backup = await bozor(t, ['backup', file], source)
  assert.equal(backup.code, 0, backup.err)
  assert.match(backup.out, new RegExp(`^backup written: ${file.replace(/[.]/g, '\\.')} \\((embedded database|PostgreSQL), \\d+ bytes\\)$`))
  assert.deepEqual(readdirSync(join(dumps, 'nested')), ['shop.bozor'], 'no partial file is left')

  // into an empty storage: every row as it was, bytes included, and the shop goes on
  const target = await emptyStorage(t)
  const restored = await bozor(t, ['restore', file], target)
  assert.equal(restored.code, 0, restored.err)
  assert.match(restored.out, /^restored .* into the (embedded database in .*|PostgreSQL database); start the server/)
  await withDb(target, async (database) => {
    await database.migrate()
    assert.deepEqual(await shopRows(database), original)
    const [photo] = await database.db.select().from(productPhoto)
    assert.deepEqual(Buffer.from(photo!.data), photoBytes)
    const before = (original as { orders: Array<{ id: string }> }).orders.map((o) => Number(o.id))
    const next = await seedOrder(database.db, { now, telegramId: 73 })
    assert.ok(Number(next.orderId) > Math.max(...before), 'the order-id sequence continues after the restored orders')
  })

  // a second restore into it is refused: it holds data now, and nothing changes
  const refused = await bozor(t, ['restore', file], target)
  assert.equal(refused.code, 1)
  assert.match(refused.err, embedded ? /holds a database; restoring would replace it: add --force/ : /the database holds \d+ tables; restoring would replace them: add --force/)
  assert.equal(await withDb(target, async (database) => (await database.db.select().from(shopOrder)).length), 3)

  // --force replaces it with the backup (the order made after the restore is gone)
  const forced = await bozor(t, ['restore', file, '--force'], target)
  assert.equal(forced.code, 0, forced.err)
  assert.equal(await withDb(target, async (database) => (await database.db.select().from(shopOrder)).length), 2)
  if (embedded) {
    assert.match(forced.out, /the database it replaced is kept in .*pglite\.before-restore-/)
    assert.equal(readdirSync(target.DATA_DIR!).filter((f) => f.startsWith('pglite.before-restore-')).length, 1)
  }
})

test('bozor restore refuses what is not a backup of this storage, and bad command lines', async (t) => {
  const target = await emptyStorage(t)
  const dir = tempDir(t, 'bozor-notbackup-')
  const junk = join(dir, 'junk.bin')
  writeFileSync(junk, 'SELECT 1; -- not a backup\n')
  const notBackup = await bozor(t, ['restore', junk], target)
  assert.equal(notBackup.code, 1)
  assert.match(notBackup.err, /is not a Bozor backup/)
  // the other storage's format: a gzip stream for PostgreSQL, a pg_dump archive's magic for PGlite
  const other = join(dir, 'other.bozor')
  writeFileSync(other, embedded ? Buffer.from('PGDMP\u0001\u000e\u0000') : Buffer.from([0x1f, 0x8b, 0x08, 0x00]))
  const wrongKind = await bozor(t, ['restore', other], target)
  assert.equal(wrongKind.code, 1)
  assert.match(wrongKind.err, embedded ? /is a backup of the PostgreSQL database; this restore goes to the embedded database/ : /is a backup of the embedded database \(PGlite\); this restore goes to DATABASE_URL/)
  if (embedded) assert.ok(!existsSync(join(target.DATA_DIR!, 'pglite')), 'a refused restore writes nothing')

  assert.equal((await bozor(t, ['restore'], target)).code, 2)
  assert.equal((await bozor(t, ['restore', junk, '--frobnicate'], target)).code, 2)
  const missing = await bozor(t, ['restore', join(dir, 'nope.bozor')], target)
  assert.deepEqual([missing.code, missing.err], [1, `bozor: no file ${join(dir, 'nope.bozor')}\n`])
  assert.equal((await bozor(t, ['backup'], target)).code, 2)
})

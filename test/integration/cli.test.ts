import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBozor } from '../helpers/process.js'
import { createEmptyPostgresDb, testLeg } from '../helpers/db.js'
import { openDatabase } from '../../src/adapters/postgres/database.js'
import { verifyAdminToken } from '../../src/adapters/postgres/admin-tokens.js'
import { product } from '../../src/adapters/postgres/schema.js'

/** Storage for the CLI: an empty PostgreSQL database (services leg) or a fresh DATA_DIR (embedded). */
async function storageEnv (t: TestContext): Promise<Record<string, string>> {
  if (testLeg() === 'services') return { DATABASE_URL: await createEmptyPostgresDb(t) }
  const dir = mkdtempSync(join(tmpdir(), 'bozor-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return { DATA_DIR: dir }
}

async function bozor (t: TestContext, args: string[], env: Record<string, string>): Promise<{ code: number | null, out: string, err: string }> {
  const child = spawnBozor(t, 'src/cli.ts', args, { env })
  const code = await child.exited
  return { code, out: child.stdout.join('\n'), err: child.stderr.join('') }
}

async function withDb<T> (env: Record<string, string>, work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? './data' })
  try { return await work(database) } finally { await database.close() }
}

test('bozor --help lists every command', async (t) => {
  const { code, out } = await bozor(t, ['--help'], {})
  assert.equal(code, 0)
  for (const command of ['bozor start', 'bozor migrate', 'bozor seed --demo', 'bozor token create', 'bozor token revoke', 'bozor login']) assert.ok(out.includes(command), command)
})

test('bozor migrate, seed --demo twice, token create and revoke work on the configured database', async (t) => {
  const env = await storageEnv(t)
  const migrated = await bozor(t, ['migrate'], env)
  assert.equal(migrated.code, 0, migrated.err)
  assert.match(migrated.out, /migrations applied/)

  const seeded = await bozor(t, ['seed', '--demo'], env)
  assert.equal(seeded.code, 0, seeded.err)
  assert.match(seeded.out, /demo catalog: 2 categories, 4 products/)
  const again = await bozor(t, ['seed', '--demo'], env)
  assert.match(again.out, /demo catalog: 0 categories, 0 products/, 'seeding is idempotent')

  const created = await bozor(t, ['token', 'create', '--name', 'ci', '--scope', 'write'], env)
  assert.equal(created.code, 0, created.err)
  const id = /id: +(tok_[0-9a-f]{16})/.exec(created.out)?.[1]
  const token = /token: +(\S+)/.exec(created.out)?.[1]
  assert.ok(id !== undefined && token !== undefined, created.out)
  await withDb(env, async (database) => {
    assert.deepEqual(await verifyAdminToken(database.db, token), { id, name: 'ci', scope: 'write' })
    assert.equal((await database.db.select().from(product)).length, 4)
  })

  const revoked = await bozor(t, ['token', 'revoke', id], env)
  assert.equal(revoked.code, 0, revoked.err)
  await withDb(env, async (database) => {
    assert.equal(await verifyAdminToken(database.db, token), undefined, 'a revoked token no longer verifies')
  })
  const twice = await bozor(t, ['token', 'revoke', id], env)
  assert.equal(twice.code, 2)
  assert.match(twice.err, /no live token/)
})

test('bozor refuses unknown commands and bad token arguments with exit code 2', async (t) => {
  const unknown = await bozor(t, ['frobnicate'], {})
  assert.equal(unknown.code, 2)
  assert.match(unknown.err, /unknown command "frobnicate"/)
  const scope = await bozor(t, ['token', 'create', '--name', 'x', '--scope', 'admin'], {})
  assert.equal(scope.code, 2)
  assert.match(scope.err, /--scope read or --scope write/)
})

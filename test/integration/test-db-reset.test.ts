// The embedded leg hands a passed test's PGlite to the next test of its process after
// resetToSeed (test/helpers/db.ts): a reset one must be a fresh seed's equal, table by table and
// sequence by sequence, and one a reset cannot clean must not be handed on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import { createTestDb, openSeedPglite, resetToSeed, testLeg } from '../helpers/db.js'

const skip = testLeg() === 'embedded' ? false : 'embedded leg only: the services leg clones a template per test'

const USER_SCHEMAS = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'"

async function names (client: PGlite, kinds: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`
    select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in (${kinds}) and ${USER_SCHEMAS} order by 1`)
  return rows.map((row) => row.name)
}

/** Everything a test could read: each table's rows, each sequence, and the session's state. */
async function snapshot (client: PGlite): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {}
  for (const table of await names(client, "'r', 'p'")) {
    const { rows } = await client.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t order by 1`)
    state[`table ${table}`] = rows.map((r) => r.row)
  }
  for (const sequence of await names(client, "'S'")) {
    const { rows } = await client.query(`select last_value::text, is_called from ${sequence}`)
    state[`sequence ${sequence}`] = rows
  }
  const session = {
    settings: 'select name, setting from pg_settings where source = \'session\' order by 1',
    advisoryLocks: "select count(*)::int as n from pg_locks where locktype = 'advisory'",
    prepared: 'select name from pg_prepared_statements order by 1',
    temporary: "select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname like 'pg_temp%' order by 1",
    listening: 'select * from pg_listening_channels()'
  }
  for (const [what, query] of Object.entries(session)) state[`session ${what}`] = (await client.query(query)).rows
  return state
}

/** A value of `type` for a NOT NULL column without a default: the first literal a CHECK on it names, else a plain one. */
function valueOf (column: string, type: string, udt: string, length: number | null, checks: string[]): string {
  for (const check of checks) {
    const literal = new RegExp(`\\b${column}\\b[^']*'([^']*)'`).exec(check)
    if (literal !== null) return literal[1] === '^[A-Z]{3}$' ? "'UZS'" : `'${literal[1]}'`
  }
  if (type === 'bit') return `'${'0'.repeat(length ?? 1)}'`
  if (type === 'USER-DEFINED') return `(select enumlabel::${udt} from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = '${udt}' order by enumsortorder limit 1)`
  if (type === 'ARRAY') return "'{}'"
  if (/int|numeric|double|real/.test(type)) return '1'
  if (type === 'boolean') return 'true'
  if (type.startsWith('timestamp') || type === 'date') return 'now()'
  if (type === 'jsonb' || type === 'json') return "'{}'"
  if (type === 'uuid') return 'gen_random_uuid()'
  if (type === 'bytea') return "'\\x00'"
  return "'x'"
}

/** Puts a row in every table it can (foreign keys off), advances every sequence, and leaves session state. */
async function dirty (client: PGlite): Promise<string[]> {
  await client.exec("set session_replication_role = replica; set timezone = 'Asia/Tashkent'; set statement_timeout = 12345")
  const filled: string[] = []
  for (const table of await names(client, "'r', 'p'")) {
    const [schemaName, tableName] = table.split('.').map((part) => part.replaceAll('"', ''))
    const checks = (await client.query<{ def: string }>("select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'c'", [table])).rows.map((row) => row.def)
    const { rows: columns } = await client.query<{ column_name: string, data_type: string, udt_name: string, character_maximum_length: number | null }>(`
      select column_name, data_type, udt_name, character_maximum_length from information_schema.columns
      where table_schema = $1 and table_name = $2 and is_nullable = 'NO' and column_default is null and is_generated = 'NEVER' and is_identity = 'NO'
      order by ordinal_position`, [schemaName, tableName])
    const insert = columns.length === 0
      ? `insert into ${table} default values`
      : `insert into ${table} (${columns.map((c) => `"${c.column_name}"`).join(', ')}) values (${columns.map((c) => valueOf(c.column_name, c.data_type, c.udt_name, c.character_maximum_length, checks)).join(', ')})`
    try {
      await client.exec(insert)
      filled.push(table)
    } catch {
      // a CHECK the generic values miss: the table stays empty, the other tables still count
    }
  }
  for (const sequence of await names(client, "'S'")) await client.query(`select nextval('${sequence}'), nextval('${sequence}')`)
  await client.exec(`
    select pg_advisory_lock(42);
    prepare left_behind as select 1;
    create temporary table left_behind (x int);
    reset session_replication_role;`)
  return filled
}

test('a PGlite reset to the seed holds what a fresh one holds, table by table and sequence by sequence', { skip }, async (t) => {
  const fresh = await openSeedPglite()
  const used = await openSeedPglite()
  t.after(() => Promise.all([fresh.close(), used.close()]))
  const seed = await snapshot(fresh)
  const filled = await dirty(used)
  const tables = await names(used, "'r', 'p'")
  // most tables got a row (a few have CHECKs the generic values miss), every sequence moved
  assert.ok(filled.length >= tables.length * 0.8, `only ${filled.length} of ${tables.length} tables filled: ${filled.join(', ')}`)
  const before = await snapshot(used)
  for (const table of filled) assert.notDeepEqual(before[`table ${table}`], seed[`table ${table}`], table)
  for (const key of Object.keys(seed).filter((k) => k.startsWith('sequence '))) assert.notDeepEqual(before[key], seed[key], key)
  for (const key of ['session settings', 'session advisoryLocks', 'session prepared', 'session temporary']) assert.notDeepEqual(before[key], seed[key], key)

  assert.equal(await resetToSeed(used), true)
  const after = await snapshot(used)
  assert.deepEqual(Object.keys(after), Object.keys(seed))
  for (const key of Object.keys(seed)) assert.deepEqual(after[key], seed[key], key)
  // the next values drawn match too
  for (const key of Object.keys(seed).filter((k) => k.startsWith('sequence '))) {
    const sequence = key.slice('sequence '.length)
    const next = async (client: PGlite): Promise<unknown> => (await client.query(`select nextval('${sequence}')::text as v`)).rows
    assert.deepEqual(await next(used), await next(fresh), sequence)
  }
})

test('a PGlite still listening, or whose schema a test changed, is not reset (it is closed instead)', { skip }, async (t) => {
  const listening = await openSeedPglite()
  const altered = await openSeedPglite()
  t.after(() => Promise.all([listening.close(), altered.close()]))
  const migrations = async (client: PGlite): Promise<number> => (await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations')).rows[0]!.n
  const applied = await migrations(listening)
  await listening.exec("insert into drizzle.__drizzle_migrations (hash, created_at) values ('x', 1)")
  await listening.listen('wake', () => {})
  assert.equal(await resetToSeed(listening), false)
  assert.equal(await migrations(listening), applied + 1)
  await altered.exec('create index left_behind on drizzle.__drizzle_migrations (created_at)')
  assert.equal(await resetToSeed(altered), false)
})

test('a passed test\'s database reaches the next test empty, and the first test\'s handle acts closed', { skip }, async (t) => {
  const count = sql`select count(*)::int as n from drizzle.__drizzle_migrations`
  let first: Awaited<ReturnType<typeof createTestDb>> | undefined
  let applied = 0
  await t.test('first', async (t) => {
    first = await createTestDb(t)
    applied = (await first.db.execute<{ n: number }>(count)).rows[0]!.n
    await first.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('x', 1)`)
  })
  await t.test('second', async (t) => {
    const second = await createTestDb(t)
    assert.equal((await second.db.execute<{ n: number }>(count)).rows[0]!.n, applied)
    assert.equal(await first!.ping(), false)
    await assert.rejects(first!.db.execute(sql`select 1`))
  })
})

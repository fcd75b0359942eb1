// The database keeper of a PostgreSQL test leg (test/helpers/db-keeper.ts): a test takes a clone
// it made ahead, that clone is the template's equal, a passed test's database is dropped by the
// keeper, a failed test's is kept, and nothing the keeper made outlives it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import { startDbKeeper } from '../helpers/db-keeper.js'
import { createPostgresTestDb, templateDatabase, testDatabaseUrl, testLeg, withAdminClient } from '../helpers/db.js'

const skip = testLeg() === 'services' ? false : 'services leg only: the keeper clones PostgreSQL databases'

async function databasesLike (prefix: string[]): Promise<string[]> {
  return await withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1) order by 1', [prefix])
    return rows.map((r) => r.datname)
  })
}

async function until (check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** A TestDbContext whose test ends as told when `end(passed)` runs its after hooks. */
function fakeTest (): { after (fn: () => unknown): void, readonly passed: boolean | undefined, end (passed: boolean): Promise<void> } {
  const hooks: Array<() => unknown> = []
  let passed: boolean | undefined
  return {
    after: (fn) => { hooks.push(fn) },
    get passed () { return passed },
    end: async (result) => {
      passed = result
      for (let i = 0; i < hooks.length; i++) await hooks[i]!()
    }
  }
}

test('a test takes a clone the keeper made ahead; a passed test\'s database is dropped, a failed one\'s kept, also after its connection was lost; the rest goes with the keeper', { skip }, async (t) => {
  const logged: string[] = []
  const applicationName = `bozor-keeper-test-${process.pid}`
  const keeper = startDbKeeper({ adminUrl: testDatabaseUrl(), template: templateDatabase(), ready: 2, applicationName, log: (line) => logged.push(line) })
  const readyDir = join(keeper.dir, 'ready')
  const saved = process.env.BOZOR_TEST_DB_KEEPER
  process.env.BOZOR_TEST_DB_KEEPER = keeper.dir
  const keep: string[] = [] // dropped by this test at its end
  t.after(async () => {
    process.env.BOZOR_TEST_DB_KEEPER = saved
    await keeper.stop()
    for (const name of keep) await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  })

  await until(() => readdirSync(readyDir).length === 2, 'two clones ready')
  const made = readdirSync(readyDir).sort()
  assert.deepEqual(await databasesLike(made), made, 'each ready file names a database that exists')

  const passing = fakeTest()
  const { database, url } = await createPostgresTestDb(passing)
  const name = new URL(url).pathname.slice(1)
  assert.ok(made.includes(name), `${name} is one of the clones made ahead (${made.join(', ')})`)
  assert.ok(!existsSync(join(readyDir, name)), 'a taken clone is no longer offered')
  // the clone is the migrated template: its tables are there and empty
  const { rows } = await database.db.execute(sql`select count(*)::int as n from product`)
  assert.deepEqual(rows, [{ n: 0 }])

  const failing = fakeTest()
  const second = await createPostgresTestDb(failing)
  const kept = new URL(second.url).pathname.slice(1)
  keep.push(kept)
  assert.ok(made.includes(kept), 'the second test takes the other clone')

  await passing.end(true)
  await until(async () => (await databasesLike([name])).length === 0, 'the keeper to drop the passed test\'s database')
  await failing.end(false)
  await until(() => readdirSync(readyDir).length === 2, 'the keeper to clone two more')
  assert.deepEqual(logged, [])

  // its connection lost (a server restart, say): it connects again and goes on dropping
  await withAdminClient((client) => client.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]))
  const third = fakeTest()
  const name3 = new URL((await createPostgresTestDb(third)).url).pathname.slice(1)
  await third.end(true)
  await until(async () => (await databasesLike([name3])).length === 0, 'the keeper to drop after connecting again')
  assert.match(logged.join('\n'), /connecting again/)
  await until(() => readdirSync(readyDir).length === 2, 'the keeper to clone two more again')
  const spare = readdirSync(readyDir)

  await keeper.stop()
  assert.deepEqual(await databasesLike([kept]), [kept], 'a failed test\'s database is kept for a look')
  assert.deepEqual(await databasesLike(spare), [], 'the clones nobody took are dropped when the keeper stops')
  assert.equal(existsSync(keeper.dir), false)
})

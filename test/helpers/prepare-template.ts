// Run by scripts/run-tests.ts before the legs: `postgres` makes sure TEST_DATABASE_URL's server
// has the migrated template database every services-leg test database is cloned from
// (test/helpers/db.ts); `pglite` builds the migrated PGlite seed the embedded leg loads its
// databases from, and the data directories of child processes are copied from (pgliteSeed).
//
// The template is named after a hash of migrations/ (templateDatabase), which it also carries as
// its comment: several test runs, of checkouts with different migrations too, may share one
// server, and dropping a template under a run that is cloning it would fail that run. A rebuild
// migrates a new database, then swaps it in (dropping the old template, terminating any session on
// it), all under an advisory lock.
import { IN_MEMORY, openDatabase } from '../../src/adapters/postgres/database.js'
import { databaseUrlFor, migrationsHash, pgliteSeed, templateDatabase, testDatabaseUrl, withAdminClient } from './db.js'

export { migrationsHash }

async function migrateInto (name: string): Promise<void> {
  const database = await openDatabase({ databaseUrl: databaseUrlFor(name), dataDir: IN_MEMORY, poolMax: 1 })
  try {
    await database.migrate()
  } finally {
    await database.close()
  }
}

/** Creates or refreshes the template; resolves to what it did. */
export async function prepareTemplate (): Promise<'up to date' | 'rebuilt'> {
  const hash = migrationsHash()
  const template = templateDatabase()
  return await withAdminClient(async (client) => {
    await client.query("select pg_advisory_lock(hashtext('bozor:test-template'))")
    try {
      const current = await client.query<{ comment: string | null }>(
        "select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1",
        [template]
      )
      if (current.rows[0]?.comment === hash) return 'up to date'
      const building = `${template}_build`
      await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`)
      await client.query(`CREATE DATABASE ${building}`)
      await migrateInto(building)
      await client.query(`COMMENT ON DATABASE ${building} IS '${hash}'`)
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`)
      await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`)
      return 'rebuilt'
    } finally {
      await client.query("select pg_advisory_unlock(hashtext('bozor:test-template'))")
    }
  })
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const what = process.argv[2] ?? 'postgres'
  try {
    if (what === 'pglite') {
      const seed = await pgliteSeed()
      console.log(`migrated PGlite seed: ${seed.dump}`)
    } else {
      const outcome = await prepareTemplate()
      console.log(`template database ${templateDatabase()}: ${outcome}`)
    }
    process.exit(0)
  } catch (err) {
    console.error(what === 'pglite' ? 'could not build the migrated PGlite seed:' : `could not prepare ${templateDatabase()} on ${new URL(testDatabaseUrl()).host}:`, err)
    process.exit(1)
  }
}

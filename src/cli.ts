/**
 * The `bozor` command. `bozor --help` lists what it does.
 */
import { parseArgs } from 'node:util'
import { loadConfigOrExit } from './config.js'
import { openDatabase, type Database } from './adapters/postgres/database.js'
import { createAdminToken, revokeAdminToken } from './adapters/postgres/admin-tokens.js'
import { seedDemoCatalog } from './sandbox/demo-seed.js'
import { addMissingCatalogRows } from './adapters/postgres/catalog-store.js'

const HELP = `bozor: a self-hosted Telegram commerce server

Usage:
  bozor start                              run migrations, then serve (sandbox with no configuration)
  bozor migrate                            apply pending database migrations and exit
  bozor seed --demo                        add the demo catalog (categories and products)
  bozor token create --name N --scope S    create an admin API token (S: read | write); printed once
  bozor token revoke <id>                  revoke an admin API token (tok_…)
  bozor --help                             this text

Configuration comes from the environment (see README.md); with none, Bozor runs on an embedded
database in ./data, an in-process store and the built-in Telegram and payment emulators.
`

function fail (message: string): never {
  process.stderr.write(`bozor: ${message}\n`)
  process.exit(2)
}

async function withDatabase<T> (work: (database: Database) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit()
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    await database.migrate()
    return await work(database)
  } finally {
    await database.close()
  }
}

async function run (argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP)
    return
  }
  switch (command) {
    case 'start': {
      // loaded only to serve: the other commands start without the whole app
      const { main } = await import('./main.js')
      await main()
      return
    }
    case 'migrate':
      await withDatabase(async () => { process.stdout.write('migrations applied\n') })
      return
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } }, strict: true })
      if (values.demo !== true) fail('seed needs --demo (the only seed there is)')
      const counts = await withDatabase((database) => seedDemoCatalog({ addMissing: (rows) => addMissingCatalogRows(database.db, rows) }))
      process.stdout.write(`demo catalog: ${counts.categories} categories, ${counts.products} products\n`)
      return
    }
    case 'token':
      await token(rest)
      return
    default:
      fail(`unknown command "${command}"; see bozor --help`)
  }
}

async function token (args: string[]): Promise<void> {
  const [sub, ...rest] = args
  if (sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string' } }, strict: true })
    const name = values.name?.trim()
    if (name === undefined || name === '' || name.length > 100) fail('token create needs --name (1-100 characters)')
    if (values.scope !== 'read' && values.scope !== 'write') fail('token create needs --scope read or --scope write')
    const created = await withDatabase((database) => createAdminToken(database.db, { name, scope: values.scope as 'read' | 'write' }))
    process.stdout.write(`id:    ${created.id}\nscope: ${created.scope}\ntoken: ${created.token}\n(shown once; store it now)\n`)
    return
  }
  if (sub === 'revoke') {
    const id = rest[0]
    if (id === undefined || !/^tok_[0-9a-f]{16}$/.test(id)) fail('token revoke needs a token id (tok_…)')
    const revoked = await withDatabase((database) => revokeAdminToken(database.db, id))
    if (!revoked) fail(`no live token ${id}`)
    process.stdout.write(`revoked ${id}\n`)
    return
  }
  fail('token needs create or revoke; see bozor --help')
}

run(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bozor: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

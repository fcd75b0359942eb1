/**
 * The `bozor` command. `bozor --help` lists what it does.
 *
 * The commands on the shop's data (`token create|revoke`, `seed --demo`, `sandbox clear`: the
 * table in compose/control.ts) reach a server running on the embedded database through its
 * control socket `DATA_DIR/bozor.sock`, so they run through its use cases and its caches stay
 * right; with no server there (or with DATABASE_URL) the CLI opens the database and runs the same
 * command itself. Either way it prints the same (DESIGN.md "Command-line tools and a running
 * server"; decision 0018).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfigOrExit } from './config.js'
import { openDatabase, DataDirLockedError } from './adapters/postgres/database.js'
import { restoreBackup, RestoreRefusedError } from './adapters/postgres/backup.js'
import {
  CONTROL_COMMANDS, CONTROL_PROTOCOL_VERSION, findControlCommand, openDirectControl, runControlRequest, USAGE_ERROR_CODES, UsageError,
  type ControlResponse
} from './compose/control.js'
import { CONTROL_SOCKET_FILE, sendControlRequest } from './compose/control-socket.js'

const HELP = `bozor: a self-hosted Telegram commerce server

Usage:
  bozor start                              run migrations, then serve (sandbox with no configuration)
  bozor migrate                            apply pending database migrations and exit
  bozor restore <file> [--force]           restore a backup into the configured database (refused when it
                                           holds data, unless --force; stop the server first)
${Object.values(CONTROL_COMMANDS).map((c) => `  bozor ${c.help}\n`).join('')}  bozor --help                             this text

Configuration comes from the environment (see README.md); with none, Bozor runs on an embedded
database in ./data, an in-process store and the built-in Telegram and payment emulators. While a
server runs on the embedded database, the commands above reach it through DATA_DIR/bozor.sock.
`

function fail (message: string, code = 2): never {
  process.stderr.write(`bozor: ${message}\n`)
  process.exit(code)
}

async function run (argv: string[]): Promise<void> {
  const [command] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP)
    return
  }
  if (command === 'start') {
    // loaded only to serve: the other commands start without the whole app
    const { main } = await import('./main.js')
    await main()
    return
  }
  if (command === 'migrate') {
    const config = loadConfigOrExit()
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
    try { await database.migrate() } finally { await database.close() }
    process.stdout.write('migrations applied\n')
    return
  }
  if (command === 'restore') {
    await restore(argv.slice(1))
    return
  }
  const found = findControlCommand(argv)
  if (found === undefined) {
    const known = Object.values(CONTROL_COMMANDS).find((c) => c.words[0] === command)
    if (known !== undefined) fail(`${command} needs ${Object.values(CONTROL_COMMANDS).filter((c) => c.words[0] === command).map((c) => c.words.slice(1).join(' ')).join(' or ')}; see bozor --help`)
    fail(`unknown command "${command}"; see bozor --help`)
  }
  let args: unknown
  try {
    args = found.command.parseArgv(found.rest)
  } catch (error) {
    if (error instanceof UsageError) fail(error.message)
    throw error
  }
  await control(found.name, args, found.command.usesCache === true)
}

/** `bozor restore <file> [--force]`: straight into the configured database, never through a server. */
async function restore (argv: string[]): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { force: { type: 'boolean' } }, allowPositionals: true, strict: true })
  } catch (error) {
    fail((error as Error).message)
  }
  const file = parsed.positionals[0]
  if (file === undefined || parsed.positionals.length > 1) fail('restore needs one backup file (bozor restore <file> [--force])')
  if (!existsSync(file)) fail(`no file ${file}`, 1)
  const config = loadConfigOrExit()
  try {
    const done = await restoreBackup({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, resolve(file), { force: parsed.values.force === true })
    process.stdout.write(`restored ${file} into ${done.storage === 'pglite' ? `the embedded database in ${config.dataDir}` : 'the PostgreSQL database'}` +
      `${done.movedAside !== undefined ? ` (the database it replaced is kept in ${done.movedAside})` : ''}; start the server to migrate it if it is older\n`)
  } catch (error) {
    if (error instanceof RestoreRefusedError) fail(error.message, 1)
    if (error instanceof DataDirLockedError) fail(`the data directory ${config.dataDir} is in use by process ${error.pid}: stop the server before restoring`, 1)
    throw error
  }
}

/** Sends the command to the running server, or runs it here when there is none; prints its answer. */
async function control (name: string, args: unknown, usesCache: boolean): Promise<void> {
  const config = loadConfigOrExit()
  const request = { v: CONTROL_PROTOCOL_VERSION, command: name, args }
  const socketPath = join(config.dataDir, CONTROL_SOCKET_FILE)
  let response: ControlResponse | undefined
  if (config.mode.database === 'pglite') response = await sendControlRequest(socketPath, request)
  if (response === undefined) {
    let direct
    try {
      direct = await openDirectControl(config)
    } catch (error) {
      if (error instanceof DataDirLockedError) {
        fail(`the data directory ${config.dataDir} is in use by process ${error.pid}, and no Bozor server answers on ${socketPath} ` +
          '(a server still starting? try again in a moment)', 1)
      }
      throw error
    }
    try {
      response = await runControlRequest(direct.services, request)
    } finally {
      await direct.close()
    }
    if (response.ok && usesCache && direct.note !== undefined) process.stderr.write(`note: ${direct.note}`)
  }
  if (!response.ok) fail(response.error.message, USAGE_ERROR_CODES.has(response.error.code) ? 2 : 1)
  process.stdout.write(response.output)
}

run(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bozor: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

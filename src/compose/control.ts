/**
 * The commands `bozor` runs on the shop's data (DESIGN.md "Command-line tools and a running
 * server"), part of the composition root. One table, {@link CONTROL_COMMANDS}: each entry is the
 * command's words on the command line, how its arguments are read there, their schema on the
 * control socket, the use case it calls and how its result is printed. A running server answers
 * them on `DATA_DIR/bozor.sock` ({@link ./control-socket.ts}); without one, the CLI opens the
 * database and runs the same entry itself ({@link openDirectControl}), so both print the same.
 * Adding a command is adding an entry.
 *
 * @example
 * const response = await runControlRequest(services, { v: 1, command: 'token.create', args: { name: 'ci', scope: 'write' } })
 * if (response.ok) process.stdout.write(response.output)
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import type { Config } from '../config.js'
import { createLogger, type Logger } from '../logger.js'
import { systemClock, type Clock } from '../domain/shared/clock.js'
import { isDomainError } from '../domain/shared/errors.js'
import { openDatabase, type Database } from '../adapters/postgres/database.js'
import type { BackupResult } from '../adapters/postgres/backup.js'
import { createAdminToken, revokeAdminToken } from '../adapters/postgres/admin-tokens.js'
import { addMissingCatalogRows } from '../adapters/postgres/catalog-store.js'
import { createSandboxRowStore } from '../adapters/postgres/sandbox-rows.js'
import { createDashboardSessionStore } from '../adapters/postgres/dashboard-sessions.js'
import { issueLoginCode, LOGIN_CODE_TTL_MS, type DashboardSessionStore } from '../usecases/dashboard-login.js'
import { createCache } from '../adapters/redis/cache.js'
import { ANY_SEGMENT, type KvStore } from '../adapters/redis/kv-store.js'
import { DEMO_CATEGORIES, DEMO_PRODUCTS } from '../sandbox/demo-seed.js'
import { createToken, revokeToken, TOKEN_ID_PATTERN, TOKEN_NAME_MAX, type AdminTokenStore } from '../usecases/admin-tokens.js'
import type { TaggedCache } from '../usecases/catalog-reads.js'
import { clearSandboxRows, type SandboxRowStore } from '../usecases/sandbox-rows.js'
import { seedCatalog, type CatalogSeedStore } from '../usecases/seed-catalog.js'
import { createKv } from './kv.js'

type DemoCategory = typeof DEMO_CATEGORIES[number]
type DemoProduct = typeof DEMO_PRODUCTS[number]

/** What the commands run over: the stores and the cache of a server, or of the CLI itself. */
export interface ControlServices {
  tokens: AdminTokenStore
  catalog: CatalogSeedStore<DemoCategory, DemoProduct>
  cache: Pick<TaggedCache, 'invalidateTag'>
  sandboxRows: SandboxRowStore
  /** Drops the bot's cached customer records (their rows were removed). */
  forgetCustomers: () => Promise<unknown>
  clock: Clock
  /** Writes a backup of the open database to an absolute path. */
  backup: (file: string) => Promise<BackupResult>
  /** Dashboard login codes (`bozor login`), and PUBLIC_URL for the link. */
  dashboard: { store: DashboardSessionStore, publicUrl: string }
}

/** The control services over a database and a key-value store (the cache is built over `kv`). */
export function controlServicesOf (input: { database: Pick<Database, 'db' | 'backup'>, kv: KvStore, cluster: boolean, clock: Clock, publicUrl: string, logger?: Logger }): ControlServices {
  const { db } = input.database
  return {
    tokens: { create: (token) => createAdminToken(db, token), revoke: (id) => revokeAdminToken(db, id) },
    catalog: { addMissing: (rows) => addMissingCatalogRows(db, rows) },
    cache: createCache({ kv: input.kv, cluster: input.cluster, ...(input.logger !== undefined ? { logger: input.logger.child({ module: 'cache' }) } : {}) }),
    sandboxRows: createSandboxRowStore(db),
    forgetCustomers: () => input.kv.deleteByPattern(input.kv.keys.pattern('cust', ANY_SEGMENT)),
    clock: input.clock,
    backup: async (file) => await input.database.backup(file),
    dashboard: { store: createDashboardSessionStore(db), publicUrl: input.publicUrl.replace(/\/+$/, '') }
  }
}

/** A command line that does not fit the command: printed as `bozor: <message>`, exit code 2. */
export class UsageError extends Error {}

/** One command of the table. `A` is its arguments, `R` its result. */
export interface ControlCommand<A = unknown, R = unknown> {
  /** The words after `bozor`, e.g. `['token', 'create']`. */
  words: readonly string[]
  /** The line of `bozor --help`. */
  help: string
  /** The arguments after the words, checked; throws {@link UsageError}. */
  parseArgv(argv: string[]): A
  /** The arguments' schema on the control socket (no unknown fields). */
  args: TSchema
  run(services: ControlServices, args: A): Promise<R>
  /** What the CLI prints on success, the same whoever ran the command. */
  render(result: R): string
  /** The command changes what a server caches (the CLI warns when it cannot reach that cache). */
  usesCache?: boolean
}

const define = <A, R>(command: ControlCommand<A, R>): ControlCommand => command as unknown as ControlCommand

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

const TokenCreateArgs = Type.Object({
  name: Type.String({ minLength: 1, maxLength: TOKEN_NAME_MAX }),
  scope: Type.Union([Type.Literal('read'), Type.Literal('write')])
}, { additionalProperties: false })
const TokenRevokeArgs = Type.Object({ id: Type.String({ pattern: TOKEN_ID_PATTERN.source }) }, { additionalProperties: false })
const NoArgs = Type.Object({}, { additionalProperties: false })
const BackupArgs = Type.Object({ file: Type.String({ minLength: 2, maxLength: 4096, pattern: '^/' }) }, { additionalProperties: false })
const LoginArgs = Type.Object({ scope: Type.Optional(Type.Union([Type.Literal('read'), Type.Literal('write')])) }, { additionalProperties: false })

type ParsedArgv = { values: Record<string, string | boolean | undefined>, positionals: string[] }

/** Node's parseArgs, strict: an unknown option is a {@link UsageError}. */
function strictArgs (argv: string[], options: Record<string, { type: 'string' | 'boolean' }>, allowPositionals = false): ParsedArgv {
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals })
    return { values: parsed.values as ParsedArgv['values'], positionals: parsed.positionals }
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** Every command the CLI sends to a running server or runs itself, by its name on the socket. */
export const CONTROL_COMMANDS: Readonly<Record<string, ControlCommand>> = {
  'seed.demo': define({
    words: ['seed'],
    help: 'seed --demo                        add the demo catalog (categories and products)',
    parseArgv (argv) {
      const { values } = strictArgs(argv, { demo: { type: 'boolean' } })
      if (values.demo !== true) throw new UsageError('seed needs --demo (the only seed there is)')
      return {}
    },
    args: NoArgs,
    run: (s) => seedCatalog({ store: s.catalog, cache: s.cache }, { categories: DEMO_CATEGORIES, products: DEMO_PRODUCTS }),
    render: (added) => `demo catalog: ${added.categories} categories, ${added.products} products\n`,
    usesCache: true
  }),
  'token.create': define({
    words: ['token', 'create'],
    help: 'token create --name N --scope S    create an admin API token (S: read | write); printed once',
    parseArgv (argv): Static<typeof TokenCreateArgs> {
      const { values } = strictArgs(argv, { name: { type: 'string' }, scope: { type: 'string' } })
      const name = typeof values.name === 'string' ? values.name.trim() : undefined
      if (name === undefined || name === '' || name.length > TOKEN_NAME_MAX) throw new UsageError(`token create needs --name (1-${TOKEN_NAME_MAX} characters)`)
      if (values.scope !== 'read' && values.scope !== 'write') throw new UsageError('token create needs --scope read or --scope write')
      return { name, scope: values.scope }
    },
    args: TokenCreateArgs,
    run: (s, args: Static<typeof TokenCreateArgs>) => createToken({ store: s.tokens }, args),
    render: (made) => `id:    ${made.id}\nscope: ${made.scope}\ntoken: ${made.token}\n(shown once; store it now)\n`
  }),
  'token.revoke': define({
    words: ['token', 'revoke'],
    help: 'token revoke <id>                  revoke an admin API token (tok_…)',
    parseArgv (argv): Static<typeof TokenRevokeArgs> {
      const { positionals } = strictArgs(argv, {}, true)
      const id = positionals[0]
      if (id === undefined || positionals.length > 1 || !TOKEN_ID_PATTERN.test(id)) throw new UsageError('token revoke needs a token id (tok_…)')
      return { id }
    },
    args: TokenRevokeArgs,
    run: (s, args: Static<typeof TokenRevokeArgs>) => revokeToken({ store: s.tokens }, args.id),
    render: (revoked) => `revoked ${revoked.id}\n`
  }),
  login: define({
    words: ['login'],
    help: 'login [--scope read|write]         print a one-time dashboard login link (15 minutes; default write)',
    parseArgv (argv): Static<typeof LoginArgs> {
      const { values } = strictArgs(argv, { scope: { type: 'string' } })
      const scope = values.scope ?? 'write'
      if (scope !== 'read' && scope !== 'write') throw new UsageError('login takes --scope read or --scope write')
      return { scope }
    },
    args: LoginArgs,
    run: async (s, args: Static<typeof LoginArgs>) => {
      const scope = args.scope ?? 'write'
      const { code, expiresAt } = await issueLoginCode({ store: s.dashboard.store, clock: s.clock }, { scope, issuedBy: 'cli' })
      return { url: `${s.dashboard.publicUrl}/login?code=${code}`, scope, expiresAt: new Date(expiresAt).toISOString() }
    },
    render: (link: { url: string, scope: string }) => `${link.url}\n(one-time, ${LOGIN_CODE_TTL_MS / 60_000} minutes, scope ${link.scope})\n`
  }),
  'sandbox.clear': define({
    words: ['sandbox', 'clear'],
    help: 'sandbox clear                      delete the customers, orders and events made in the sandbox (never the catalog)',
    parseArgv (argv) {
      strictArgs(argv, {})
      return {}
    },
    args: NoArgs,
    run: async (s) => {
      const removed = await clearSandboxRows({ store: s.sandboxRows, now: s.clock.now() })
      await s.forgetCustomers().catch(() => {})
      return removed
    },
    render: (removed) => `sandbox cleared: removed ${plural(removed.customers, 'customer')}, ${plural(removed.orders, 'order')} ` +
      `(with ${plural(removed.payments, 'payment record')} and ${plural(removed.outbox, 'outbox row')}) and ${plural(removed.events, 'event')}; ` +
      'the catalog and live rows are kept\n'
  }),
  backup: define({
    words: ['backup'],
    help: 'backup <file>                      write a backup of the whole database to <file> (restore it with bozor restore)',
    parseArgv (argv): Static<typeof BackupArgs> {
      const { positionals } = strictArgs(argv, {}, true)
      const file = positionals[0]
      if (file === undefined || positionals.length > 1 || file === '') throw new UsageError('backup needs one file to write (bozor backup <file>)')
      // the server may run in another directory: it gets the absolute path
      return { file: resolve(file) }
    },
    args: BackupArgs,
    run: async (s, args: Static<typeof BackupArgs>) => await s.backup(args.file),
    render: (made) => `backup written: ${made.file} (${made.storage === 'pglite' ? 'embedded database' : 'PostgreSQL'}, ${made.bytes} bytes)\n`
  })
}

/** The command whose words start `argv`, and the arguments after them. */
export function findControlCommand (argv: readonly string[]): { name: string, command: ControlCommand, rest: string[] } | undefined {
  // the longest match first (`token create` before a hypothetical `token`)
  const entries = Object.entries(CONTROL_COMMANDS).sort((a, b) => b[1].words.length - a[1].words.length)
  for (const [name, command] of entries) {
    if (command.words.every((word, i) => argv[i] === word)) return { name, command, rest: argv.slice(command.words.length) }
  }
  return undefined
}

/** The protocol's version; a request of another version is refused. */
export const CONTROL_PROTOCOL_VERSION = 1

/** A request on the control socket: one JSON line. */
export const ControlRequestSchema = Type.Object({
  v: Type.Literal(CONTROL_PROTOCOL_VERSION),
  command: Type.String({ minLength: 1, maxLength: 64 }),
  args: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
}, { additionalProperties: false })
export type ControlRequest = Static<typeof ControlRequestSchema>

/** Error codes of the control protocol (the domain's codes, plus the protocol's own). */
export type ControlErrorCode = 'ERR_CONTROL_REQUEST' | 'ERR_CONTROL_UNKNOWN_COMMAND' | 'ERR_VALIDATION' | 'ERR_NOT_FOUND' | 'ERR_INTERNAL' | string

/** The answer: one JSON line. `output` is what the CLI prints. */
export type ControlResponse =
  | { v: 1, ok: true, result: unknown, output: string }
  | { v: 1, ok: false, error: { code: ControlErrorCode, message: string } }

const refuse = (code: ControlErrorCode, message: string): ControlResponse => ({ v: 1, ok: false, error: { code, message } })

/** Codes the CLI answers with exit code 2 (the command line was wrong), the others 1. */
export const USAGE_ERROR_CODES: ReadonlySet<string> = new Set(['ERR_CONTROL_REQUEST', 'ERR_CONTROL_UNKNOWN_COMMAND', 'ERR_VALIDATION', 'ERR_NOT_FOUND', 'ERR_TOKEN_NOT_FOUND'])

/**
 * Validates a request, runs its command and renders the result. Never throws: a malformed
 * request, an unknown command or bad arguments are refused, a domain error is passed on with
 * its code, anything else is `ERR_INTERNAL` (with a `logger`, a server's: logged, not shown).
 */
export async function runControlRequest (services: ControlServices, request: unknown, logger?: Logger): Promise<ControlResponse> {
  if (!Value.Check(ControlRequestSchema, request)) {
    return refuse('ERR_CONTROL_REQUEST', `a control request is one JSON line {"v": ${CONTROL_PROTOCOL_VERSION}, "command": "…", "args": {…}}`)
  }
  const command = Object.hasOwn(CONTROL_COMMANDS, request.command) ? CONTROL_COMMANDS[request.command] : undefined
  if (command === undefined) {
    return refuse('ERR_CONTROL_UNKNOWN_COMMAND', `unknown command "${request.command}"; this server knows ${Object.keys(CONTROL_COMMANDS).join(', ')}`)
  }
  const args = request.args ?? {}
  if (!Value.Check(command.args, args)) {
    const first = Value.Errors(command.args, args)[0]
    return refuse('ERR_VALIDATION', `bad arguments for ${request.command}: ${first !== undefined ? `${first.instancePath === '' ? '(arguments)' : first.instancePath} ${first.message}` : 'do not match the command'}`)
  }
  try {
    const result = await command.run(services, args)
    return { v: 1, ok: true, result, output: command.render(result) }
  } catch (error) {
    if (isDomainError(error)) return refuse(error.code, error.message)
    // a server logs the error and keeps its details there; the CLI running alone shows them
    if (logger !== undefined) {
      logger.error({ err: error, command: request.command }, 'control command failed')
      return refuse('ERR_INTERNAL', `${request.command} failed; the server's log says why`)
    }
    return refuse('ERR_INTERNAL', `${request.command} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The CLI's own services when no server answers on the socket (or with DATABASE_URL): the
 * database opened and migrated, the cache over the configured key-value store (Redis reaches a
 * running server's cache; the in-process store reaches nobody's, so `note` says so).
 */
export async function openDirectControl (config: Config): Promise<{ services: ControlServices, note?: string, close(): Promise<void> }> {
  const logger = createLogger({ level: 'silent', secrets: config.secrets })
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  let kv: KvStore | undefined
  try {
    await database.migrate()
    kv = createKv(config, logger, systemClock)
    const services = controlServicesOf({ database, kv, cluster: config.redis?.cluster === true, clock: systemClock, publicUrl: config.server.publicUrl, logger })
    const opened = kv
    return {
      services,
      ...(config.mode.database === 'postgres' && config.mode.kv === 'memory'
        ? { note: 'REDIS_URL is unset: a server running on this database keeps its catalog cache in its own memory and shows catalog changes within 10 minutes or after a restart\n' }
        : {}),
      async close () {
        await opened.close().catch(() => {})
        await database.close()
      }
    }
  } catch (error) {
    await kv?.close().catch(() => {})
    await database.close()
    throw error
  }
}

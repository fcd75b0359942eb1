import neostandard from 'neostandard'

// Layers (STYLE.md §3, docs/architecture.md; decision 0012). An arrow means "may import";
// each block below forbids what its folder may not import. `node ../shared/tools/layers.mjs`
// checks the same rules; test/unit/lint-layers.test.ts proves each block bites.
const SQL = ['drizzle-orm', 'drizzle-orm/*', 'pg', '@electric-sql/*']
const SQL_MESSAGE = 'SQL lives only in src/adapters/postgres (STYLE.md §3): call a use case or a port'
const ROOT = ['**/config.js', '**/compose.js', '**/compose/**', '**/app.js', '**/server.js', '**/main.js', '**/cli.js']
const ROOT_MESSAGE = 'only the composition root (src/compose.ts) reads Config and builds things: take what you need as an option'

/** One `no-restricted-imports` block: each group of patterns with its message. */
function restrict (files, groups) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }]
    }
  }
}

const otherAdapters = (self) => ['postgres', 'redis', 'stripe', 'payme', 'click', 'telegram']
  .filter((name) => name !== self).flatMap((name) => [`../${name}/*`, `**/${name}/**`])

const drivenAdapter = (name) => restrict([`src/adapters/${name}/**/*.ts`], [
  [otherAdapters(name), 'adapters never import each other: compose.ts passes what one needs from another'],
  [['**/http/**', '**/jobs/**', '**/sandbox/**'], 'driven adapters import domain and the use cases\' ports only'],
  [ROOT, ROOT_MESSAGE],
  ...(name === 'postgres' ? [] : [[SQL, SQL_MESSAGE]])
])

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', 'migrations/**'] }),
  restrict(['src/domain/**/*.ts'], [
    [['node:*', 'fastify*', 'grammy*', 'drizzle-orm*', 'ioredis*', 'stripe', 'stripe/*', 'pg', '@electric-sql/*', '@fastify/*', 'typebox*', 'pino*', 'prom-client'], 'domain imports only domain'],
    [['**/adapters/**', '**/http/**', '**/usecases/**', '**/jobs/**', '**/sandbox/**', '**/logger.js', '**/metrics.js', ...ROOT], 'domain imports only domain']
  ]),
  restrict(['src/usecases/**/*.ts'], [
    [['**/adapters/**', '**/http/**', '**/jobs/**', '**/sandbox/**', '**/logger.js', '**/metrics.js', ...ROOT], 'usecases import domain (and their own ports) only'],
    [['fastify*', 'grammy*', 'ioredis*', 'stripe', 'stripe/*', '@fastify/*', ...SQL], 'usecases import domain (and their own ports) only']
  ]),
  ...['postgres', 'redis', 'stripe', 'payme', 'click'].map(drivenAdapter),
  restrict(['src/adapters/telegram/**/*.ts'], [
    [otherAdapters('telegram'), 'the bot gets storage, the key-value store and providers as ports from compose.ts'],
    [['**/http/**', '**/jobs/**', '**/sandbox/**'], 'the bot calls use cases; it never imports http, jobs or the sandbox'],
    [ROOT, ROOT_MESSAGE],
    [SQL, SQL_MESSAGE]
  ]),
  restrict(['src/http/**/*.ts'], [
    [['**/adapters/postgres/**', '**/adapters/redis/**', '../postgres/*', '../redis/*'], 'routes parse, call a use case and render: storage comes as ports (usecases/ports*.ts)'],
    [['**/jobs/**', '**/sandbox/**'], 'http never imports jobs or the sandbox'],
    [ROOT, ROOT_MESSAGE],
    [SQL, SQL_MESSAGE]
  ]),
  restrict(['src/jobs/**/*.ts'], [
    [['**/adapters/**', '**/http/**', '**/sandbox/**'], 'jobs call use cases over ports; compose.ts builds their adapters'],
    [ROOT, ROOT_MESSAGE],
    [SQL, SQL_MESSAGE]
  ]),
  restrict(['src/sandbox/**/*.ts'], [
    [['**/adapters/postgres/**', '**/adapters/redis/**', '**/adapters/telegram/**', '**/jobs/**'], 'the sandbox talks to the app over HTTP; it may use the protocol adapters (payme, click, stripe) for wire formats, never storage'],
    [ROOT, ROOT_MESSAGE],
    [SQL, SQL_MESSAGE]
  ]),
  restrict(['src/app.ts'], [
    [['./adapters/**', './jobs/**', './sandbox/**', './compose.js', './compose/**', './server.js', './main.js', './cli.js'], 'buildApp(services) receives built services: only compose.ts builds adapters, jobs and the sandbox'],
    [SQL, SQL_MESSAGE]
  ]),
  restrict(['src/main.ts'], [
    [['./adapters/**', './jobs/**', './sandbox/**', './http/**', './usecases/**'], 'main.ts imports only config, compose and app (through server.ts)']
  ]),
  restrict(['src/logger.ts', 'src/metrics.ts', 'src/config.ts'], [
    [['./adapters/**', './jobs/**', './sandbox/**', './http/**', './usecases/**', './compose.js', './app.js'], 'cross-cutting modules import only domain and packages']
  ])
]

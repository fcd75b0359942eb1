// Issue 12: the layer rules of eslint.config.js (STYLE.md §3, docs/architecture.md) bite. Each
// case lints one deliberately wrong import as if it were a file of that folder, with the
// project's own ESLint configuration, and expects `no-restricted-imports`; the allowed imports
// of the same folder pass.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'

const WRONG: Array<[file: string, importLine: string]> = [
  ['src/domain/orders/x.ts', "import { createHash } from 'node:crypto'"],
  ['src/domain/orders/x.ts', "import { placeOrder } from '../../usecases/place-order.js'"],
  ['src/usecases/x.ts', "import { createPostgresShop } from '../adapters/postgres/orders-store.js'"],
  ['src/usecases/x.ts', "import { loadConfig } from '../config.js'"],
  ['src/adapters/postgres/x.ts', "import { createMemoryKv } from '../redis/memory-kv.js'"],
  ['src/adapters/postgres/x.ts', "import { startBackgroundJobs } from '../../jobs/background-jobs.js'"],
  ['src/adapters/redis/x.ts', "import { loadConfig } from '../../config.js'"],
  ['src/adapters/redis/x.ts', "import { eq } from 'drizzle-orm'"],
  ['src/adapters/stripe/x.ts', "import { readOrder } from '../postgres/orders-rows.js'"],
  ['src/adapters/telegram/x.ts', "import { createSessionStore } from '../redis/session-storage.js'"],
  ['src/adapters/telegram/features/x.ts', "import { readOrder } from '../../postgres/orders-rows.js'"],
  ['src/adapters/telegram/x.ts', "import { loadConfig } from '../../config.js'"],
  ['src/http/routes/x.ts', "import { readOrder } from '../../adapters/postgres/orders-rows.js'"],
  ['src/http/routes/admin/x.ts', "import { createCache } from '../../../adapters/redis/cache.js'"],
  ['src/http/routes/x.ts', "import { eq } from 'drizzle-orm'"],
  ['src/http/plugins/x.ts', "import { loadConfig } from '../../config.js'"],
  ['src/jobs/x.ts', "import { claimOutbox } from '../adapters/postgres/outbox.js'"],
  ['src/jobs/x.ts', "import { loadConfig } from '../config.js'"],
  ['src/sandbox/x.ts', "import { readOrder } from '../adapters/postgres/orders-rows.js'"],
  ['src/app.ts', "import { createCache } from './adapters/redis/cache.js'"],
  ['src/app.ts', "import { createBackgroundJobs } from './jobs/background-jobs.js'"],
  ['src/main.ts', "import { openDatabase } from './adapters/postgres/database.js'"]
]

const ALLOWED: Array<[file: string, importLine: string]> = [
  ['src/usecases/x.ts', "import { money } from '../domain/shared/money.js'"],
  ['src/adapters/postgres/x.ts', "import { eq } from 'drizzle-orm'"],
  ['src/adapters/redis/x.ts', "import { KvUnavailableError } from '../../usecases/ports-kv.js'"],
  ['src/http/routes/x.ts', "import { handlePaymeRequest } from '../../adapters/payme/handle-payme-request.js'"],
  ['src/jobs/x.ts', "import { expireOrders } from '../usecases/expire-orders.js'"],
  ['src/sandbox/x.ts', "import { clickSign } from '../adapters/click/click-sign.js'"],
  ['src/compose.ts', "import { createCache } from './adapters/redis/cache.js'"],
  ['src/app.ts', "import { payRoutes } from './http/routes/pay.js'"]
]

const codeOf = (line: string): string => `${line}\nexport const used = [${/\{ (\w+) \}/.exec(line)![1]}]\n`

/** Every case linted in one ESLint process (plain node: ESLint does not load under tsx). */
let results: string[][] = []
before(async () => {
  const cases = [...WRONG, ...ALLOWED].map(([filePath, line]) => ({ filePath, code: codeOf(line) }))
  results = await new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(import.meta.dirname, '../helpers/lint-text.mjs')], { maxBuffer: 1 << 22 }, (error, stdout) => {
      if (error !== null) reject(error)
      else resolve(JSON.parse(stdout) as string[][])
    })
    child.stdin!.end(JSON.stringify(cases))
  })
})

WRONG.forEach(([file, line], i) => {
  test(`lint refuses in ${file}: ${line}`, () => {
    assert.equal(results[i]!.length, 1, `expected one no-restricted-imports error, got ${JSON.stringify(results[i])}`)
  })
})

test('lint allows the imports STYLE.md §3 allows', () => {
  ALLOWED.forEach(([file, line], i) => {
    assert.deepEqual(results[WRONG.length + i], [], `${file}: ${line}`)
  })
})

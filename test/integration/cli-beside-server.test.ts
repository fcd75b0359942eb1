// `bozor token create|revoke`, `seed --demo` and `sandbox clear` beside a running server (issue 14
// part 6; DESIGN.md "Command-line tools and a running server"; decision 0018). The server runs as
// a child on a temp DATA_DIR: on the embedded leg the commands reach it through DATA_DIR/bozor.sock
// (the data directory is locked, so nothing else could work); on the services leg they open
// PostgreSQL directly and invalidate through Redis. Either way their effect shows through the
// running server's HTTP API and bot. One server for the file.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/adapters/postgres/database.js'
import { insertProduct } from '../../src/adapters/postgres/catalog-store.js'
import { createPostgresShop } from '../../src/adapters/postgres/orders-store.js'
import { CONTROL_COMMANDS } from '../../src/compose/control.js'
import { CONTROL_SOCKET_FILE, sendControlRequest } from '../../src/compose/control-socket.js'
import { SANDBOX_TOKEN_FILE } from '../../src/compose/sandbox.js'
import { money } from '../../src/domain/shared/money.js'
import { placeOrder } from '../../src/usecases/place-order.js'
import { seedDataDir, testLeg } from '../helpers/db.js'
import { freePort, spawnBozor } from '../helpers/process.js'
import { buttonsOf, call, openStream, sandboxEnv, tempDataDir } from '../helpers/sandbox.js'

const LIVE_CUSTOMER = 5_000_002
const LIVE_PRODUCT = 'prd_11vegreentea00000000000000'

async function bozor (t: TestContext, args: string[], env: Record<string, string>): Promise<{ code: number | null, out: string, err: string }> {
  const child = spawnBozor(t, 'src/cli.ts', args, { env })
  const code = await child.exited
  return { code, out: child.stdout.map((l) => `${l}\n`).join(''), err: child.stderr.join('') }
}

/** A socket file nobody listens on, as a server killed with SIGKILL leaves it. */
async function staleSocket (path: string): Promise<void> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(`${path}.tmp`, resolve))
  // moved away before closing: the close removes the old name only, the moved file stays
  renameSync(`${path}.tmp`, path)
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

test('the CLI beside a running server: token create/revoke, seed --demo and sandbox clear act on the server and print what they print alone', async (t) => {
  const embedded = testLeg() === 'embedded'
  const dataDir = tempDataDir(t)
  const port = await freePort()
  const env = await sandboxEnv(t, dataDir, port)
  const url = `http://127.0.0.1:${port}`
  const socket = join(dataDir, CONTROL_SOCKET_FILE)

  // before the server: one live product (so the sandbox seeds nothing) and a live customer's order
  if (embedded) await seedDataDir(dataDir)
  const config = loadConfig(env)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  let liveOrderId: string
  try {
    await database.migrate()
    await insertProduct(database.db, { id: LIVE_PRODUCT, title: { en: 'Live green tea' }, price: money(2_000_000, 'UZS'), kind: 'digital', stock: null, payload: 'tea', categoryId: null, images: [], active: true, refundable: true, createdAt: Date.now() })
    liveOrderId = (await placeOrder({ store: createPostgresShop(database.db), now: Date.now(), orderTtlS: 86_400 }, { customer: { telegramId: LIVE_CUSTOMER }, items: [{ productId: LIVE_PRODUCT, quantity: 1 }] })).id
  } finally {
    await database.close()
  }
  if (embedded) await staleSocket(socket)

  const server = spawnBozor(t, 'src/cli.ts', ['start'], { env })
  await server.waitForLog('Bozor is listening')
  const adminToken = readFileSync(join(dataDir, SANDBOX_TOKEN_FILE), 'utf8').trim()
  const api = (path: string, token = adminToken): Promise<Response> => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })

  if (embedded) {
    await server.waitForLog('control socket listening')
    assert.ok(server.stdout.some((l) => l.includes('replaced a stale socket')), 'the stale socket was detected and replaced')
    const stat = statSync(socket)
    assert.ok(stat.isSocket())
    assert.equal(stat.mode & 0o777, 0o600, 'only the directory owner may connect')
    // the protocol refuses what it does not know, with a clear error
    assert.deepEqual(await sendControlRequest(socket, { v: 1, command: 'frobnicate' }), {
      v: 1, ok: false, error: { code: 'ERR_CONTROL_UNKNOWN_COMMAND', message: `unknown command "frobnicate"; this server knows ${Object.keys(CONTROL_COMMANDS).join(', ')}` }
    })
    const badArgs = await sendControlRequest(socket, { v: 1, command: 'token.create', args: { name: 'x', scope: 'admin' } })
    assert.equal(badArgs?.ok === false && badArgs.error.code, 'ERR_VALIDATION')
    const notJson = await sendControlRequest(socket, 'not a request')
    assert.equal(notJson?.ok === false && notJson.error.code, 'ERR_CONTROL_REQUEST')
  } else {
    assert.ok(!existsSync(socket), 'with DATABASE_URL the server opens no control socket')
  }

  // a customer looks at the catalog: one product, no sections (the bot caches this list)
  const user = (await call(url, 'POST', '/sandbox/api/users', { firstName: 'Shopper', languageCode: 'en' })).body.id as number
  const stream = await openStream(t, url, user)
  await call(url, 'POST', `/sandbox/api/users/${user}/messages`, { text: '/catalog' })
  const before = await stream.next((e) => e.from === 'bot' && buttonsOf(e).some((b) => b.text.includes('Live green tea')))
  assert.ok(!before.html.includes('Choose a section'))

  // seed --demo: the running bot shows the demo sections at once (its cache was invalidated)
  const seeded = await bozor(t, ['seed', '--demo'], env)
  assert.equal(seeded.code, 0, seeded.err)
  assert.equal(seeded.out, 'demo catalog: 2 categories, 4 products\n')
  await call(url, 'POST', `/sandbox/api/users/${user}/messages`, { text: '/catalog' })
  await stream.next((e) => e.from === 'bot' && e.html.includes('Choose a section'), before.seq)
  const products = await (await api('/api/v1/products')).json() as { items: unknown[] }
  assert.equal(products.items.length, 5)

  // token create: the token made authenticates against the running server; revoked, it is refused
  const created = await bozor(t, ['token', 'create', '--name', 'beside', '--scope', 'read'], env)
  assert.equal(created.code, 0, created.err)
  assert.match(created.out, /^id: {4}tok_[0-9a-f]{16}\nscope: read\ntoken: bzr_\S+\n\(shown once; store it now\)\n$/)
  const id = /id: +(tok_[0-9a-f]{16})/.exec(created.out)![1]!
  const token = /token: +(\S+)/.exec(created.out)![1]!
  assert.equal((await api('/api/v1/products', token)).status, 200)
  const revoked = await bozor(t, ['token', 'revoke', id], env)
  assert.equal(revoked.code, 0, revoked.err)
  assert.equal(revoked.out, `revoked ${id}\n`)
  assert.equal((await api('/api/v1/products', token)).status, 401)
  const again = await bozor(t, ['token', 'revoke', id], env)
  assert.equal(again.code, 2)
  assert.equal(again.err, `bozor: no live token ${id}\n`)

  // sandbox clear: the sandbox customer's order goes, the live order and the catalog stay
  const placed = await fetch(`${url}/api/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customer: { telegramId: user }, items: [{ productId: LIVE_PRODUCT, quantity: 1 }] })
  })
  assert.equal(placed.status, 201)
  const sandboxOrderId = (await placed.json() as { id: string }).id
  const cleared = await bozor(t, ['sandbox', 'clear'], env)
  assert.equal(cleared.code, 0, cleared.err)
  // events: the ledger's `order.placed` at least; the bot's own (`bot.started`, `catalog.opened`)
  // too once their buffer has been written, about a second after they happened (decision 0030)
  assert.match(cleared.out, /^sandbox cleared: removed 1 customer, 1 order \(with 0 payment records and 0 outbox rows\) and [123] events?; the catalog and live rows are kept\n$/)
  assert.equal((await api(`/api/v1/orders/${sandboxOrderId}`)).status, 404)
  assert.equal((await api(`/api/v1/orders/${liveOrderId}`)).status, 200)
  assert.equal((await (await api('/api/v1/products')).json() as { items: unknown[] }).items.length, 5)

  // backup beside the server (embedded: the server dumps its own open database through the socket;
  // services: pg_dump beside it); a restore onto the live storage is refused and changes nothing
  const file = join(dataDir, 'backups', 'beside.bozor')
  const backup = await bozor(t, ['backup', file], env)
  assert.equal(backup.code, 0, backup.err)
  assert.match(backup.out, /^backup written: .*beside\.bozor \((embedded database|PostgreSQL), \d+ bytes\)\n$/)
  const restore = await bozor(t, ['restore', file], env)
  assert.equal(restore.code, 1)
  assert.match(restore.err, embedded ? /is in use by process \d+: stop the server before restoring/ : /the database holds \d+ tables; restoring would replace them: add --force/)
  assert.equal((await api(`/api/v1/orders/${liveOrderId}`)).status, 200)

  stream.close()
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  if (embedded) assert.ok(!existsSync(socket), 'the socket is removed on shutdown')
})

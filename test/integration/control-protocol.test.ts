// The control socket's protocol (decision 0018): one JSON line each way, validated; whatever a
// client sends, the answer is a well-formed refusal or a command's result, never a crash or an
// internal error. The commands run for real over this leg's database and key-value store.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { createLogger } from '../../src/logger.js'
import { systemClock } from '../../src/domain/shared/clock.js'
import { CONTROL_COMMANDS, controlServicesOf, findControlCommand, runControlRequest, type ControlServices } from '../../src/compose/control.js'
import { CONTROL_SOCKET_FILE, createControlSocket, MAX_CONTROL_REQUEST_BYTES, sendControlRequest, type ControlSocket } from '../../src/compose/control-socket.js'
import { createTestDb } from '../helpers/db.js'
import { createTestKv } from '../helpers/kv.js'

const SEED = 1818
const RUNS = 60
const CODES = new Set(['ERR_CONTROL_REQUEST', 'ERR_CONTROL_UNKNOWN_COMMAND', 'ERR_VALIDATION', 'ERR_NOT_FOUND', 'ERR_TOKEN_NOT_FOUND'])

// one database and store for the file, closed when it ends
const hooks: Array<() => unknown> = []
const fileContext = { after: (fn: () => unknown) => { hooks.push(fn) } }
after(async () => { for (const fn of hooks.reverse()) await fn() })
let shared: Promise<ControlServices> | undefined
function services (): Promise<ControlServices> {
  shared ??= createTestDb(fileContext).then((database) => controlServicesOf({ database, kv: createTestKv(fileContext), cluster: false, clock: systemClock, publicUrl: 'http://localhost:3000' }))
  return shared
}

async function listening (t: TestContext, control: ControlServices): Promise<ControlSocket> {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-control-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const socket = createControlSocket({ path: join(dir, CONTROL_SOCKET_FILE), handle: (request) => runControlRequest(control, request), logger: createLogger({ level: 'silent', secrets: [] }) })
  await socket.listen()
  t.after(() => socket.close())
  return socket
}

/** Writes raw bytes and reads the whole answer. */
function raw (path: string, bytes: string | Buffer, end = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path })
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
    if (end) socket.end(bytes)
    else socket.write(bytes)
  })
}

test('control protocol: any JSON value gets a well-formed answer, never an internal error', async () => {
  const control = await services()
  const request = fc.oneof(
    fc.jsonValue(),
    fc.record({ v: fc.constantFrom(1, 2, '1'), command: fc.oneof(fc.constantFrom('seed.demo', 'token.create', 'token.revoke', 'sandbox.clear', 'login', 'logout', '__proto__', 'constructor'), fc.string()), args: fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('name', 'scope', 'id', 'x'), fc.oneof(fc.string(), fc.integer()))) }, { requiredKeys: ['v'] })
  )
  await fc.assert(fc.asyncProperty(request, async (r) => {
    const response = await runControlRequest(control, r)
    assert.equal(response.v, 1)
    if (response.ok) {
      assert.equal(typeof response.output, 'string')
    } else {
      assert.ok(CODES.has(response.error.code), JSON.stringify(response))
      assert.ok(response.error.message.length > 0)
    }
  }), { seed: SEED, numRuns: RUNS })
})

test('control socket: 0600, one JSON line each way; garbage, oversized and unknown requests are refused clearly; closing removes the file', async (t) => {
  const socket = await listening(t, await services())
  assert.equal(statSync(socket.path).mode & 0o777, 0o600)
  // a real command, then the same token revoked twice: the second is ERR_TOKEN_NOT_FOUND
  const made = await sendControlRequest(socket.path, { v: 1, command: 'token.create', args: { name: 'proto', scope: 'read' } })
  assert.ok(made?.ok === true, JSON.stringify(made))
  const id = (made.result as { id: string }).id
  assert.match(made.output, new RegExp(`^id: +${id}\\nscope: read\\ntoken: bzr_`))
  assert.deepEqual(await sendControlRequest(socket.path, { v: 1, command: 'token.revoke', args: { id } }), { v: 1, ok: true, result: { id }, output: `revoked ${id}\n` })
  assert.deepEqual(await sendControlRequest(socket.path, { v: 1, command: 'token.revoke', args: { id } }), { v: 1, ok: false, error: { code: 'ERR_TOKEN_NOT_FOUND', message: `no live token ${id}` } })
  // framing: not JSON, too long, an unknown field, another version
  assert.equal(JSON.parse(await raw(socket.path, '{nope\n')).error.code, 'ERR_CONTROL_REQUEST')
  assert.equal(JSON.parse(await raw(socket.path, Buffer.alloc(MAX_CONTROL_REQUEST_BYTES + 10, 'a'), false)).error.code, 'ERR_CONTROL_REQUEST')
  assert.equal(JSON.parse(await raw(socket.path, '{"v":1,"command":"seed.demo","extra":true}\n')).error.code, 'ERR_CONTROL_REQUEST')
  assert.equal(JSON.parse(await raw(socket.path, '{"v":2,"command":"seed.demo"}\n')).error.code, 'ERR_CONTROL_REQUEST')
  // a half-close without a newline ends the request too
  const unknown = JSON.parse(await raw(socket.path, '{"v":1,"command":"frobnicate"}'))
  assert.deepEqual(unknown.error, { code: 'ERR_CONTROL_UNKNOWN_COMMAND', message: `unknown command "frobnicate"; this server knows ${Object.keys(CONTROL_COMMANDS).join(', ')}` })
  // a backup is written where the request says, and only to an absolute path (the server's cwd is not the CLI's)
  const relative = JSON.parse(await raw(socket.path, '{"v":1,"command":"backup","args":{"file":"shop.bozor"}}\n'))
  assert.equal(relative.error.code, 'ERR_VALIDATION')
  const bad = JSON.parse(await raw(socket.path, '{"v":1,"command":"token.create","args":{"name":"x","scope":"admin"}}\n'))
  assert.equal(bad.error.code, 'ERR_VALIDATION')
  assert.match(bad.error.message, /^bad arguments for token\.create: \/scope /)
  await socket.close()
  assert.ok(!existsSync(socket.path))
  assert.equal(await sendControlRequest(socket.path, { v: 1, command: 'seed.demo' }), undefined, 'no server: undefined, the CLI then opens the database')
})

test('control socket: a live socket at the path is never taken over', async (t) => {
  const control = await services()
  const first = await listening(t, control)
  const second = createControlSocket({ path: first.path, handle: (request) => runControlRequest(control, request), logger: createLogger({ level: 'silent', secrets: [] }) })
  await assert.rejects(second.listen(), /another process answers on/)
  assert.equal((await sendControlRequest(first.path, { v: 1, command: 'seed.demo' }))?.ok, true, 'the first still answers')
})

test('control protocol: `login` prints a one-time dashboard link of the asked scope (15 minutes), usable once', async () => {
  const control = await services()
  const answer = await runControlRequest(control, { v: 1, command: 'login', args: { scope: 'read' } })
  assert.equal(answer.ok, true, JSON.stringify(answer))
  if (!answer.ok) return
  const match = /^http:\/\/localhost:3000\/login\?code=([A-Za-z0-9_-]{43})\n\(one-time, 15 minutes, scope read\)\n$/.exec(answer.output)
  assert.ok(match, answer.output)
  const grant = await control.dashboard.store.useCode(match[1]!, Date.now())
  assert.equal(grant?.scope, 'read')
  assert.equal(await control.dashboard.store.useCode(match[1]!, Date.now()), undefined, 'once')
  const bad = await runControlRequest(control, { v: 1, command: 'login', args: { scope: 'admin' } })
  assert.equal(bad.ok, false)
  assert.deepEqual(findControlCommand(['login', '--scope', 'write'])?.command.parseArgv(['--scope', 'write']), { scope: 'write' })
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedDataDir } from '../helpers/db.js'
import { freePort, spawnBozor } from '../helpers/process.js'

function tempDir (t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-start-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('bozor start with no configuration serves /healthz and /readyz, creates ./data and exits 0 on SIGTERM', async (t) => {
  const cwd = tempDir(t)
  const port = await freePort()
  const bozor = spawnBozor(t, 'src/cli.ts', ['start'], { cwd, env: { PORT: String(port), HOST: '127.0.0.1' } })
  await bozor.waitForLog('Bozor is listening')
  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  assert.equal(health.status, 200)
  assert.deepEqual(await health.json(), { status: 'ok' })
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
  assert.equal(ready.status, 200)
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'up', kv: 'up' } })
  assert.ok(existsSync(join(cwd, 'data')), './data was created')
  bozor.child.kill('SIGTERM')
  assert.equal(await bozor.exited, 0)
})

test('the bozor bin serves in its own process (no child), so SIGTERM reaches the server and it exits 0', async (t) => {
  const cwd = tempDir(t)
  const port = await freePort()
  const bozor = spawnBozor(t, 'bin/bozor.js', ['start'], { cwd, env: { PORT: String(port), HOST: '127.0.0.1' } })
  await bozor.waitForLog('Bozor is listening')
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200)
  const children = readFileSync(`/proc/${bozor.child.pid}/task/${bozor.child.pid}/children`, 'utf8').trim()
  assert.equal(children, '', 'the bin starts no child process')
  bozor.child.kill('SIGTERM')
  assert.equal(await bozor.exited, 0)
})

test('a bad configuration exits 1 before listening, listing every problem and no secret', async (t) => {
  const port = await freePort()
  const bozor = spawnBozor(t, 'src/cli.ts', ['start'], {
    cwd: tempDir(t),
    env: { PORT: 'abc', DATABASE_URL: 'not-a-url-with-secret-pw', BOT_TOKEN: 'secret-but-bad', DEFAULT_LANGUAGE: 'fr', HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` }
  })
  assert.equal(await bozor.exited, 1)
  const stderr = bozor.stderr.join('')
  assert.match(stderr, /Invalid configuration \(4 problems\)/)
  for (const name of ['PORT', 'DATABASE_URL', 'BOT_TOKEN', 'DEFAULT_LANGUAGE']) assert.match(stderr, new RegExp(`- ${name}: `))
  assert.doesNotMatch(stderr, /secret-but-bad|not-a-url-with-secret-pw/)
  assert.equal(bozor.stdout.some((l) => l.includes('Bozor is listening')), false)
})

test('SIGTERM lets an in-flight request finish, refuses new connections and exits 0', async (t) => {
  const cwd = tempDir(t)
  // ./data migrated already: this test is about shutting down, not about a first start
  await seedDataDir(join(cwd, 'data'))
  const port = await freePort()
  const bozor = spawnBozor(t, 'test/fixtures/slow-server.ts', [], { cwd, env: { PORT: String(port), HOST: '127.0.0.1' } })
  await bozor.waitForLog('Bozor is listening')
  const inFlight = fetch(`http://127.0.0.1:${port}/__test__/slow?ms=1500`)
  await bozor.waitForLog('incoming request')
  bozor.child.kill('SIGTERM')
  await bozor.waitForLog('shutting down')
  const response = await inFlight
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { slept: 1500 })
  assert.equal(await bozor.exited, 0)
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'the port no longer accepts connections')
})

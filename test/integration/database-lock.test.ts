// The embedded database allows one process per data directory (DESIGN.md, runtime modes).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DataDirLockedError, openDatabase } from '../../src/adapters/postgres/database.js'
import { seedDataDir, testLeg } from '../helpers/db.js'

const skip = testLeg() === 'services' ? 'PGlite only: runs in the embedded leg' : false
// `.js`: tsx maps it to database.ts, and a compiled tree (scripts/run-tests.ts) has database.js
const databaseModule = pathToFileURL(join(import.meta.dirname, '../../src/adapters/postgres/database.js')).href

// A second process that tries to open `dataDir`: exit 0 when it could, 3 with the error otherwise.
const CHILD = `
import { openDatabase } from '${databaseModule}'
try {
  const database = await openDatabase({ dataDir: process.env.BOZOR_TEST_DATA_DIR })
  await database.close()
  process.exit(0)
} catch (err) {
  process.stderr.write(err.name + ': ' + err.message + '\\n')
  process.exit(3)
}
`

function runChild (dataDir: string): Promise<{ code: number | null, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      env: { ...process.env, BOZOR_TEST_DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** A data directory holding a migrated database (copied, to skip PGlite's initdb: the lock is what is tested). */
async function tempDataDir (t: { after (fn: () => void): void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-lock-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  await seedDataDir(dir)
  return dir
}

test('a second process on the same data directory is refused with a clear message', { skip }, async (t) => {
  const dataDir = await tempDataDir(t)
  const database = await openDatabase({ dataDir })
  t.after(() => database.close())
  await database.migrate()

  const { code, stderr } = await runChild(dataDir)
  assert.equal(code, 3)
  assert.match(stderr, /^DataDirLockedError: /)
  assert.ok(stderr.includes(`The data directory ${dataDir} is in use by process ${process.pid}; PGlite allows one process per data directory.`), stderr)
  assert.ok(stderr.includes('set DATABASE_URL'), stderr)
  assert.equal(await database.ping(), true)
})

test('opening a held data directory in the same process throws DataDirLockedError', { skip }, async (t) => {
  const dataDir = await tempDataDir(t)
  const database = await openDatabase({ dataDir })
  t.after(() => database.close())
  await assert.rejects(openDatabase({ dataDir }), (err) => err instanceof DataDirLockedError && err.pid === process.pid)
})

test('a lock left by a dead process is taken over and released on close', { skip }, async (t) => {
  const dataDir = await tempDataDir(t)
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid
  assert.ok(deadPid !== undefined)
  const lockFile = join(dataDir, 'pglite.lock')
  writeFileSync(lockFile, `${deadPid}\n`)

  const database = await openDatabase({ dataDir })
  assert.equal(readFileSync(lockFile, 'utf8').trim(), String(process.pid))
  await database.migrate()
  await database.close()
  assert.equal(existsSync(lockFile), false)

  const { code, stderr } = await runChild(dataDir)
  assert.equal(code, 0, stderr)
})

// Test entry (`npm test`): Node 20's runner expands no globs and skips `.ts` files on discovery,
// so this script lists test/**/*.test.ts itself, runs them once per storage leg and prints the
// closing `N passed, N failed[, N skipped]` line.
//
// Legs: `embedded` (PGlite + memory store) and `services` (PostgreSQL + Redis, from
// TEST_DATABASE_URL [postgres://root@127.0.0.1:5432/postgres] and TEST_REDIS_URL
// [redis://127.0.0.1:6379]). BOZOR_TEST_LEGS=embedded,services picks legs; extra arguments
// are file filters (substring match).
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { tmpdir } from 'node:os'

const root = join(import.meta.dirname, '..')

function listTests (dir: string): string[] {
  const found: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...listTests(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

function checkDuplicateNames (files: string[]): void {
  const seen = new Map<string, string>()
  const problems: string[] = []
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/^\s*(?:test|it)\(\s*'([^']+)'/gm)) {
      const key = `${relative(root, file)}::${match[1]}`
      if (seen.has(key)) problems.push(`duplicate test name in ${relative(root, file)}: "${match[1]}"`)
      seen.set(key, file)
    }
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'))
    process.exit(1)
  }
}

interface Summary { passed: number, failed: number, skipped: number, failures: string[] }

async function runLeg (leg: string, files: string[]): Promise<Summary> {
  const summaryFile = join(tmpdir(), `bozor-summary-${process.pid}-${leg}.json`)
  rmSync(summaryFile, { force: true })
  const env: NodeJS.ProcessEnv = { ...process.env, BOZOR_TEST_LEG: leg, BOZOR_SUMMARY_FILE: summaryFile }
  if (leg === 'services') {
    env.TEST_DATABASE_URL ??= 'postgres://root@127.0.0.1:5432/postgres'
    env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379'
    const prep = await run(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepare-template.ts')], env)
    if (prep !== 0) {
      console.error(`[${leg}] could not prepare the template database (is PostgreSQL up at ${env.TEST_DATABASE_URL}?)`)
      return { passed: 0, failed: 1, skipped: 0, failures: [`[${leg}] template database setup`] }
    }
  }
  console.log(`\n=== test leg: ${leg} (${files.length} files) ===`)
  const args = [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.mjs', '--test-reporter-destination=stdout',
    ...files
  ]
  const code = await run(process.execPath, args, env)
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary
    if (code !== 0 && summary.failed === 0) summary.failed = 1
    return summary
  } catch {
    return { passed: 0, failed: 1, skipped: 0, failures: [`[${leg}] test runner exited with ${code} and no summary`] }
  }
}

function run (cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' })
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

const filters = process.argv.slice(2)
let files = listTests(join(root, 'test'))
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.includes(p)))
checkDuplicateNames(files)
const legs = (process.env.BOZOR_TEST_LEGS ?? 'embedded,services').split(',').map((s) => s.trim()).filter(Boolean)

const total: Summary = { passed: 0, failed: 0, skipped: 0, failures: [] }
for (const leg of legs) {
  const s = await runLeg(leg, files)
  total.passed += s.passed
  total.failed += s.failed
  total.skipped += s.skipped
  total.failures.push(...s.failures.map((f) => `[${leg}] ${relative(root, f)}`))
}
if (total.failures.length > 0) console.log('\nFailures:\n  ' + total.failures.join('\n  '))
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`)
process.exit(total.failed > 0 ? 1 : 0)

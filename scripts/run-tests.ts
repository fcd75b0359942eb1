// Test entry (`npm test`): Node 20's runner expands no globs and skips `.ts` files on discovery,
// so this script lists test/**/*.test.ts itself, runs them once per storage leg and prints the
// closing `N passed, N failed[, N skipped]` line.
//
// Legs: `embedded` (PGlite + memory store) and `services` (PostgreSQL + Redis, from
// TEST_DATABASE_URL [postgres://root@127.0.0.1:5432/postgres] and TEST_REDIS_URL
// [redis://127.0.0.1:6379]) run every file except test/reliability/; the `reliability` leg runs
// only test/reliability/ (restarts, SIGKILLs, two instances, fuzzing: on the real services and on
// private Redis and PostgreSQL servers the files start themselves; `npm run test:reliability`).
// BOZOR_TEST_LEGS=embedded,services,reliability picks legs; extra arguments
// are file filters (substring match); `--dir=<folder>` (repeatable) keeps only the files under
// that folder of the repository (`npm run test:e2e` is `--dir=test/e2e`).
//
// Speed: the embedded leg's databases are loaded from one migrated PGlite seed built here first
// (test/helpers/db.ts pgliteSeed), a PostgreSQL leg's are cloned ahead and dropped off the
// tests' path by a keeper (test/helpers/db-keeper.ts), and within a leg the files that took
// longest last time (remembered in the tmp dir) start first, so the run does not end waiting on
// one slow file.
// BOZOR_TEST_CONCURRENCY sets how many files run at once [cores + 1; 2 on the reliability leg].
//
// The test processes load plain JavaScript: src/ and test/ are compiled once per run, with
// esbuild as tsx does in each process, into a tree of this run in the tmp dir (compileTree). tsx's
// module hooks, run for every module a process loads, cost each test process about 1.5 s of CPU.
// Children the tests spawn (the CLI, the server) run the compiled tree too (test/helpers/process.ts).
// BOZOR_TEST_TSX=1 runs everything through tsx instead.
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { availableParallelism, tmpdir } from 'node:os'
import { startDbKeeper, type DbKeeper } from '../test/helpers/db-keeper.js'

const root = join(import.meta.dirname, '..')
// Files at once: one more than the cores on the storage legs (a test process waits on HTTP, its
// database and its children a good part of the time; decision 0075), two on the reliability leg
// (restarts and SIGKILLs under timing).
const concurrencyOf = (leg: string): number => Number(process.env.BOZOR_TEST_CONCURRENCY ?? (leg === 'reliability' ? 2 : availableParallelism() + 1))
// databases the keeper of a PostgreSQL leg clones ahead of need (test/helpers/db-keeper.ts)
const DBS_READY = 3
const durationsFile = join(tmpdir(), 'bozor-test-durations.json')

/** ms per `<leg>:<file>` from earlier runs. */
function readDurations (): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8')) as Record<string, number>
  } catch {
    return {}
  }
}

/** Slowest first by the last run's times; files never timed first of all, then by name. */
function slowestFirst (leg: string, files: string[]): string[] {
  const known = readDurations()
  const time = (file: string): number => known[`${leg}:${relative(root, file)}`] ?? Number.POSITIVE_INFINITY
  return [...files].sort((a, b) => time(b) - time(a) || a.localeCompare(b))
}

function rememberDurations (leg: string, durations: Record<string, number>): void {
  const known = readDurations()
  for (const [file, ms] of Object.entries(durations)) known[`${leg}:${relative(root, file)}`] = Math.round(ms)
  // written aside and renamed: runs of other checkouts on this machine read the same file
  const next = `${durationsFile}.${process.pid}`
  writeFileSync(next, JSON.stringify(known, null, 1))
  renameSync(next, durationsFile)
}

function listTests (dir: string): string[] {
  const found: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...listTests(path))
    else if (name.endsWith('.test.ts')) found.push(path)
  }
  return found
}

function listFiles (dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/**
 * Compiles src/ and test/ into a mirror tree of this run (`<mirror>/src/x.js` for `src/x.ts`,
 * other files of test/ copied, and links to what the code reaches by relative path:
 * node_modules/, docs/, migrations/, eslint.config.js, package.json for `"type": "module"`),
 * removed when the run ends. Returns the mirror's root.
 */
async function compileTree (): Promise<string> {
  const { build } = await import('esbuild')
  const mirror = join(tmpdir(), `bozor-test-build-${process.pid}`)
  rmSync(mirror, { recursive: true, force: true })
  process.on('exit', () => rmSync(mirror, { recursive: true, force: true }))
  const sources = [...listFiles(join(root, 'src')), ...listFiles(join(root, 'test'))]
  await build({
    entryPoints: sources.filter((f) => f.endsWith('.ts')),
    outdir: mirror,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning'
  })
  for (const file of sources.filter((f) => !f.endsWith('.ts'))) {
    mkdirSync(join(mirror, relative(root, file), '..'), { recursive: true })
    cpSync(file, join(mirror, relative(root, file)))
  }
  for (const name of ['node_modules', 'docs', 'migrations', 'eslint.config.js', 'package.json']) symlinkSync(join(root, name), join(mirror, name))
  return mirror
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

interface Summary { passed: number, failed: number, skipped: number, failures: string[], durations?: Record<string, number> }

/** Where a leg's output goes: straight to this terminal, or kept and printed when the leg ends. */
interface Output { log (line: string): void, buffer?: Buffer[] }

async function runLeg (leg: string, files: string[], out: Output, mirror: string | undefined): Promise<Summary> {
  const summaryFile = join(tmpdir(), `bozor-summary-${process.pid}-${leg}.json`)
  rmSync(summaryFile, { force: true })
  const env: NodeJS.ProcessEnv = { ...process.env, BOZOR_TEST_LEG: leg, BOZOR_SUMMARY_FILE: summaryFile, BOZOR_ROOT: root, BOZOR_TEST_BUILD: mirror ?? '' }
  let keeper: DbKeeper | undefined
  if (leg === 'services' || leg === 'reliability') {
    env.TEST_DATABASE_URL ??= 'postgres://root@127.0.0.1:5432/postgres'
    env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379'
    const prep = await run(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepare-template.ts')], env, out)
    if (prep !== 0) {
      out.log(`[${leg}] could not prepare the template database (is PostgreSQL up at ${env.TEST_DATABASE_URL}?)`)
      return { passed: 0, failed: 1, skipped: 0, failures: [`[${leg}] template database setup`] }
    }
    const { templateDatabase } = await import('../test/helpers/db.js')
    keeper = startDbKeeper({ adminUrl: env.TEST_DATABASE_URL, template: templateDatabase(), ready: DBS_READY, log: (line) => out.log(line) })
    env.BOZOR_TEST_DB_KEEPER = keeper.dir
  } else {
    const prep = await run(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/prepare-template.ts'), 'pglite'], env, out)
    if (prep !== 0) return { passed: 0, failed: 1, skipped: 0, failures: [`[${leg}] migrated PGlite seed`] }
  }
  out.log(`\n=== test leg: ${leg} (${files.length} files) ===`)
  // a file's path in the tree the processes load, and back
  const loaded = (file: string): string => mirror === undefined ? file : join(mirror, relative(root, file)).replace(/\.ts$/, '.js')
  const source = (file: string): string => mirror === undefined ? file : join(root, relative(mirror, file)).replace(/\.js$/, '.ts')
  const args = [
    ...(mirror === undefined ? ['--import', 'tsx'] : ['--enable-source-maps']),
    // PGlite's WebAssembly on V8's baseline compiler only (the runner passes this to each test
    // process): a test process is too short-lived to earn back TurboFan's tier-up, which cost
    // about 0.8 s of CPU a process (decision 0075)
    ...(leg === 'embedded' ? ['--liftoff-only'] : []),
    '--test',
    `--test-concurrency=${concurrencyOf(leg)}`,
    '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.mjs', '--test-reporter-destination=stdout',
    ...slowestFirst(leg, files).map(loaded)
  ]
  const started = Date.now()
  const code = await run(process.execPath, args, env, out)
  await keeper?.stop()
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary
    rmSync(summaryFile, { force: true })
    if (code !== 0 && summary.failed === 0) summary.failed = 1
    summary.durations = Object.fromEntries(Object.entries(summary.durations ?? {}).map(([file, ms]) => [source(file), ms]))
    summary.failures = summary.failures.map((f) => mirror === undefined ? f : f.replace(mirror, root).replace(/\.js › /, '.ts › '))
    out.log(`=== test leg ${leg}: ${summary.passed} passed, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s ===`)
    return summary
  } catch {
    return { passed: 0, failed: 1, skipped: 0, failures: [`[${leg}] test runner exited with ${code} and no summary`] }
  }
}

function run (cmd: string, args: string[], env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  return new Promise((resolve) => {
    const buffer = out.buffer
    const child = spawn(cmd, args, { cwd: root, env, stdio: buffer === undefined ? 'inherit' : ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (chunk: Buffer) => buffer!.push(chunk))
    child.stderr?.on('data', (chunk: Buffer) => buffer!.push(chunk))
    child.on('close', (code) => resolve(code ?? 1))
  })
}

function terminal (): Output {
  return { log: (line) => console.log(line) }
}

function buffered (): Output {
  const buffer: Buffer[] = []
  return { buffer, log: (line) => buffer.push(Buffer.from(line + '\n')) }
}

const args = process.argv.slice(2)
const dirs = args.filter((a) => a.startsWith('--dir=')).map((a) => join(root, a.slice('--dir='.length)))
const filters = args.filter((a) => !a.startsWith('--dir='))
let files = listTests(join(root, 'test'))
if (dirs.length > 0) files = files.filter((f) => dirs.some((d) => !relative(d, f).startsWith('..')))
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.includes(p)))
if (files.length === 0) {
  console.error(`no test file matches ${args.join(' ')}`)
  console.log('\n0 passed, 1 failed')
  process.exit(1)
}
checkDuplicateNames(files)
let mirror: string | undefined
try {
  if (process.env.BOZOR_TEST_TSX !== '1') mirror = await compileTree()
} catch (err) {
  console.error('could not compile src/ and test/ (BOZOR_TEST_TSX=1 runs the files through tsx, each on its own):', err)
  console.log('\n0 passed, 1 failed')
  process.exit(1)
}
const reliabilityDir = join(root, 'test', 'reliability')
const isReliability = (file: string): boolean => !relative(reliabilityDir, file).startsWith('..')
/** The files a leg runs: the reliability leg its own folder, the storage legs everything else. */
const filesOf = (leg: string): string[] => files.filter((f) => (leg === 'reliability') === isReliability(f))
const legs = (process.env.BOZOR_TEST_LEGS ?? 'embedded,services,reliability').split(',').map((s) => s.trim()).filter(Boolean)
  .filter((leg) => filesOf(leg).length > 0)

// BOZOR_TEST_PARALLEL_LEGS=1 runs the legs at the same time (the first one's output live, the
// others' printed when they end).
const summaries: Summary[] = []
if (process.env.BOZOR_TEST_PARALLEL_LEGS === '1') {
  const outputs = legs.map((_, i) => i === 0 ? terminal() : buffered())
  const runs = legs.map((leg, i) => runLeg(leg, filesOf(leg), outputs[i]!, mirror))
  for (const [i, pending] of runs.entries()) {
    summaries.push(await pending)
    if (outputs[i]!.buffer !== undefined) process.stdout.write(Buffer.concat(outputs[i]!.buffer!))
  }
} else {
  for (const leg of legs) summaries.push(await runLeg(leg, filesOf(leg), terminal(), mirror))
}

const total: Summary = { passed: 0, failed: 0, skipped: 0, failures: [] }
for (const [i, leg] of legs.entries()) {
  const s = summaries[i]!
  rememberDurations(leg, s.durations ?? {})
  total.passed += s.passed
  total.failed += s.failed
  total.skipped += s.skipped
  total.failures.push(...s.failures.map((f) => `[${leg}] ${relative(root, f)}`))
}
if (total.failures.length > 0) console.log('\nFailures:\n  ' + total.failures.join('\n  '))
console.log(`\n${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}`)
process.exit(total.failed > 0 ? 1 : 0)

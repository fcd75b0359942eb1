// The deployment files (issue 19 point 1; DESIGN.md "Running in production"), checked as far as a
// machine without a Docker daemon allows: compose.yaml through `docker-compose config` (Debian's
// v1; skipped with a reason where it is not installed) with two Bozor instances in webhook mode
// whose environment Bozor's own configuration accepts; the Dockerfile's rules (multi-stage, only
// production dependencies in the last stage, a non-root user, exec-form CMD, a HEALTHCHECK on
// /healthz, every COPY source present); and the image's files themselves: the compiled JavaScript,
// migrations, bin and `npm ci --omit=dev` in a directory with no source and no dev dependency,
// started with the image's CMD, answering the image's HEALTHCHECK, and exiting 0 on SIGTERM.
// Storage-independent: on the embedded leg only.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { testLeg } from '../helpers/db.js'
import { freePort, ROOT } from '../helpers/process.js'

const run = promisify(execFile)
const oneLeg = testLeg() !== 'embedded' && 'storage-independent: runs on the embedded leg'
const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0
const COMPOSE_ENV = { POSTGRES_PASSWORD: 'pg-secret', BOZOR_DOMAIN: 'shop.example.com', BOT_TOKEN: '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ms', TELEGRAM_WEBHOOK_SECRET: 'hook-secret' }

test('compose.yaml: PostgreSQL, Redis, two Bozor instances in webhook mode behind Caddy, each configured as Bozor accepts', { skip: oneLeg || (!compose && 'docker-compose (v1) is not installed: apt-get install docker-compose') }, async () => {
  const { stdout } = await run('docker-compose', ['-f', join(ROOT, 'compose.yaml'), 'config'], { env: { PATH: process.env.PATH, ...COMPOSE_ENV } })
  const config = parse(stdout) as { services: Record<string, { environment?: Record<string, string>, image?: string, depends_on?: unknown, ports?: unknown[] }> }
  assert.deepEqual(Object.keys(config.services).sort(), ['bozor-1', 'bozor-2', 'caddy', 'postgres', 'redis'])
  for (const name of ['bozor-1', 'bozor-2']) {
    const env = config.services[name]!.environment!
    assert.equal(env.DATABASE_URL, 'postgres://bozor:pg-secret@postgres:5432/bozor')
    assert.equal(env.REDIS_URL, 'redis://redis:6379')
    const bozor = loadConfig(env)
    assert.deepEqual([bozor.mode.database, bozor.mode.kv, bozor.mode.telegram, bozor.bot.mode], ['postgres', 'redis', 'real', 'webhook'])
    assert.equal(bozor.server.publicUrl, 'https://shop.example.com')
    assert.equal(bozor.server.trustProxy, true)
  }
  assert.equal(config.services.caddy!.environment!.BOZOR_DOMAIN, 'shop.example.com')
  const caddyfile = readFileSync(join(ROOT, 'deploy', 'Caddyfile'), 'utf8')
  assert.match(caddyfile, /reverse_proxy bozor-1:3000 bozor-2:3000/)
  assert.match(caddyfile, /health_uri \/healthz/)

  // a missing secret stops compose before anything starts, naming it
  const { POSTGRES_PASSWORD: _, ...withoutPassword } = COMPOSE_ENV
  await assert.rejects(run('docker-compose', ['-f', join(ROOT, 'compose.yaml'), 'config'], { env: { PATH: process.env.PATH, ...withoutPassword } }), /set POSTGRES_PASSWORD in \.env/)
})

/** The Dockerfile's stages: instructions per `FROM`, continuation lines joined. */
function dockerfileStages (): string[][] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const stages: string[][] = []
  for (const line of lines) {
    if (/^FROM /i.test(line)) stages.push([])
    stages.at(-1)?.push(line)
  }
  return stages
}

test('Dockerfile: a build stage and a production stage with --omit=dev, a non-root user, exec-form CMD and a HEALTHCHECK on /healthz', { skip: oneLeg }, () => {
  const stages = dockerfileStages()
  assert.equal(stages.length, 2)
  const [build, final] = stages as [string[], string[]]
  assert.ok(build.some((l) => l === 'RUN npm run build'))
  assert.ok(final.some((l) => /^RUN npm ci --omit=dev\b/.test(l)), 'the last stage installs production dependencies only')
  assert.ok(!final.some((l) => /^COPY (?!--from).*\bsrc\b/.test(l)), 'no source in the image')
  assert.deepEqual(final.filter((l) => l.startsWith('USER ')), ['USER node'])
  assert.equal(final.at(-1), 'CMD ["node", "dist/cli.js", "start"]')
  assert.ok(final.some((l) => /^HEALTHCHECK .*CMD \[.*\/healthz/.test(l)))
  for (const line of [...build, ...final].filter((l) => /^COPY (?!--from)/.test(l))) {
    for (const source of line.split(/\s+/).slice(1, -1)) assert.ok(existsSync(join(ROOT, source)), `${line}: ${source} exists`)
  }
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
  for (const path of ['node_modules', 'data', '.git']) assert.ok(ignored.includes(path), `.dockerignore keeps ${path} out of the context`)
})

function tempDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'bozor-image-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const BUILD = process.env.BOZOR_TEST_BUILD
test('the image\'s files: compiled code, migrations and production dependencies only start with the CMD, pass the HEALTHCHECK and stop on SIGTERM', { skip: oneLeg || ((BUILD === undefined || BUILD === '') && 'needs the compiled tree of npm test (BOZOR_TEST_BUILD)') }, async (t) => {
  const app = tempDir(t)
  // what the Dockerfile's last stage has: dist/ (what `npm run build` writes: the compiled code and
  // the dashboard's modules as they are), migrations/, bin/, package*.json and `npm ci --omit=dev`
  cpSync(join(BUILD!, 'src'), join(app, 'dist'), { recursive: true })
  cpSync(join(ROOT, 'src', 'dashboard'), join(app, 'dist', 'dashboard'), { recursive: true })
  for (const path of ['migrations', 'bin', 'package.json', 'package-lock.json']) cpSync(join(ROOT, path), join(app, path), { recursive: true })
  await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' } })
  assert.ok(!existsSync(join(app, 'node_modules', 'typescript')), 'no dev dependency was installed')
  assert.ok(!existsSync(join(app, 'src')), 'no source')

  const port = await freePort()
  const dataDir = join(app, 'data')
  const cmd = ['node', 'dist/cli.js', 'start']
  const server = spawn(process.execPath, cmd.slice(1), { cwd: app, env: { PATH: process.env.PATH ?? '', HOME: app, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, NODE_ENV: 'production' } })
  t.after(() => { if (server.exitCode === null) server.kill('SIGKILL') })
  let output = ''
  server.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  server.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve))
  for (let i = 0; i < 600 && !output.includes('Bozor is listening'); i++) {
    assert.equal(server.exitCode, null, output)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(output.includes('Bozor is listening'), output)

  // the image's HEALTHCHECK command, run as Docker would in the container
  const healthcheck = dockerfileStages()[1]!.find((l) => l.startsWith('HEALTHCHECK'))!
  const argv = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[]
  assert.equal(argv[0], 'node')
  const healthy = spawnSync(process.execPath, argv.slice(1), { env: { PORT: String(port) }, encoding: 'utf8' })
  assert.equal(healthy.status, 0, healthy.stderr)
  for (const path of ['/readyz', '/sandbox/chat', '/api/docs/', '/api/openapi.json', '/login', '/dashboard/assets/app.js', '/dashboard/vendor/uPlot.esm.js']) {
    assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 200, path)
  }
  server.kill('SIGTERM')
  assert.equal(await exited, 0, output)
})

/**
 * Golden protocol answers (issue 13): every answer the app sends on `/payments/…` (Payme's
 * JSON-RPC, Click's Prepare and Complete, Stripe's webhook) during a test is recorded, normalized
 * and compared byte for byte with test/fixtures/golden/<test file>.json, keyed by the test's full
 * name. `BOZOR_GOLDEN=record` writes the fixtures from the run instead (only from tests that
 * passed); a refactor of the payment core must leave them unchanged.
 *
 * Normalized, each distinct value to a placeholder numbered by first appearance in the test
 * (`<id:1>`, `<time:1>`, `<uuid:1>`), so equal values stay equal and different ones different:
 * our random ids (`pay_…`, `led_…`, `tok_…`, …), UUIDs, and, in tests on the wall clock (no
 * FakeClock), ISO timestamps and 13-digit millisecond times. Everything else is kept.
 *
 * Answers to requests that were in flight at the same time (two Performs under Promise.all) are
 * sorted among themselves by their bodies with the placeholders' values masked: which one the
 * app finishes first is a race. Answers to requests that did not overlap keep their order.
 *
 * Webhook deliveries pushed by the Stripe emulator (user-agent `Stripe/…`) run in the
 * background: how many arrive before a test ends, and between which of the test's own
 * requests, is a race the tests do not wait out. They are compared as the set of distinct
 * answers (`"pushed": true`, after the test's own answers), not as a sequence.
 */
import type { TestContext } from 'node:test'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import type { FastifyInstance } from 'fastify'

/** One answer as the app sent it. `start` and `end` order requests and answers within a test. */
export interface RawAnswer {
  method: string
  url: string
  status: number
  type: string
  body: string
  start: number
  end: number
  /** Pushed by an emulator in the background (the Stripe emulator's webhook deliveries). */
  pushed?: boolean
}

/** One answer as a fixture holds it. */
export interface GoldenAnswer {
  /** `POST /payments/payme` (the path, without a query string). */
  request: string
  status: number
  /** The content-type header. */
  type: string
  /** The raw body, normalized. */
  body: string
  /** A background delivery: compared as one of the test's set of distinct pushed answers. */
  pushed?: true
}

export type GoldenFixture = Record<string, GoldenAnswer[]>

export interface NormalizeOptions {
  /** The app ran on the system clock: times in answers are the wall clock's. */
  wallClock: boolean
}

const PREFIX = '/payments/'
const ROOT = process.env.BOZOR_ROOT ?? join(import.meta.dirname, '..', '..')
export const GOLDEN_DIR = join(ROOT, 'test', 'fixtures', 'golden')

interface Rule { kind: string, source: string, wallClockOnly: boolean }

const RULES: Rule[] = [
  { kind: 'uuid', source: '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b', wallClockOnly: false },
  // src/domain/shared/ids.ts (26 characters of base32) and admin tokens (`tok_` + 16 hex)
  { kind: 'id', source: '\\b(?:prd|cat|pay|tok|brd|led)_[0-9a-z]{16,26}\\b', wallClockOnly: false },
  { kind: 'time', source: '\\b\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:\\d{2})', wallClockOnly: true },
  { kind: 'time', source: '(?<![0-9])1[0-9]{12}(?![0-9])', wallClockOnly: true }
]

function pattern (options: NormalizeOptions): RegExp {
  const active = RULES.filter((rule) => options.wallClock || !rule.wallClockOnly)
  return new RegExp(active.map((rule, i) => `(?<r${i}_${rule.kind}>${rule.source})`).join('|'), 'g')
}

function kindOf (groups: Record<string, string | undefined>): string {
  const name = Object.keys(groups).find((key) => groups[key] !== undefined)!
  return name.slice(name.indexOf('_') + 1)
}

/** `text` with every normalized value replaced by `<kind>` (no number): what sorts a group. */
function masked (text: string, options: NormalizeOptions): string {
  return text.replace(pattern(options), (...args) => `<${kindOf(args.at(-1) as Record<string, string | undefined>)}>`)
}

/**
 * The answers of one test as a fixture holds them: in the order they were sent, overlapping
 * ones sorted among themselves, values that differ run to run replaced by numbered placeholders.
 */
export function normalizeAnswers (answers: RawAnswer[], options: NormalizeOptions): GoldenAnswer[] {
  const byStart = answers.filter((a) => a.pushed !== true).sort((a, b) => a.start - b.start)
  const groups: RawAnswer[][] = []
  let groupEnd = -1
  for (const answer of byStart) {
    const last = groups.at(-1)
    if (last !== undefined && answer.start < groupEnd) last.push(answer)
    else groups.push([answer])
    groupEnd = Math.max(groupEnd, answer.end)
  }
  const key = (a: RawAnswer): string => `${a.method} ${a.url} ${a.status} ${a.type} ${masked(a.body, options)}`
  const seen = new Map<string, string>()
  const counts = new Map<string, number>()
  const re = pattern(options)
  const replace = (text: string): string => text.replace(re, (match: string, ...args) => {
    let placeholder = seen.get(match)
    if (placeholder === undefined) {
      const kind = kindOf(args.at(-1) as Record<string, string | undefined>)
      const n = (counts.get(kind) ?? 0) + 1
      counts.set(kind, n)
      placeholder = `<${kind}:${n}>`
      seen.set(match, placeholder)
    }
    return placeholder
  })
  const byKey = (a: RawAnswer, b: RawAnswer): number => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
  const ordered = groups.flatMap((group) => group.length > 1 ? [...group].sort(byKey) : group)
  const own = ordered.map((a): GoldenAnswer => ({ request: `${a.method} ${replace(a.url)}`, status: a.status, type: a.type, body: replace(a.body) }))
  const pushed = new Map<string, GoldenAnswer>()
  for (const a of answers.filter((x) => x.pushed === true).sort(byKey)) {
    const answer: GoldenAnswer = { request: `${a.method} ${replace(a.url)}`, status: a.status, type: a.type, body: replace(a.body), pushed: true }
    pushed.set(JSON.stringify(answer), answer)
  }
  return [...own, ...pushed.values()]
}

function show (answer: GoldenAnswer | undefined): string {
  if (answer === undefined) return '(none)'
  return `${answer.request} → ${answer.status} ${answer.type}${answer.pushed === true ? ' (pushed by the emulator)' : ''}\n      ${answer.body}`
}

/** Where two strings first differ, with a little context. */
function firstDifference (expected: string, actual: string): string {
  let i = 0
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++
  const from = Math.max(0, i - 20)
  return `first difference at character ${i}: expected …${JSON.stringify(expected.slice(from, i + 20))}, got …${JSON.stringify(actual.slice(from, i + 20))}`
}

/** Undefined when `actual` matches `expected`, else a readable account of the first difference. */
export function diffAnswers (expected: GoldenAnswer[], actual: GoldenAnswer[]): string | undefined {
  const lines: string[] = []
  if (expected.length !== actual.length) lines.push(`expected ${expected.length} answers, got ${actual.length}`)
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i]
    const a = actual[i]
    if (e !== undefined && a !== undefined && JSON.stringify(e) === JSON.stringify(a)) continue
    lines.push(`answer ${i + 1} of ${actual.length} differs:`, `  expected: ${show(e)}`, `  actual:   ${show(a)}`)
    if (e !== undefined && a !== undefined) {
      if (e.body !== a.body) lines.push(`  body: ${firstDifference(e.body, a.body)}`)
      if (e.request !== a.request || e.status !== a.status || e.type !== a.type || e.pushed !== a.pushed) lines.push('  the request line, status, content type or origin differs')
    }
    break
  }
  return lines.length === 0 ? undefined : lines.join('\n')
}

/** The test file this process runs (node --test runs each file in a process of its own). */
function testFile (): string | undefined {
  const file = process.argv[1]
  return file !== undefined && /\.test\.[cm]?[jt]s$/.test(file) ? file : undefined
}

/** `test/fixtures/golden/<file>.json` for test file `file` (`payme.test.ts` → `payme.test.json`). */
export function fixturePath (file: string): string {
  return join(GOLDEN_DIR, basename(file).replace(/\.[cm]?[jt]s$/, '') + '.json')
}

function readFixture (path: string): GoldenFixture {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as GoldenFixture : {}
}

const recording = process.env.BOZOR_GOLDEN === 'record'
/** Record mode: what this process writes when it exits, per test in the order they ended. */
const recorded = new Map<string, GoldenAnswer[] | undefined>()
let fixtureCache: GoldenFixture | undefined
let writing = false

function writeAtExit (path: string): void {
  if (writing) return
  writing = true
  process.once('exit', () => {
    const before = readFixture(path)
    const next: GoldenFixture = {}
    for (const [name, answers] of recorded) {
      const keep = answers ?? before[name]
      if (keep !== undefined && keep.length > 0) next[name] = keep
    }
    if (Object.keys(next).length === 0) {
      rmSync(path, { force: true })
      return
    }
    mkdirSync(GOLDEN_DIR, { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n')
    renameSync(tmp, path)
  })
}

function payloadText (payload: unknown): string {
  if (payload === undefined || payload === null) return ''
  if (typeof payload === 'string') return payload
  if (Buffer.isBuffer(payload)) {
    const text = payload.toString('utf8')
    return Buffer.from(text, 'utf8').equals(payload) ? text : `<base64>${payload.toString('base64')}`
  }
  return `<unrecorded ${typeof payload === 'object' ? (payload.constructor?.name ?? 'object') : typeof payload} payload>`
}

interface TestRecording { answers: RawAnswer[], seq: number, wallClock: boolean, closed: boolean }
const tests = new WeakMap<TestContext, TestRecording>()
/** Full names of the tests whose answers were compared or recorded in this process. */
export const goldenChecked: string[] = []

/**
 * Records `app`'s answers on /payments/ for test `t` and, when the test ends, compares them with
 * (or, with BOZOR_GOLDEN=record, writes them to) the test file's fixture. Several apps of one
 * test (a restart) share one recording. Call before registering the app's close in `t.after`:
 * recording stops at that hook (the test's body has ended), and the comparison runs in a hook
 * added then, which node:test runs after every other one, so a mismatch never skips the
 * closing of apps, servers and databases.
 */
export function recordGoldenAnswers (t: TestContext, app: FastifyInstance, options: NormalizeOptions): void {
  const file = testFile()
  if (file === undefined || process.env.BOZOR_GOLDEN === 'off') return
  let rec = tests.get(t)
  if (rec === undefined) {
    const created: TestRecording = { answers: [], seq: 0, wallClock: options.wallClock, closed: false }
    rec = created
    tests.set(t, created)
    t.after(() => {
      created.closed = true
      t.after(() => finish(file, t, created))
    })
  } else if (options.wallClock) {
    rec.wallClock = true
  }
  const current = rec
  const starts = new WeakMap<object, number>()
  app.addHook('onRequest', async (request) => {
    if (!current.closed && request.url.startsWith(PREFIX)) starts.set(request, current.seq++)
  })
  app.addHook('onSend', async (request, reply, payload) => {
    if (!current.closed && request.url.startsWith(PREFIX)) {
      const end = current.seq++
      const type = reply.getHeader('content-type')
      const agent = request.headers['user-agent']
      current.answers.push({
        pushed: typeof agent === 'string' && agent.startsWith('Stripe/'),
        method: request.method,
        url: request.url.split('?')[0]!,
        status: reply.statusCode,
        type: type === undefined ? '' : String(type),
        body: payloadText(payload),
        start: starts.get(request) ?? end,
        end
      })
    }
    return payload
  })
}

function finish (file: string, t: TestContext, rec: TestRecording): void {
  const name = t.fullName
  goldenChecked.push(name)
  const path = fixturePath(file)
  const actual = normalizeAnswers(rec.answers, { wallClock: rec.wallClock })
  if (recording) {
    writeAtExit(path)
    const passed = (t as TestContext & { passed?: boolean }).passed !== false
    if (!passed) process.stderr.write(`golden: "${name}" failed; its fixture entry is left as it was\n`)
    recorded.set(name, passed ? actual : undefined)
    return
  }
  fixtureCache ??= readFixture(path)
  const expected = fixtureCache[name]
  const where = relative(ROOT, path)
  const how = `BOZOR_GOLDEN=record npm test -- ${basename(file).replace(/\.[cm]?[jt]s$/, '')}`
  if (expected === undefined) {
    if (actual.length === 0) return
    throw new Error(`golden: no answers recorded for "${name}" in ${where} (this test sent ${actual.length} on ${PREFIX}); record them with: ${how}`)
  }
  const diff = diffAnswers(expected, actual)
  if (diff !== undefined) {
    throw new Error(`golden: the ${PREFIX} answers of "${name}" differ from ${where}\n${diff}\nA refactor must not change them; if the change is intended, re-record: ${how}`)
  }
}

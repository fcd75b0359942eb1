// Golden protocol answers (test/helpers/golden.ts, issue 13): the comparison bites on a changed
// byte, forgives a random id or a wall-clock time that changed, keeps equal values equal and
// different ones different, and does not depend on which of two concurrent requests ends first.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import Fastify from 'fastify'
import { diffAnswers, goldenChecked, normalizeAnswers, recordGoldenAnswers, type GoldenAnswer, type RawAnswer } from '../helpers/golden.js'

let seq = 0
function answer (body: string, overrides: Partial<RawAnswer> = {}): RawAnswer {
  const start = seq++
  return { method: 'POST', url: '/payments/payme', status: 200, type: 'application/json; charset=utf-8', body, start, end: seq++, ...overrides }
}

const PAY_A = 'pay_3k9v0x2m7q8r1t5w6y4z0a1b2c'
const PAY_B = 'pay_0000000000000000000000000z'
const LED_A = 'led_abcdefghjkmnpqrstvwxyz012'
const fake = { wallClock: false }

test('golden: one changed byte in a body fails with the answer and where it differs', () => {
  const recorded = normalizeAnswers([
    answer('{"jsonrpc":"2.0","id":100,"result":{"allow":true}}'),
    answer('{"jsonrpc":"2.0","id":101,"error":{"code":-31001,"message":{"ru":"Неверная сумма","uz":"Noto\'g\'ri summa","en":"Wrong amount"}}}')
  ], fake)
  assert.equal(diffAnswers(recorded, normalizeAnswers([
    answer('{"jsonrpc":"2.0","id":100,"result":{"allow":true}}'),
    answer('{"jsonrpc":"2.0","id":101,"error":{"code":-31001,"message":{"ru":"Неверная сумма","uz":"Noto\'g\'ri summa","en":"Wrong amount"}}}')
  ], fake)), undefined)
  const changed = normalizeAnswers([
    answer('{"jsonrpc":"2.0","id":100,"result":{"allow":true}}'),
    answer('{"jsonrpc":"2.0","id":101,"error":{"code":-31001,"message":{"ru":"Неверная сумма","uz":"Noto\'g\'ri summa","en":"Wrong amount."}}}')
  ], fake)
  const diff = diffAnswers(recorded, changed)
  assert.ok(diff !== undefined)
  assert.match(diff, /answer 2 of 2 differs/)
  assert.match(diff, /first difference at character 123/)
  // spacing and key order are bytes too
  assert.notEqual(diffAnswers(recorded, normalizeAnswers([
    answer('{"jsonrpc":"2.0","id":100,"result":{"allow": true}}'),
    answer('{"jsonrpc":"2.0","id":101,"error":{"code":-31001,"message":{"ru":"Неверная сумма","uz":"Noto\'g\'ri summa","en":"Wrong amount"}}}')
  ], fake)), undefined)
  assert.match(diffAnswers(recorded, recorded.slice(0, 1))!, /expected 2 answers, got 1/)
  assert.match(diffAnswers(recorded, [recorded[0]!, { ...recorded[1]!, status: 500 }])!, /status, content type or origin differs/)
})

test('golden: a random id that changed passes, a different id where the same one was answered fails', () => {
  const body = (a: string, b: string) => [answer(`{"result":{"transaction":"${a}","state":1}}`), answer(`{"result":{"transaction":"${b}","ledger":"${LED_A}"}}`)]
  const recorded = normalizeAnswers(body(PAY_A, PAY_A), fake)
  assert.equal(recorded[0]!.body, '{"result":{"transaction":"<id:1>","state":1}}')
  assert.equal(recorded[1]!.body, '{"result":{"transaction":"<id:1>","ledger":"<id:2>"}}')
  assert.equal(diffAnswers(recorded, normalizeAnswers(body(PAY_B, PAY_B), fake)), undefined)
  assert.ok(diffAnswers(recorded, normalizeAnswers(body(PAY_A, PAY_B), fake)) !== undefined)
  // a test's own values (Payme's 24-hex transaction ids, order ids) are not normalized
  assert.equal(normalizeAnswers([answer('{"id":"6650a3f1c2e4b8a1d3f09e77","order":"1000001"}')], fake)[0]!.body, '{"id":"6650a3f1c2e4b8a1d3f09e77","order":"1000001"}')
})

test('golden: wall-clock times are normalized only for an app on the system clock', () => {
  const body = (ms: number) => [answer(`{"result":{"create_time":${ms},"at":"${new Date(ms).toISOString()}","n":12500000}}`)]
  const wall = normalizeAnswers(body(1767261600000), { wallClock: true })
  assert.equal(wall[0]!.body, '{"result":{"create_time":<time:1>,"at":"<time:2>","n":12500000}}')
  assert.equal(diffAnswers(wall, normalizeAnswers(body(1767261654321), { wallClock: true })), undefined)
  const fixed = normalizeAnswers(body(1767261600000), fake)
  assert.equal(fixed[0]!.body, '{"result":{"create_time":1767261600000,"at":"2026-01-01T10:00:00.000Z","n":12500000}}')
  assert.ok(diffAnswers(fixed, normalizeAnswers(body(1767261600001), fake)) !== undefined)
  const uuid = normalizeAnswers([answer('{"request":"0b5e2c52-9a3c-4f1e-8d8a-3c2b1a0f9e8d"}')], fake)
  assert.equal(uuid[0]!.body, '{"request":"<uuid:1>"}')
})

test('golden: answers to overlapping requests compare as a group, whichever ends first', () => {
  const pair = (firstEnds: 'ok' | 'dup'): RawAnswer[] => {
    const base = seq
    seq += 10
    const ok = { body: `{"error":0,"merchant_confirm_id":7,"ref":"${PAY_A}"}`, url: '/payments/click/complete' }
    const dup = { body: '{"error":-4,"error_note":"Already paid"}', url: '/payments/click/complete' }
    return [
      answer(ok.body, { url: ok.url, start: base, end: firstEnds === 'ok' ? base + 2 : base + 3 }),
      answer(dup.body, { url: dup.url, start: base + 1, end: firstEnds === 'ok' ? base + 3 : base + 2 }),
      answer('{"after":true}', { start: base + 4, end: base + 5 })
    ]
  }
  const a = normalizeAnswers(pair('ok'), fake)
  const b = normalizeAnswers(pair('dup'), fake)
  assert.deepEqual(a.map((x) => x.body), ['{"error":-4,"error_note":"Already paid"}', '{"error":0,"merchant_confirm_id":7,"ref":"<id:1>"}', '{"after":true}'])
  assert.equal(diffAnswers(a, b), undefined)
  // requests that did not overlap keep their order
  const inOrder = (first: RawAnswer, second: RawAnswer): GoldenAnswer[] => normalizeAnswers([{ ...first, start: 0, end: 1 }, { ...second, start: 2, end: 3 }], fake)
  const [ok, dup] = pair('ok')
  assert.match(diffAnswers(inOrder(ok!, dup!), inOrder(dup!, ok!))!, /answer 1 of 2 differs/)
})

test('golden: webhook deliveries pushed in the background compare as a set; one with another answer fails', () => {
  const run = (deliveries: number, last = '{"received":true}'): RawAnswer[] => [
    answer('{"jsonrpc":"2.0","id":1,"result":{"allow":true}}'),
    ...Array.from({ length: deliveries }, (_, i) => answer(i === deliveries - 1 ? last : '{"received":true}', { url: '/payments/stripe/webhook', pushed: true })),
    answer('{"jsonrpc":"2.0","id":2,"result":{"allow":true}}')
  ]
  const recorded = normalizeAnswers(run(4), fake)
  assert.deepEqual(recorded.map((a) => a.pushed), [undefined, undefined, true])
  assert.equal(diffAnswers(recorded, normalizeAnswers(run(6), fake)), undefined, 'how many arrive before the test ends is a race')
  assert.match(diffAnswers(recorded, normalizeAnswers(run(6, '{"received":false}'), fake))!, /expected 3 answers, got 4\nanswer 3 of 4 differs:[^]*"received":false/)
})

test('golden: the hook records /payments/ answers of routes in encapsulated plugins, and nothing else', async (t) => {
  const app = Fastify()
  await app.register(async (child) => {
    child.post('/payments/payme', async () => ({ jsonrpc: '2.0', id: 1, result: { transaction: 'pay_' + Math.random().toString(36).slice(2).padEnd(26, '0').slice(0, 26) } }))
    child.get('/healthz', async () => ({ ok: true }))
  })
  recordGoldenAnswers(t, app, { wallClock: true })
  t.after(() => app.close())
  assert.equal((await app.inject({ method: 'POST', url: '/payments/payme' })).statusCode, 200)
  for (let i = 0; i < 2; i++) assert.equal((await app.inject({ method: 'POST', url: '/payments/payme', headers: { 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' } })).statusCode, 200)
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/payments/nowhere?x=1' })).statusCode, 404)
  // compared with test/fixtures/golden/golden.test.json when this test ends
})

test('golden: the comparison of the test before ran, after its other after hooks', () => {
  if (process.env.BOZOR_GOLDEN === 'off') return
  assert.ok(goldenChecked.includes('golden: the hook records /payments/ answers of routes in encapsulated plugins, and nothing else'), goldenChecked.join(' | '))
})

test('golden: no two test files share a name, so no two share a fixture', () => {
  const root = join(import.meta.dirname, '..')
  const names = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.test\.[jt]s$/.test(name)) {
        const key = basename(name).replace(/\.[jt]s$/, '')
        assert.equal(names.get(key), undefined, `${path} and ${names.get(key)} would share test/fixtures/golden/${key}.json`)
        names.set(key, path)
      }
    }
  }
  walk(root)
})

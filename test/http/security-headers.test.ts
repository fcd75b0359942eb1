// Issue 14, part 5: every HTML page (here the pay pages) is sent with @fastify/helmet's headers and
// a CSP that allows no third-party origin and no inline code; the pages' CSS is served from
// /assets/bozor.css.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { buildTestApp } from '../helpers/app.js'

test('a pay page carries helmet\'s headers and a CSP of its own origin only, with no inline code', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/pay/999999/payme' })
  assert.equal(res.statusCode, 404)
  assert.match(String(res.headers['content-type']), /^text\/html/)
  const csp = String(res.headers['content-security-policy'])
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`)
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/, 'no inline code, no other origin')
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
  assert.equal(res.headers['referrer-policy'], 'no-referrer')
  assert.doesNotMatch(res.body, /<style|<script|\sstyle=|\son\w+=/i, 'no inline style or script the CSP would block')
  assert.match(res.body, /<link rel="stylesheet" href="\/assets\/bozor.css">/)

  const css = await app.inject({ url: '/assets/bozor.css' })
  assert.equal(css.statusCode, 200)
  assert.match(String(css.headers['content-type']), /^text\/css/)
  assert.match(css.body, /font-family/)
})

test('fuzz: GET /assets/bozor.css with any query and headers answers 200 CSS, and HEAD too', async (t) => {
  const { app } = await buildTestApp(t)
  await fc.assert(fc.asyncProperty(
    fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => /^[a-z]+$/i.test(k)), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    fc.constantFrom('GET', 'HEAD'),
    async (query, method) => {
      const res = await app.inject({ method, url: '/assets/bozor.css', query, headers: { 'accept-encoding': 'identity' } })
      assert.equal(res.statusCode, 200)
      assert.match(String(res.headers['content-type']), /^text\/css/)
    }
  ), { seed: 1207, numRuns: 40 })
})

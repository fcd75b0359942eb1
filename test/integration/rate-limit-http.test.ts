// The HTTP side of rate limiting: `rateLimit` answers 429 ERR_RATE_LIMITED with Retry-After;
// `countOnly` never refuses. Tiny test routes on the real app, through app.inject.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { countOnly, rateLimit } from '../../src/http/plugins/rate-limit.js'

const env = { RATE_LIMITS: JSON.stringify({ 'public.ip': [{ limit: 2, windowS: 60 }] }) }

test('the third request in a minute gets 429 ERR_RATE_LIMITED with Retry-After in whole seconds', async (t) => {
  const { app } = await buildTestApp(t, { env })
  app.get('/limited/:id', { preHandler: rateLimit('public.ip', (req) => ['ip', req.ip]) }, async () => ({ ok: true }))
  const first = await app.inject({ url: '/limited/1' })
  assert.equal(first.statusCode, 200)
  assert.equal(first.headers['ratelimit-remaining'], '1')
  assert.equal((await app.inject({ url: '/limited/2' })).statusCode, 200)
  const refused = await app.inject({ url: '/limited/3' })
  assert.equal(refused.statusCode, 429)
  assert.equal(refused.json().code, 'ERR_RATE_LIMITED')
  assert.match(String(refused.headers['content-type']), /application\/problem\+json/)
  const retryAfter = Number(refused.headers['retry-after'])
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120, `Retry-After ${String(refused.headers['retry-after'])}`)
  const other = await app.inject({ url: '/limited/4', remoteAddress: '10.9.8.7' })
  assert.equal(other.statusCode, 200, 'another IP has its own quota')
})

test('countOnly counts provider callbacks but never refuses them', async (t) => {
  const { app } = await buildTestApp(t, { env })
  app.post('/callback', { preHandler: countOnly('public.ip', (req) => ['ip', req.ip]) }, async () => ({ ok: true }))
  app.get('/after-callbacks', { preHandler: rateLimit('public.ip', (req) => ['ip', req.ip]) }, async () => ({ ok: true }))
  for (let i = 0; i < 5; i++) assert.equal((await app.inject({ method: 'POST', url: '/callback', payload: {} })).statusCode, 200)
  assert.equal((await app.inject({ url: '/after-callbacks' })).statusCode, 429, 'the counted callbacks used up the quota')
})

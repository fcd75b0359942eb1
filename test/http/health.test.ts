import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/adapters/postgres/database.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'

test('GET /healthz answers 200 {"status":"ok"}', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/healthz' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'ok' })
})

test('GET /readyz answers 200 ready with the database and the key-value store up', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/readyz' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'ready', checks: { database: 'up', kv: 'up' } })
})

test('GET /readyz answers 503 not ready when the database is unreachable', async (t) => {
  const database = await openDatabase({ databaseUrl: 'postgres://root@127.0.0.1:1/unreachable', dataDir: './unused', connectTimeoutMs: 500 })
  t.after(() => database.close())
  const { app } = await buildTestApp(t, { database })
  const res = await app.inject({ url: '/readyz' })
  assert.equal(res.statusCode, 503)
  assert.deepEqual(res.json(), { status: 'not ready', checks: { database: 'down', kv: 'up' } })
})

test('GET /readyz answers 200 degraded when Redis is unreachable', async (t) => {
  const kv = createRedisKv({ cluster: false, url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 })
  t.after(() => kv.close())
  const { app } = await buildTestApp(t, { kv })
  const res = await app.inject({ url: '/readyz' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'degraded', checks: { database: 'up', kv: 'down' } })
})

test('GET /metrics exposes the request histogram by route and status, and process metrics', async (t) => {
  const { app } = await buildTestApp(t)
  await app.inject({ url: '/healthz' })
  await app.inject({ url: '/no-such-route' })
  const res = await app.inject({ url: '/metrics' })
  assert.equal(res.statusCode, 200)
  assert.match(res.headers['content-type'] as string, /^text\/plain/)
  assert.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} 1/)
  assert.match(res.body, /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/)
  assert.match(res.body, /process_cpu_user_seconds_total/)
})

test('with METRICS_TOKEN, /metrics answers only its bearer token (401 problem otherwise) and the token never reaches the log', async (t) => {
  const token = 'metrics-token-0123456789'
  const { app, logs } = await buildTestApp(t, { env: { METRICS_TOKEN: token } })
  for (const authorization of [undefined, 'Bearer wrong-token-0123456789', token, `Bearer ${token}x`, `bearer  ${token}`]) {
    const res = await app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } })
    assert.equal(res.statusCode, 401, String(authorization))
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
    assert.equal(res.json().code, 'ERR_AUTH')
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"')
  }
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.statusCode, 200)
  assert.match(ok.body, /process_cpu_user_seconds_total/)
  assert.ok(!logs.join('\n').includes(token), 'the token is not logged')
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the probes stay open')
})

test('a METRICS_TOKEN shorter than 16 characters stops the start, without its value', () => {
  assert.throws(() => loadConfig({ METRICS_TOKEN: 'short-secret' }), (error: Error) => /METRICS_TOKEN: must be 16 to 512 characters/.test(error.message) && !error.message.includes('short-secret'))
})

test('an unknown route answers 404 with a problem body', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/nope?x=1' })
  assert.equal(res.statusCode, 404)
  assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
  assert.deepEqual(res.json(), {
    type: 'urn:bozor:error:ERR_NOT_FOUND', title: 'Not Found', status: 404, code: 'ERR_NOT_FOUND', detail: 'No route GET /nope.'
  })
})

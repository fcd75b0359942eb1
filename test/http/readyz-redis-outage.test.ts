import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { freePort, hasRedisServer, startPrivateRedis } from '../helpers/kv.js'
import { eventually } from '../helpers/wait.js'
import { createRedisKv } from '../../src/adapters/redis/redis-kv.js'

// DESIGN.md: Redis down → /readyz still 200 "degraded" (every instance shares Redis); when Redis
// comes back the same process reports "ready" again, without a restart.
test('readyz goes degraded while Redis is down and recovers without a restart', { skip: hasRedisServer() ? false : 'redis-server is not installed' }, async (t) => {
  const port = await freePort()
  let redis = await startPrivateRedis(t, port)
  const kv = createRedisKv({ url: redis.url, prefix: 'readyz', commandTimeoutMs: 300 })
  t.after(() => kv.close())
  const { app } = await buildTestApp(t, { kv })

  const ready = await app.inject({ url: '/readyz' })
  assert.equal(ready.statusCode, 200)
  assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'up', kv: 'up' } })

  await redis.kill()
  const degraded = await app.inject({ url: '/readyz' })
  assert.equal(degraded.statusCode, 200)
  assert.deepEqual(degraded.json(), { status: 'degraded', checks: { database: 'up', kv: 'down' } })

  redis = await startPrivateRedis(t, port)
  // The client reconnects with backoff; readiness is observed, not timed.
  const body = await eventually('readiness back', async () => {
    const current = (await app.inject({ url: '/readyz' })).json() as { status: string }
    return current.status === 'ready' ? current : undefined
  })
  assert.deepEqual(body, { status: 'ready', checks: { database: 'up', kv: 'up' } })
})

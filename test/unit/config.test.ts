import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig, ConfigError, DEFAULT_RATE_LIMITS } from '../../src/config.js'

const GOOD_TOKEN = '123456789:' + 'A'.repeat(35)

function problemsOf (env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    return error.problems
  }
  assert.fail('expected a ConfigError')
}

test('an empty environment gives the embedded sandbox defaults', () => {
  const config = loadConfig({})
  assert.equal(config.server.port, 3000)
  assert.equal(config.server.host, '0.0.0.0')
  assert.equal(config.server.publicUrl, 'http://localhost:3000')
  assert.equal(config.dataDir, './data')
  assert.equal(config.kvPrefix, 'bozor')
  assert.equal(config.bot.defaultLanguage, 'en')
  assert.equal(config.bot.mode, 'polling')
  assert.equal(config.bot.sessionTtlS, 604800)
  assert.equal(config.orders.ttlS, 1800)
  assert.deepEqual(config.orders.rateLimits, DEFAULT_RATE_LIMITS)
  assert.deepEqual(config.stripeMinAmounts, { UZS: 1000000 })
  assert.deepEqual(config.mode, { database: 'pglite', kv: 'memory', telegram: 'sandbox' })
  assert.equal(config.stripe, undefined)
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server))
})

test('every bad value is reported at once, naming each variable', () => {
  const problems = problemsOf({
    DATABASE_URL: 'mysql:/nope',
    PORT: 'abc',
    BOT_TOKEN: '12345:short',
    DEFAULT_LANGUAGE: 'de'
  })
  assert.equal(problems.length, 4)
  assert.match(problems.join('\n'), /^DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//m)
  assert.match(problems.join('\n'), /^PORT: must be an integer from 0 to 65535 \(got "abc"\)/m)
  assert.match(problems.join('\n'), /^BOT_TOKEN: must look like <digits>:<35 characters/m)
  assert.match(problems.join('\n'), /^DEFAULT_LANGUAGE: must be one of en, ru, uz \(got "de"\)/m)
})

test('a secret value never appears in the error message', () => {
  const secretToken = '999:this-is-a-secret-but-malformed'
  try {
    loadConfig({ BOT_TOKEN: secretToken, DATABASE_URL: 'postgres//user:hunter2@db', ADMIN_TOKEN: 'short-secret' })
    assert.fail('expected a ConfigError')
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    assert.equal(error.problems.length, 3)
    assert.doesNotMatch(error.message, /this-is-a-secret|hunter2|short-secret/)
  }
})

test('a valid production environment is parsed into typed values', () => {
  const config = loadConfig({
    PORT: '8080',
    PUBLIC_URL: 'https://shop.example.com/',
    DATABASE_URL: 'postgres://bozor:pw-secret@db:5432/bozor',
    REDIS_URL: 'redis://:redis-secret@cache:6379',
    BOT_TOKEN: GOOD_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: 'hook_secret-1',
    ADMIN_CHAT_ID: '-100123456',
    DEFAULT_LANGUAGE: 'uz',
    DIGITAL_GOODS_STARS_ONLY: 'true',
    RATE_LIMITS: '{"pay.open": [{"limit": 5, "windowS": 60}]}',
    STRIPE_SECRET_KEY: 'sk_test_123',
    STRIPE_WEBHOOK_SECRET: 'whsec_123',
    STRIPE_API_BASE: 'http://127.0.0.1:12111',
    STRIPE_MIN_AMOUNTS: '{"USD": 50}',
    PAYME_MERCHANT_ID: '5e730e8e0b852a417aa49ceb',
    PAYME_KEY: 'payme-key-secret',
    CLICK_SERVICE_ID: '101',
    CLICK_MERCHANT_ID: '202',
    CLICK_SECRET_KEY: 'click-secret'
  })
  assert.equal(config.server.port, 8080)
  assert.equal(config.server.publicUrl, 'https://shop.example.com')
  assert.equal(config.bot.mode, 'webhook', 'https PUBLIC_URL + secret means webhook mode')
  assert.equal(config.bot.adminChatId, -100123456)
  assert.equal(config.bot.digitalGoodsStarsOnly, true)
  assert.deepEqual(config.orders.rateLimits['pay.open'], [{ limit: 5, windowS: 60 }])
  assert.deepEqual(config.orders.rateLimits['bot.message'], DEFAULT_RATE_LIMITS['bot.message'])
  assert.deepEqual(config.stripe?.apiBase, { protocol: 'http', host: '127.0.0.1', port: 12111 })
  assert.deepEqual(config.stripeMinAmounts, { UZS: 1000000, USD: 50 })
  assert.equal(config.payme?.checkoutUrl, 'https://checkout.paycom.uz')
  assert.equal(config.click?.apiBase, 'https://api.click.uz/v2/merchant')
  assert.deepEqual(config.mode, { database: 'postgres', kv: 'redis', telegram: 'real' })
  for (const secret of [GOOD_TOKEN, 'pw-secret', 'redis-secret', 'payme-key-secret', 'click-secret', 'whsec_123']) {
    assert.ok(config.secrets.includes(secret), `secrets lists ${secret.slice(0, 3)}…`)
  }
})

test('webhook mode without a secret is a configuration error', () => {
  assert.deepEqual(problemsOf({ TELEGRAM_MODE: 'webhook' }), ['TELEGRAM_WEBHOOK_SECRET: is required when TELEGRAM_MODE is webhook'])
})

test('a partial provider configuration names the missing variables', () => {
  const problems = problemsOf({ CLICK_SERVICE_ID: '1', PAYME_KEY: 'k', STRIPE_WEBHOOK_SECRET: 'whsec_x' })
  const text = problems.join('\n')
  for (const name of ['CLICK_MERCHANT_ID', 'CLICK_SECRET_KEY', 'PAYME_MERCHANT_ID', 'STRIPE_SECRET_KEY']) {
    assert.match(text, new RegExp(`^${name}: is required when`, 'm'))
  }
  assert.equal(problems.length, 4)
})

test('RATE_LIMITS and STRIPE_MIN_AMOUNTS reject malformed JSON and unknown policies', () => {
  const problems = problemsOf({ RATE_LIMITS: '{"bot.nope": [{"limit": 1, "windowS": 1}]}', STRIPE_MIN_AMOUNTS: '{"usd": 1.5}' })
  assert.match(problems.join('\n'), /^RATE_LIMITS: unknown policy "bot.nope"/m)
  assert.match(problems.join('\n'), /^STRIPE_MIN_AMOUNTS: must be a JSON object/m)
  assert.match(problemsOf({ RATE_LIMITS: '{not json' })[0]!, /^RATE_LIMITS: must be a JSON object/)
})

test('a Redis Cluster takes a list of seed URLs and REDIS_URL must be redis://', () => {
  const config = loadConfig({ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://127.0.0.1:7001, redis://127.0.0.1:7002' })
  assert.deepEqual(config.redis, { cluster: true, nodes: ['redis://127.0.0.1:7001', 'redis://127.0.0.1:7002'] })
  assert.match(problemsOf({ REDIS_URL: 'http://cache' })[0]!, /^REDIS_URL: must be a URL starting with redis:\/\//)
  assert.match(problemsOf({ REDIS_CLUSTER: 'maybe' })[0]!, /^REDIS_CLUSTER: must be true or false/)
})

test('BROADCAST_RATE defaults to 25 messages a second and takes 1 to 1000', () => {
  assert.equal(loadConfig({}).broadcasts.rate, 25)
  assert.equal(loadConfig({ BROADCAST_RATE: '30' }).broadcasts.rate, 30)
  assert.match(problemsOf({ BROADCAST_RATE: '0' }).join('\n'), /^BROADCAST_RATE: must be an integer from 1 to 1000 \(got "0"\)/m)
  assert.match(problemsOf({ BROADCAST_RATE: '2.5' }).join('\n'), /^BROADCAST_RATE: must be an integer/m)
})

test('OUTBOX_LEASE_S defaults to 10 seconds (renewed while work runs, decision 0046) and takes 4 to 3600 seconds', () => {
  assert.equal(loadConfig({}).outbox.leaseS, 10)
  assert.equal(loadConfig({ OUTBOX_LEASE_S: '5' }).outbox.leaseS, 5)
  assert.match(problemsOf({ OUTBOX_LEASE_S: '3' }).join('\n'), /^OUTBOX_LEASE_S: must be an integer from 4 to 3600 \(got "3"\)/m)
  assert.match(problemsOf({ OUTBOX_LEASE_S: 'soon' }).join('\n'), /^OUTBOX_LEASE_S: must be an integer/m)
})

test('TIMEZONE is an IANA name (canonical spelling kept) and EVENT_RETENTION_DAYS a day count; defaults UTC and 400', () => {
  assert.deepEqual(loadConfig({}).analytics, { timezone: 'UTC', eventRetentionDays: 400 })
  assert.deepEqual(loadConfig({ TIMEZONE: 'asia/tashkent', EVENT_RETENTION_DAYS: '30' }).analytics, { timezone: 'Asia/Tashkent', eventRetentionDays: 30 })
  assert.deepEqual(problemsOf({ TIMEZONE: 'Mars/Olympus', EVENT_RETENTION_DAYS: '0' }), [
    'TIMEZONE: must be an IANA time zone name, e.g. UTC or Asia/Tashkent (got "Mars/Olympus")',
    'EVENT_RETENTION_DAYS: must be an integer from 1 to 36500 (got "0")'
  ])
  assert.equal(problemsOf({ TIMEZONE: '+05:00' }).length, 1)
})

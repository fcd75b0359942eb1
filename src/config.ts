/**
 * The only reader of `process.env`. Every variable of DESIGN.md is parsed and validated here
 * at start; every problem is collected and reported at once ({@link ConfigError}), naming the
 * variable and never printing a secret's value. The result is a frozen {@link Config}.
 *
 * @example
 * const config = loadConfig(process.env) // throws ConfigError listing every bad variable
 */
import { Type, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

import { LANGUAGES, type Language } from './domain/shared/language.js'
import { RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitRule } from './domain/shared/rate-limit.js'

export { LANGUAGES, type Language, RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitRule }
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitPolicy, RateLimitRule[]>> = {
  'bot.message': [{ limit: 5, windowS: 3 }, { limit: 60, windowS: 60 }],
  'checkout.attempt': [{ limit: 10, windowS: 600 }],
  'pay.open': [{ limit: 20, windowS: 60 }],
  'api.token': [{ limit: 600, windowS: 60 }],
  // failed authentications per address: a mistyped token now and then, never a guessing run
  'api.auth': [{ limit: 20, windowS: 60 }, { limit: 100, windowS: 3600 }],
  'public.ip': [{ limit: 60, windowS: 60 }]
}

export interface StripeConfig {
  secretKey: string
  webhookSecret: string
  /** Where the SDK sends requests; unset = Stripe's own API. */
  apiBase?: { protocol: 'http' | 'https', host: string, port: number }
}
export interface PaymeConfig { merchantId: string, key: string, checkoutUrl: string }
export interface ClickConfig {
  serviceId: string
  merchantId: string
  secretKey: string
  merchantUserId?: string
  checkoutUrl: string
  apiBase: string
}

export interface Config {
  server: { port: number, host: string, trustProxy: boolean | number | string, publicUrl: string, logLevel: LogLevel }
  dataDir: string
  databaseUrl?: string
  redis?: { cluster: false, url: string } | { cluster: true, nodes: string[] }
  kvPrefix: string
  bot: {
    token?: string
    apiRoot: string
    mode: 'polling' | 'webhook'
    webhookSecret?: string
    adminChatId?: number
    /** ADMIN_IDS: Telegram user ids who may ask the bot for a dashboard login link (`/dashboard`). */
    adminIds: number[]
    defaultLanguage: Language
    sessionTtlS: number
    webappAuthMaxAgeS: number
    digitalGoodsStarsOnly: boolean
  }
  orders: { ttlS: number, rateLimits: Record<RateLimitPolicy, RateLimitRule[]> }
  /** OUTBOX_LEASE_S: how long a claimed outbox row stays with a worker that stopped renewing it (a crashed instance's deliveries resume after it). */
  outbox: { leaseS: number }
  /** TIMEZONE (an IANA name: the days of analytics) and EVENT_RETENTION_DAYS (raw events older than this are removed; rollups stay). */
  analytics: { timezone: string, eventRetentionDays: number }
  /** BROADCAST_RATE: broadcast messages per second, all instances together (a recipient claimed by an instance that stopped waits OUTBOX_LEASE_S). */
  broadcasts: { rate: number }
  adminToken?: string
  /** METRICS_TOKEN: when set, `/metrics` needs `Authorization: Bearer <it>`. */
  metricsToken?: string
  stripe?: StripeConfig
  stripeMinAmounts: Record<string, number>
  payme?: PaymeConfig
  click?: ClickConfig
  /** Which adapter each part uses, derived from the variables above (DESIGN.md "Runtime modes"). */
  mode: { database: 'pglite' | 'postgres', kv: 'memory' | 'redis', telegram: 'sandbox' | 'real' }
  /** Every secret value, so the logger can scrub them from any message. */
  secrets: string[]
}

/** Thrown by {@link loadConfig}; `problems` holds one line per bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor (readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  - ${p}`).join('\n'))
  }
}

const SECRET_VARS = new Set(['BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET', 'PAYME_KEY', 'CLICK_SECRET_KEY', 'DATABASE_URL', 'REDIS_URL'])

const DEFAULT_STRIPE_MIN_AMOUNTS: Record<string, number> = { UZS: 1_000_000 }

type Env = Record<string, string | undefined>

class Reader {
  readonly problems: string[] = []
  constructor (private readonly env: Env) {}

  raw (name: string): string | undefined {
    const value = this.env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }

  fail (name: string, message: string): undefined {
    const value = this.env[name]
    const shown = SECRET_VARS.has(name) || value === undefined ? '' : ` (got ${JSON.stringify(value.slice(0, 80))})`
    this.problems.push(`${name}: ${message}${shown}`)
    return undefined
  }

  /** Converts the text with `convert`, then checks it against a TypeBox schema. */
  typed<T> (name: string, schema: TSchema, expected: string, convert: (s: string) => unknown = (s) => s): T | undefined {
    const text = this.raw(name)
    if (text === undefined) return undefined
    let value: unknown
    try { value = convert(text) } catch { return this.fail(name, expected) }
    if (!Value.Check(schema, value)) return this.fail(name, expected)
    return value as T
  }

  int (name: string, min: number, max: number): number | undefined {
    return this.typed<number>(name, Type.Integer({ minimum: min, maximum: max }),
      `must be an integer from ${min} to ${max}`, (s) => /^-?\d+$/.test(s) ? Number(s) : NaN)
  }

  bool (name: string): boolean | undefined {
    return this.typed<boolean>(name, Type.Boolean(), 'must be true or false', (s) => {
      const lower = s.toLowerCase()
      if (['true', '1', 'yes'].includes(lower)) return true
      if (['false', '0', 'no'].includes(lower)) return false
      return s
    })
  }

  url (name: string, protocols: string[]): string | undefined {
    const text = this.raw(name)
    if (text === undefined) return undefined
    if (!isUrl(text, protocols)) return this.fail(name, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`)
    return text
  }

  json<T> (name: string, schema: TSchema, expected: string): T | undefined {
    return this.typed<T>(name, schema, expected, (s) => JSON.parse(s))
  }
}

function isUrl (text: string, protocols: string[]): boolean {
  try {
    const url = new URL(text)
    return protocols.includes(url.protocol) && url.hostname !== ''
  } catch {
    return false
  }
}

const RuleList = Type.Array(Type.Object({
  limit: Type.Integer({ minimum: 1 }),
  windowS: Type.Integer({ minimum: 1, maximum: 86_400 * 7 })
}, { additionalProperties: false }), { minItems: 1, maxItems: 8 })
const RateLimitsSchema = Type.Record(Type.String(), RuleList)
const MinAmountsSchema = Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Type.Integer({ minimum: 1 }), { additionalProperties: false })
const BotTokenSchema = Type.String({ pattern: '^[0-9]{1,20}:[A-Za-z0-9_-]{35}$' })
const SecretTokenSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,256}$' })

/** Requires all or none of a provider's variables; returns the values when all are set. */
function group (r: Reader, provider: string, names: string[]): Record<string, string> | undefined {
  const values = Object.fromEntries(names.map((n) => [n, r.raw(n)]))
  const missing = names.filter((n) => values[n] === undefined)
  if (missing.length === names.length) return undefined
  if (missing.length > 0) {
    for (const name of missing) r.fail(name, `is required when ${provider} is configured (${names.filter((n) => !missing.includes(n)).join(', ')} set)`)
    return undefined
  }
  return values as Record<string, string>
}

/**
 * Parses and validates the environment. Throws {@link ConfigError} listing every problem.
 */
export function loadConfig (env: Env): Config {
  const r = new Reader(env)
  const port = r.int('PORT', 0, 65535) ?? 3000
  const host = r.raw('HOST') ?? '0.0.0.0'
  const trustProxy = parseTrustProxy(r)
  const publicUrl = (r.url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '')
  const logLevel = r.typed<LogLevel>('LOG_LEVEL', Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    'must be one of fatal, error, warn, info, debug, trace, silent') ?? 'info'
  const dataDir = r.raw('DATA_DIR') ?? './data'
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:'])
  const redis = parseRedis(r)
  const kvPrefix = r.typed<string>('KV_PREFIX', Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    'must be 1-64 characters of letters, digits, _ . -') ?? 'bozor'

  const token = r.typed<string>('BOT_TOKEN', BotTokenSchema, 'must look like <digits>:<35 characters of A-Z a-z 0-9 _ ->')
  const botTokenSet = r.raw('BOT_TOKEN') !== undefined
  const apiRoot = (r.url('TELEGRAM_API_ROOT', ['http:', 'https:']) ?? 'https://api.telegram.org').replace(/\/+$/, '')
  const webhookSecret = r.typed<string>('TELEGRAM_WEBHOOK_SECRET', SecretTokenSchema, 'must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram\'s secret_token rule)')
  const explicitMode = r.typed<'polling' | 'webhook'>('TELEGRAM_MODE', Type.Union([Type.Literal('polling'), Type.Literal('webhook')]), 'must be polling or webhook')
  const mode = explicitMode ?? (publicUrl.startsWith('https://') && webhookSecret !== undefined ? 'webhook' : 'polling')
  if (mode === 'webhook' && r.raw('TELEGRAM_WEBHOOK_SECRET') === undefined) {
    r.fail('TELEGRAM_WEBHOOK_SECRET', 'is required when TELEGRAM_MODE is webhook')
  }
  const adminChatId = r.typed<number>('ADMIN_CHAT_ID', Type.Integer({ minimum: -(2 ** 53) + 1, maximum: 2 ** 53 - 1 }),
    'must be a Telegram chat id (an integer, negative for groups)', (s) => /^-?\d+$/.test(s) ? Number(s) : NaN)
  const adminIds = r.typed<number[]>('ADMIN_IDS', Type.Array(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }), { minItems: 1, maxItems: 100 }),
    'must be a comma-separated list of Telegram user ids (positive integers)',
    (s) => s.split(',').map((part) => /^\s*\d{1,16}\s*$/.test(part) ? Number(part) : NaN)) ?? []
  const defaultLanguage = r.typed<Language>('DEFAULT_LANGUAGE', Type.Union(LANGUAGES.map((l) => Type.Literal(l))),
    `must be one of ${LANGUAGES.join(', ')}`) ?? 'en'
  const sessionTtlS = r.int('SESSION_TTL_S', 60, 31_536_000) ?? 604_800
  const webappAuthMaxAgeS = r.int('WEBAPP_AUTH_MAX_AGE_S', 1, 31_536_000) ?? 3600
  const digitalGoodsStarsOnly = r.bool('DIGITAL_GOODS_STARS_ONLY') ?? false

  const ttlS = r.int('ORDER_TTL_S', 60, 2_592_000) ?? 1800
  const outboxLeaseS = r.int('OUTBOX_LEASE_S', 4, 3600) ?? 10
  const rateLimits = parseRateLimits(r)
  const timezone = r.typed<string>('TIMEZONE', Type.String({ minLength: 1, maxLength: 64 }),
    'must be an IANA time zone name, e.g. UTC or Asia/Tashkent', (s) => canonicalTimeZone(s)) ?? 'UTC'
  const eventRetentionDays = r.int('EVENT_RETENTION_DAYS', 1, 36_500) ?? 400
  const broadcastRate = r.int('BROADCAST_RATE', 1, 1000) ?? 25
  const adminToken = r.typed<string>('ADMIN_TOKEN', Type.String({ minLength: 16, maxLength: 512 }), 'must be 16 to 512 characters')
  const metricsToken = r.typed<string>('METRICS_TOKEN', Type.String({ minLength: 16, maxLength: 512 }), 'must be 16 to 512 characters')

  const stripe = parseStripe(r)
  const stripeMinAmounts = {
    ...DEFAULT_STRIPE_MIN_AMOUNTS,
    ...(r.json<Record<string, number>>('STRIPE_MIN_AMOUNTS', MinAmountsSchema,
      'must be a JSON object of currency code to minimum in minor units, e.g. {"USD": 50}') ?? {})
  }
  const paymeVars = group(r, 'Payme', ['PAYME_MERCHANT_ID', 'PAYME_KEY'])
  const paymeCheckoutUrl = r.url('PAYME_CHECKOUT_URL', ['http:', 'https:']) ?? 'https://checkout.paycom.uz'
  const clickVars = group(r, 'Click', ['CLICK_SERVICE_ID', 'CLICK_MERCHANT_ID', 'CLICK_SECRET_KEY'])
  const clickMerchantUserId = r.raw('CLICK_MERCHANT_USER_ID')
  const clickCheckoutUrl = r.url('CLICK_CHECKOUT_URL', ['http:', 'https:']) ?? 'https://my.click.uz/services/pay'
  const clickApiBase = (r.url('CLICK_API_BASE', ['http:', 'https:']) ?? 'https://api.click.uz/v2/merchant').replace(/\/+$/, '')
  for (const name of ['CLICK_SERVICE_ID', 'CLICK_MERCHANT_ID', 'CLICK_MERCHANT_USER_ID']) {
    const value = r.raw(name)
    if (value !== undefined && !/^\d{1,20}$/.test(value)) r.fail(name, 'must be a number (digits only)')
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems)

  const secrets = [token, webhookSecret, adminToken, metricsToken, stripe?.secretKey, stripe?.webhookSecret,
    paymeVars?.PAYME_KEY, clickVars?.CLICK_SECRET_KEY, passwordOf(databaseUrl),
    ...(redis === undefined ? [] : redis.cluster ? redis.nodes.map(passwordOf) : [passwordOf(redis.url)])]
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)

  const config: Config = {
    server: { port, host, trustProxy, publicUrl, logLevel },
    dataDir,
    databaseUrl,
    redis,
    kvPrefix,
    bot: { token, apiRoot, mode, webhookSecret, adminChatId, adminIds, defaultLanguage, sessionTtlS, webappAuthMaxAgeS, digitalGoodsStarsOnly },
    orders: { ttlS, rateLimits },
    outbox: { leaseS: outboxLeaseS },
    analytics: { timezone, eventRetentionDays },
    broadcasts: { rate: broadcastRate },
    adminToken,
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    stripe,
    stripeMinAmounts,
    payme: paymeVars && { merchantId: paymeVars.PAYME_MERCHANT_ID!, key: paymeVars.PAYME_KEY!, checkoutUrl: paymeCheckoutUrl },
    click: clickVars && {
      serviceId: clickVars.CLICK_SERVICE_ID!,
      merchantId: clickVars.CLICK_MERCHANT_ID!,
      secretKey: clickVars.CLICK_SECRET_KEY!,
      merchantUserId: clickMerchantUserId,
      checkoutUrl: clickCheckoutUrl,
      apiBase: clickApiBase
    },
    mode: {
      database: databaseUrl === undefined ? 'pglite' : 'postgres',
      kv: redis === undefined ? 'memory' : 'redis',
      telegram: botTokenSet ? 'real' : 'sandbox'
    },
    secrets
  }
  return deepFreeze(config)
}

/** The IANA name `text` as Intl spells it (`asia/tashkent` → `Asia/Tashkent`); throws for an unknown zone or an offset. */
function canonicalTimeZone (text: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(text)) throw new RangeError('not an IANA name')
  return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone
}

function parseTrustProxy (r: Reader): boolean | number | string {
  const text = r.raw('TRUST_PROXY')
  if (text === undefined) return false
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
  if (/^\d{1,3}$/.test(text)) return Number(text)
  if (/^[0-9a-fA-F.:/,\s]+$/.test(text)) return text
  return r.fail('TRUST_PROXY', 'must be true, false, a hop count, or comma-separated proxy addresses/CIDRs') ?? false
}

function parseRedis (r: Reader): Config['redis'] {
  const cluster = r.bool('REDIS_CLUSTER') ?? false
  const text = r.raw('REDIS_URL')
  if (text === undefined) {
    if (cluster) r.fail('REDIS_URL', 'is required when REDIS_CLUSTER is true (comma-separated seed node URLs)')
    return undefined
  }
  const urls = cluster ? text.split(',').map((s) => s.trim()).filter(Boolean) : [text]
  if (urls.length === 0 || !urls.every((u) => isUrl(u, ['redis:', 'rediss:']))) {
    return r.fail('REDIS_URL', cluster
      ? 'must be a comma-separated list of redis:// or rediss:// URLs'
      : 'must be a URL starting with redis:// or rediss:// (for a cluster set REDIS_CLUSTER=true)')
  }
  return cluster ? { cluster: true, nodes: urls } : { cluster: false, url: urls[0]! }
}

function parseRateLimits (r: Reader): Record<RateLimitPolicy, RateLimitRule[]> {
  const overrides = r.json<Record<string, RateLimitRule[]>>('RATE_LIMITS', RateLimitsSchema,
    'must be a JSON object of policy name to a list of {"limit": n, "windowS": s}, e.g. {"bot.message": [{"limit": 5, "windowS": 3}]}')
  const limits: Record<RateLimitPolicy, RateLimitRule[]> = { ...DEFAULT_RATE_LIMITS }
  for (const [name, rules] of Object.entries(overrides ?? {})) {
    if (!(RATE_LIMIT_POLICIES as readonly string[]).includes(name)) {
      r.fail('RATE_LIMITS', `unknown policy "${name}" (policies: ${RATE_LIMIT_POLICIES.join(', ')})`)
    } else {
      limits[name as RateLimitPolicy] = rules
    }
  }
  return limits
}

function parseStripe (r: Reader): StripeConfig | undefined {
  const vars = group(r, 'Stripe', ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'])
  const base = r.url('STRIPE_API_BASE', ['http:', 'https:'])
  if (vars === undefined) return undefined
  let apiBase: StripeConfig['apiBase']
  if (base !== undefined) {
    const url = new URL(base)
    const protocol = url.protocol === 'http:' ? 'http' : 'https'
    apiBase = { protocol, host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port) }
  }
  return { secretKey: vars.STRIPE_SECRET_KEY!, webhookSecret: vars.STRIPE_WEBHOOK_SECRET!, apiBase }
}

function passwordOf (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** Reads the environment or exits 1 with every problem listed. */
export function loadConfigOrExit (env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`bozor: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

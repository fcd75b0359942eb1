import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock, type Clock } from '../../domain/shared/clock.js'
import { handleApiCall, type RecordedRequest } from './api.js'
import { createEmulatorState } from './emulator-state.js'
import { DEFAULT_MINIMUM_AMOUNTS } from './currency.js'
import { FaultInjector } from './faults.js'
import { handleHostedPage } from './hosted-pages.js'
import { IdempotencyStore } from './idempotency.js'
import { createIdGenerator } from './ids.js'
import { createTestControls, type StripeTestControls } from './test-controls.js'
import { WebhookDispatcher, type WebhookDelivery, type WebhookEndpoint } from './webhooks.js'

/** Options of {@link createStripeEmulator}. */
export interface StripeEmulatorOptions {
  /** The accepted API key (default `sk_test_bozor`). */
  secretKey?: string
  /** Default signing secret of webhook endpoints (default `whsec_bozor_test`). */
  webhookSecret?: string
  /** Webhook endpoint URLs registered at creation. */
  webhookEndpoints?: string[]
  clock?: Clock
  /** Absolute base of the hosted pages (`session.url`), e.g. `http://localhost:3000/sandbox/stripe`. */
  publicBaseUrl?: string
  /** Path prefix `handle` strips when mounted inside another server, e.g. `/sandbox/stripe`. */
  basePath?: string
  /** Seed of the deterministic ids (default 1). */
  seed?: number
  /** Minimum charge amounts by lower-case currency (default: specs/stripe.md §4 table, UZS 650000). */
  minimumAmounts?: Record<string, number>
  /** Real-time waits before each webhook retry (default 500, 2000, 5000: three retries). */
  webhookRetryDelaysMs?: number[]
  /** Per-attempt webhook timeout (default 10 s). */
  webhookTimeoutMs?: number
  /** How long after a delayed payment on the hosted page it settles (default 2000 ms). */
  delayedSettlementMs?: number
}

/** Where a started emulator listens. */
export interface StripeEmulatorAddress { url: string, host: string, port: number, protocol: 'http' }

/** A running (or mountable) Stripe-compatible server; see {@link createStripeEmulator}. */
export interface StripeEmulator extends StripeTestControls {
  readonly secretKey: string
  readonly webhookSecret: string
  /** Every `/v1` call, in arrival order. */
  readonly requests: RecordedRequest[]
  /** Every webhook delivery attempt. */
  readonly deliveries: WebhookDelivery[]
  readonly webhookEndpoints: WebhookEndpoint[]
  readonly faults: FaultInjector
  /** Listens on `host` (default 127.0.0.1) and `port` (default 0 = any); idempotent. */
  start(opts?: { host?: string, port?: number }): Promise<StripeEmulatorAddress>
  /** Stops listening, drops held answers and pending webhook retries; idempotent. */
  close(): Promise<void>
  /** Plain node:http handler (strips `basePath`); `rawBody` when the body was already read. */
  handle(req: IncomingMessage, res: ServerResponse, rawBody?: string | Buffer): Promise<void>
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Local Stripe-compatible server for tests and sandbox mode (specs/stripe.md §11.3): the
 * `/v1` API over real HTTP for the official SDK, a hosted Checkout page, signed webhooks with
 * retries, Idempotency-Key semantics, test PaymentMethods and fault injection.
 *
 * @example
 * const emulator = createStripeEmulator()
 * const { host, port, protocol } = await emulator.start()
 * const stripe = new Stripe(emulator.secretKey, { host, port, protocol, maxNetworkRetries: 0 })
 * emulator.addWebhookEndpoint('http://127.0.0.1:3000/payments/stripe/webhook')
 */
export function createStripeEmulator (options: StripeEmulatorOptions = {}): StripeEmulator {
  const secretKey = options.secretKey ?? 'sk_test_bozor'
  const webhookSecret = options.webhookSecret ?? 'whsec_bozor_test'
  const clock = options.clock ?? systemClock
  const basePath = (options.basePath ?? '').replace(/\/$/, '')
  const ids = createIdGenerator(options.seed ?? 1)
  const dispatcher = new WebhookDispatcher({ clock, retryDelaysMs: options.webhookRetryDelaysMs ?? [500, 2000, 5000], timeoutMs: options.webhookTimeoutMs ?? 10_000 })
  const faults = new FaultInjector()
  const idempotency = new IdempotencyStore(clock)
  const requests: RecordedRequest[] = []
  const held = new Set<{ res: ServerResponse, timer?: NodeJS.Timeout }>()
  const timers = new Set<NodeJS.Timeout>()
  let server: Server | undefined
  let address: StripeEmulatorAddress | undefined
  let seenBase: string | undefined
  const publicBase = (): string => options.publicBaseUrl?.replace(/\/$/, '') ?? (address !== undefined ? `${address.url}${basePath}` : seenBase) ?? `http://127.0.0.1${basePath}`
  const state = createEmulatorState({
    ids, clock, dispatcher, minimums: { ...DEFAULT_MINIMUM_AMOUNTS, ...options.minimumAmounts }, hostedUrl: (path) => `${publicBase()}${path}`
  })
  const deliverySucceeded = (eventId: string): boolean => {
    const event = state.events.get(eventId)
    return event === undefined || dispatcher.matching(event.type).every((e) => dispatcher.deliveries.some((d) => d.eventId === eventId && d.endpointId === e.id && d.ok))
  }
  const controls = createTestControls({ state, dispatcher, ids, webhookSecret, clock })
  for (const url of options.webhookEndpoints ?? []) controls.addWebhookEndpoint(url)

  const onDelayed = (sessionId: string): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      try { controls.settleDelayedPayment(sessionId) } catch { /* settled or expired meanwhile */ }
    }, options.delayedSettlementMs ?? 2000)
    timers.add(timer)
  }

  async function handle (req: IncomingMessage, res: ServerResponse, rawBody?: string | Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.local')
    let path = url.pathname
    if (basePath !== '' && path.startsWith(basePath)) path = path.slice(basePath.length) || '/'
    if (req.headers.host !== undefined) seenBase ??= `http://${req.headers.host}${basePath}`
    const method = (req.method ?? 'GET').toUpperCase()
    const body = rawBody !== undefined ? rawBody.toString() : method === 'POST' ? await readBody(req) : ''
    if (path.startsWith('/v1/')) {
      const outcome = handleApiCall({ state, secretKey, faults, idempotency, requests, deliverySucceeded }, { method, path, query: url.search.slice(1), body, headers: req.headers })
      if (outcome.kind === 'drop') { req.socket.destroy(); return }
      const send = (): void => { if (!res.destroyed) res.writeHead(outcome.status, outcome.headers).end(outcome.body) }
      if (outcome.holdMs === undefined) { send(); return }
      const entry: { res: ServerResponse, timer?: NodeJS.Timeout } = { res }
      held.add(entry)
      res.on('close', () => { clearTimeout(entry.timer); held.delete(entry) })
      if (Number.isFinite(outcome.holdMs)) entry.timer = setTimeout(() => { held.delete(entry); send() }, outcome.holdMs)
      return
    }
    const page = handleHostedPage(state, { method, path, form: new URLSearchParams(body) }, onDelayed)
    if (page !== undefined) { res.writeHead(page.status, page.headers).end(page.body); return }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({
      error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` }
    }))
  }

  return {
    ...controls,
    secretKey,
    webhookSecret,
    requests,
    deliveries: dispatcher.deliveries,
    webhookEndpoints: dispatcher.endpoints,
    faults,
    handle,
    async start (opts = {}) {
      if (address !== undefined) return address
      const host = opts.host ?? '127.0.0.1'
      const srv = createServer((req, res) => {
        handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: { type: 'api_error', message: `Emulator failure: ${(err as Error).message}` } }))
        })
      })
      server = srv
      await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(opts.port ?? 0, host, resolve) })
      const port = (srv.address() as AddressInfo).port
      address = { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, host, port, protocol: 'http' }
      return address
    },
    async close () {
      dispatcher.close()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const entry of held) { clearTimeout(entry.timer); entry.res.destroy() }
      held.clear()
      const srv = server
      server = undefined
      if (srv === undefined) return
      srv.closeAllConnections()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    }
  }
}

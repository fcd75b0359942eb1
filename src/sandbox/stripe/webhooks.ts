import { createHmac } from 'node:crypto'
import type { Clock } from '../../domain/shared/clock.js'
import type { StripeEvent } from './state.js'

/** A registered webhook endpoint; `enabledEvents` `['*']` receives everything. */
export interface WebhookEndpoint {
  id: string
  url: string
  secret: string
  enabledEvents: string[]
}

/** One delivery attempt, as recorded in `emulator.deliveries`. */
export interface WebhookDelivery {
  eventId: string
  type: string
  endpointId: string
  url: string
  /** 1 for the first attempt of a copy, 2+ for retries. */
  attempt: number
  /** HTTP status of the receiver's answer; `null` when it never answered. */
  status: number | null
  ok: boolean
  error?: string
  /** The exact bytes sent, and the `Stripe-Signature` header they were sent with. */
  payload: string
  signature: string
  /** Clock time (ms) of the attempt. */
  at: number
}

/** Test hooks for one send (specs/stripe.md §11.3). */
export interface DeliveryOptions {
  /** Deliver the same event id this many times (default 1); `duplicate: true` means 2. */
  copies?: number
  duplicate?: boolean
  /** Send the copies at once instead of one after the other. */
  concurrent?: boolean
  /** Wait this long (real ms) before the first attempt: a late, out-of-order event. */
  delayMs?: number
  /** Sign with a wrong secret. */
  badSignature?: boolean
}

/**
 * `Stripe-Signature` for `payload` at Unix second `timestamp`: `t=…,v1=HMAC-SHA256(secret, "t.payload")`.
 *
 * @example
 * signPayload('{"id":"evt_1"}', 'whsec_bozor_test', 1795581832) // 't=1795581832,v1=…'
 */
export function signPayload (payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')
  return `t=${timestamp},v1=${v1}`
}

interface Waiter { predicate: (d: WebhookDelivery) => boolean, resolve: (d: WebhookDelivery) => void }

/** Sends events to endpoints with retries on non-2xx, and records every attempt. */
export class WebhookDispatcher {
  readonly endpoints: WebhookEndpoint[] = []
  readonly deliveries: WebhookDelivery[] = []
  readonly #clock: Clock
  readonly #retryDelaysMs: readonly number[]
  readonly #timeoutMs: number
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #inflight = new Set<Promise<void>>()
  readonly #waiters = new Set<Waiter>()
  #held: Array<() => void> | null = null
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  constructor (opts: { clock: Clock, retryDelaysMs: readonly number[], timeoutMs: number }) {
    this.#clock = opts.clock
    this.#retryDelaysMs = opts.retryDelaysMs
    this.#timeoutMs = opts.timeoutMs
  }

  /** Endpoints that receive events of `type`. */
  matching (type: string): WebhookEndpoint[] {
    return this.endpoints.filter((e) => e.enabledEvents.includes('*') || e.enabledEvents.includes(type))
  }

  /**
   * Schedules delivery of `event` to every matching endpoint. First attempts go out one event
   * at a time in emission order (so tests see a stable order); retries run on their own timers.
   */
  dispatch (event: StripeEvent, opts: DeliveryOptions = {}): void {
    const start = (): void => {
      this.#enqueue(async () => {
        await Promise.all(this.matching(event.type).map((endpoint) => this.#sendCopies(endpoint, event, opts)))
      })
    }
    if (this.#held !== null && opts.delayMs === undefined) this.#held.push(start)
    else if (opts.delayMs !== undefined && opts.delayMs > 0) this.#later(opts.delayMs, start)
    else start()
  }

  /** Holds automatic deliveries until {@link resume}. */
  pause (): void { this.#held ??= [] }

  /** Releases held deliveries, in creation order or reversed (out-of-order delivery). */
  resume (opts: { reverse?: boolean } = {}): void {
    const held = this.#held ?? []
    this.#held = null
    for (const start of opts.reverse === true ? held.reverse() : held) start()
  }

  /** Resolves with the first recorded or future attempt matching `predicate`. */
  waitFor (predicate: (d: WebhookDelivery) => boolean, timeoutMs = 10_000): Promise<WebhookDelivery> {
    const found = this.deliveries.find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { predicate, resolve: (d) => { clearTimeout(timer); resolve(d) } }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        const seen = this.deliveries.map((d) => `${d.type}#${d.attempt}→${String(d.status)}`).join(', ')
        reject(new Error(`No matching webhook delivery within ${timeoutMs} ms (seen: ${seen || 'none'})`))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /** Resolves when no delivery (including scheduled retries) is in flight. */
  async idle (): Promise<void> {
    while (this.#inflight.size > 0 || this.#timers.size > 0) {
      await Promise.race([...this.#inflight, new Promise((resolve) => setTimeout(resolve, 10))])
    }
  }

  close (): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  #enqueue (send: () => Promise<void>): void {
    const next = this.#chain.then(send)
    this.#chain = next.catch(() => undefined)
    this.#track(next)
  }

  #track (promise: Promise<void>): void {
    this.#inflight.add(promise)
    const done = (): void => { this.#inflight.delete(promise) }
    promise.then(done, done)
  }

  #later (ms: number, fn: () => void): void {
    const timer = setTimeout(() => { this.#timers.delete(timer); if (!this.#closed) fn() }, ms)
    this.#timers.add(timer)
  }

  async #sendCopies (endpoint: WebhookEndpoint, event: StripeEvent, opts: DeliveryOptions): Promise<void> {
    const copies = opts.copies ?? (opts.duplicate === true ? 2 : 1)
    const payload = JSON.stringify(event, null, 2)
    if (opts.concurrent === true) {
      await Promise.all(Array.from({ length: copies }, () => this.#attempt(endpoint, event, payload, 1, opts)))
      return
    }
    for (let i = 0; i < copies; i++) await this.#attempt(endpoint, event, payload, 1, opts)
  }

  async #attempt (endpoint: WebhookEndpoint, event: StripeEvent, payload: string, attempt: number, opts: DeliveryOptions): Promise<void> {
    if (this.#closed) return
    const secret = opts.badSignature === true ? `${endpoint.secret}_wrong` : endpoint.secret
    const signature = signPayload(payload, secret, Math.floor(this.#clock.now() / 1000))
    const record: WebhookDelivery = {
      eventId: event.id, type: event.type, endpointId: endpoint.id, url: endpoint.url, attempt, status: null, ok: false, payload, signature, at: this.#clock.now()
    }
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
        body: payload,
        signal: AbortSignal.timeout(this.#timeoutMs)
      })
      await res.arrayBuffer()
      record.status = res.status
      record.ok = res.status >= 200 && res.status < 300
    } catch (err) {
      record.error = (err as Error).message
    }
    this.deliveries.push(record)
    for (const waiter of this.#waiters) {
      if (waiter.predicate(record)) { this.#waiters.delete(waiter); waiter.resolve(record) }
    }
    const delay = this.#retryDelaysMs[attempt - 1]
    if (!record.ok && delay !== undefined && !this.#closed) {
      this.#later(delay, () => this.#track(this.#attempt(endpoint, event, payload, attempt + 1, opts)))
    }
  }
}

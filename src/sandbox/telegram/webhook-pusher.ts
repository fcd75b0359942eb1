import type { Clock } from '../../domain/shared/clock.js'
import type { QueuedUpdate, UpdateQueue } from './update-queue.js'
import type { Delivery, TelegramLimits, TgUpdate } from './types.js'

export interface WebhookConfig {
  url: string
  secretToken?: string
  /** Set only when setWebhook passed it; without it one delivery is in flight at a time. */
  maxConnections?: number
}

interface RetryState { attempts: number, nextAt: number }

function chatKey (u: TgUpdate): string {
  const id = u.message?.chat.id ?? u.edited_message?.chat.id ?? u.callback_query?.message?.chat.id ??
    u.callback_query?.from.id ?? u.pre_checkout_query?.from.id ?? u.my_chat_member?.chat.id
  return String(id ?? 'none')
}

/**
 * Pushes queued updates to the webhook URL by HTTP POST with the
 * `X-Telegram-Bot-Api-Secret-Token` header. Non-2xx answers and network errors are retried
 * with doubling backoff and recorded as `last_error_*`; updates of one chat go one at a
 * time, and at most `max_connections` (default 1 here) requests are in flight.
 */
export class WebhookPusher {
  config: WebhookConfig | undefined
  lastErrorDate: number | undefined
  lastErrorMessage: string | undefined
  readonly deliveries: Delivery[] = []
  readonly #queue: UpdateQueue
  readonly #clock: Clock
  readonly #limits: TelegramLimits
  readonly #onDelivery: (d: Delivery) => void
  readonly #onReply: (body: Record<string, unknown>) => void
  readonly #inFlight = new Map<number, { chat: string, controller: AbortController }>()
  readonly #retry = new Map<number, RetryState>()
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor (queue: UpdateQueue, clock: Clock, limits: TelegramLimits,
    onDelivery: (d: Delivery) => void, onReply: (body: Record<string, unknown>) => void) {
    this.#queue = queue
    this.#clock = clock
    this.#limits = limits
    this.#onDelivery = onDelivery
    this.#onReply = onReply
  }

  /** Starts or stops pushing (undefined = webhook removed). */
  set (config: WebhookConfig | undefined): void {
    this.config = config
    if (config === undefined) this.#retry.clear()
    this.pump()
  }

  /** Starts as many deliveries as the rules allow. Safe to call any time. */
  pump (): void {
    const config = this.config
    if (config === undefined || this.#closed) return
    const concurrency = config.maxConnections ?? 1
    const now = Date.now()
    const busy = new Set([...this.#inFlight.values()].map((f) => f.chat))
    let earliest = Infinity
    for (const item of [...this.#queue.pending()]) {
      if (this.#inFlight.size >= concurrency) break
      const id = item.update.update_id
      const chat = chatKey(item.update)
      if (this.#inFlight.has(id) || busy.has(chat)) continue
      busy.add(chat)
      const retry = this.#retry.get(id)
      if (retry !== undefined && retry.nextAt > now) {
        earliest = Math.min(earliest, retry.nextAt)
        continue
      }
      this.#deliver(item, config).catch(() => {})
    }
    if (earliest !== Infinity) {
      clearTimeout(this.#timer)
      this.#timer = setTimeout(() => this.pump(), Math.max(0, earliest - now))
    }
  }

  async #deliver (item: QueuedUpdate, config: WebhookConfig): Promise<void> {
    const id = item.update.update_id
    const controller = new AbortController()
    this.#inFlight.set(id, { chat: chatKey(item.update), controller })
    const retry = this.#retry.get(id) ?? { attempts: 0, nextAt: 0 }
    retry.attempts++
    this.#retry.set(id, retry)
    let status: number | null = null
    let error: string | undefined
    const timer = setTimeout(() => controller.abort(new Error('Read timeout expired')), this.#limits.webhookTimeoutMs)
    try {
      const res = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.secretToken !== undefined ? { 'x-telegram-bot-api-secret-token': config.secretToken } : {})
        },
        body: JSON.stringify(item.update),
        signal: controller.signal
      })
      status = res.status
      const text = await res.text()
      if (status < 200 || status > 299) error = `Wrong response from the webhook: ${status} ${res.statusText}`
      else this.#webhookReply(text)
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      error = controller.signal.aborted
        ? (this.#closed ? 'Emulator closed' : 'Read timeout expired')
        : cause?.code === 'ECONNREFUSED' ? 'Connection refused' : `Failed to connect: ${cause?.message ?? (err as Error).message}`
    } finally {
      clearTimeout(timer)
      this.#inFlight.delete(id)
    }
    if (this.#closed) return
    const ok = error === undefined
    if (ok) {
      this.#queue.remove(id)
      this.#retry.delete(id)
    } else {
      this.lastErrorDate = Math.floor(this.#clock.now() / 1000)
      this.lastErrorMessage = error
      if (retry.attempts >= this.#limits.webhookMaxAttempts) {
        this.#queue.remove(id)
        this.#retry.delete(id)
      } else {
        const backoff = Math.min(this.#limits.webhookRetryMaxMs, this.#limits.webhookRetryBaseMs * 2 ** (retry.attempts - 1))
        retry.nextAt = Date.now() + backoff
      }
    }
    const delivery: Delivery = {
      seq: this.deliveries.length + 1,
      updateId: id,
      attempt: retry.attempts,
      url: config.url,
      status,
      ok,
      ...(error !== undefined ? { error } : {}),
      ...(config.secretToken !== undefined ? { secretToken: config.secretToken } : {}),
      at: this.#clock.now()
    }
    this.deliveries.push(delivery)
    this.#onDelivery(delivery)
    this.pump()
  }

  /** A "webhook reply": a 2xx body `{ method, ...params }` performs one API call. */
  #webhookReply (text: string): void {
    if (text.trim() === '') return
    try {
      const body = JSON.parse(text) as unknown
      if (typeof body === 'object' && body !== null && typeof (body as { method?: unknown }).method === 'string') {
        this.#onReply(body as Record<string, unknown>)
      }
    } catch {
      // Any other 2xx body is ignored, like Telegram does.
    }
  }

  close (): void {
    this.#closed = true
    clearTimeout(this.#timer)
    for (const f of this.#inFlight.values()) f.controller.abort()
  }
}

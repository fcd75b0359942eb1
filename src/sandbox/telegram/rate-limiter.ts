import type { Clock } from '../../domain/shared/clock.js'
import type { TelegramLimits } from './types.js'

interface Bucket { tokens: number, at: number }

/**
 * Flood control like the Bot FAQ describes: a token bucket per private chat (sustained
 * `chatPerSecond`, burst `chatBurst`), a one-minute window per group (`groupPerMinute`)
 * and a one-second window over all chats (`globalPerSecond`). Time comes from the clock.
 */
export class RateLimiter {
  readonly #clock: Clock
  readonly #limits: TelegramLimits
  readonly #buckets = new Map<string, Bucket>()
  readonly #groups = new Map<string, number[]>()
  #global: number[] = []

  constructor (clock: Clock, limits: TelegramLimits) {
    this.#clock = clock
    this.#limits = limits
  }

  /** Takes one send for `chatId`; returns 0 when allowed, else the seconds to wait (≥ 1). */
  take (chatId: number | string): number {
    if (!this.#limits.rateLimits) return 0
    const now = this.#clock.now()
    const key = String(chatId)
    this.#global = this.#global.filter((t) => t > now - 1000)
    let wait = 0
    if (this.#global.length >= this.#limits.globalPerSecond) {
      wait = Math.max(wait, Math.ceil(((this.#global[0] as number) + 1000 - now) / 1000))
    }
    const isGroup = typeof chatId === 'number' ? chatId < 0 : true
    let bucket: Bucket | undefined
    let window: number[] | undefined
    if (isGroup) {
      window = (this.#groups.get(key) ?? []).filter((t) => t > now - 60_000)
      this.#groups.set(key, window)
      if (window.length >= this.#limits.groupPerMinute) {
        wait = Math.max(wait, Math.ceil(((window[0] as number) + 60_000 - now) / 1000))
      }
    } else {
      bucket = this.#buckets.get(key) ?? { tokens: this.#limits.chatBurst, at: now }
      bucket.tokens = Math.min(this.#limits.chatBurst, bucket.tokens + ((now - bucket.at) / 1000) * this.#limits.chatPerSecond)
      bucket.at = now
      this.#buckets.set(key, bucket)
      if (bucket.tokens < 1) wait = Math.max(wait, Math.ceil((1 - bucket.tokens) / this.#limits.chatPerSecond))
    }
    if (wait > 0) return Math.max(1, wait)
    this.#global.push(now)
    window?.push(now)
    if (bucket !== undefined) bucket.tokens -= 1
    return 0
  }

  reset (): void {
    this.#buckets.clear()
    this.#groups.clear()
    this.#global = []
  }
}

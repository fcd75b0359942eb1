import type { Clock } from '../../domain/shared/clock.js'
import { EmulatorError } from './errors.js'

/** How long a key is kept (specs/stripe.md §7.2). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

interface StoredResponse {
  method: string
  path: string
  params: string
  status: number
  body: string
  requestId: string
  storedAt: number
}

/** Stripe's Idempotency-Key store: replays the first executed answer, refuses other parameters. */
export class IdempotencyStore {
  readonly #entries = new Map<string, StoredResponse>()
  readonly #clock: Clock

  constructor (clock: Clock) { this.#clock = clock }

  /**
   * The stored answer for `key`, or `undefined` when the request should execute. Throws a 400
   * `idempotency_error` when the key was used for another endpoint or other parameters.
   */
  lookup (key: string, method: string, path: string, params: string): StoredResponse | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (this.#clock.now() - entry.storedAt >= IDEMPOTENCY_TTL_MS) {
      this.#entries.delete(key)
      return undefined
    }
    if (entry.method !== method || entry.path !== path) {
      throw new EmulatorError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.method} ${entry.path}' vs '${method} ${path}'). Try using a key other than '${key}' if you meant to execute a different request.`
      })
    }
    if (entry.params !== params) {
      throw new EmulatorError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
      })
    }
    return entry
  }

  store (key: string, entry: Omit<StoredResponse, 'storedAt'>): void {
    this.#entries.set(key, { ...entry, storedAt: this.#clock.now() })
  }

  get size (): number { return this.#entries.size }
}

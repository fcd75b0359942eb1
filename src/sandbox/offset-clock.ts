import type { Clock } from '../domain/shared/clock.js'

/**
 * The sandbox's clock: a base clock plus an offset that `POST /sandbox/api/clock` moves forward
 * (DESIGN.md "The sandbox"), so order expiry, session TTLs of the memory store, Payme's 12 hours
 * and Stripe's session expiry all run as if that time had passed. It only moves forward.
 *
 * @example
 * const clock = new OffsetClock(systemClock)
 * clock.advance(3600_000) // an hour later for everything built over `clock`
 */
export class OffsetClock implements Clock {
  readonly #base: Clock
  #offsetMs = 0

  constructor (base: Clock) { this.#base = base }

  now (): number { return this.#base.now() + this.#offsetMs }

  /** How far ahead of the base clock this one runs, ms. */
  get offsetMs (): number { return this.#offsetMs }

  /** Moves the clock forward by `ms` (a positive integer). */
  advance (ms: number): void {
    if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`the sandbox clock only moves forward by whole ms, not ${ms}`)
    this.#offsetMs += ms
  }
}

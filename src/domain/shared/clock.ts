/**
 * Time source for the core and for adapters that make time-based decisions in process
 * (the memory key-value store, order expiry). Tests pass a {@link FakeClock}.
 *
 * @example
 * const clock = systemClock
 * const expiresAt = new Date(clock.now() + 30 * 60_000)
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #now: number
  constructor (startMs = Date.UTC(2026, 0, 1)) { this.#now = startMs }
  now (): number { return this.#now }
  advance (ms: number): void { this.#now += ms }
  set (ms: number): void { this.#now = ms }
}

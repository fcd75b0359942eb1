/** Kinds of injected failure: 429, 500, 401, a response held past the client's timeout, a reset connection. */
export type FaultKind = 'rate_limit' | 'api_error' | 'auth' | 'timeout' | 'drop'

/** One fault rule for `emulator.faults.inject`. */
export interface FaultSpec {
  kind: FaultKind
  /** Matches request paths: a string is a prefix (`/v1/checkout/sessions`), a RegExp is tested. Default: every /v1 path. */
  path?: string | RegExp
  method?: string
  /** How many matching requests fail (default 1). `Infinity` for all. */
  times?: number
  /** `Stripe-Should-Retry` header to send with 429/500 (absent by default, as spec §8.2 case 39). */
  shouldRetry?: boolean
  /** For `timeout`: how long to hold the answer (default: until the client gives up or the emulator closes). */
  delayMs?: number
}

interface ActiveFault extends FaultSpec { remaining: number, hits: number }

/** Fault injection for the emulator's API (specs/stripe.md §14 cases 37–40). */
export class FaultInjector {
  readonly #faults: ActiveFault[] = []

  /** Adds a rule; returns a handle whose `hits` counts the requests it failed. */
  inject (spec: FaultSpec): { readonly hits: number, readonly remaining: number } {
    const fault: ActiveFault = { ...spec, remaining: spec.times ?? 1, hits: 0 }
    this.#faults.push(fault)
    return fault
  }

  /** Removes every rule. */
  clear (): void { this.#faults.length = 0 }

  /** Rules with failures left. */
  get pending (): number { return this.#faults.filter((f) => f.remaining > 0).length }

  /** Consumes and returns the first rule matching the request, if any. */
  take (method: string, path: string): FaultSpec | undefined {
    const fault = this.#faults.find((f) => f.remaining > 0 && matches(f, method, path))
    if (fault === undefined) return undefined
    fault.remaining -= 1
    fault.hits += 1
    return fault
  }
}

function matches (fault: FaultSpec, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method) return false
  if (fault.path === undefined) return true
  return typeof fault.path === 'string' ? path.startsWith(fault.path) : fault.path.test(path)
}

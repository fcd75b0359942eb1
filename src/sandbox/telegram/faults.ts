/** Kinds of injected failures. */
export type FaultKind = 'retry_after' | 'unauthorized' | 'blocked' | 'chat_not_found' | 'server_error' | 'slow' | 'drop'

/**
 * One injected failure. Matches calls by method (case-insensitive) and/or `chat_id`
 * (or `user_id`); fires `times` times (default 1, `Infinity` allowed).
 * - `retry_after`: 429 with `parameters.retry_after = retryAfter` (seconds, default 1)
 * - `unauthorized`: 401; `blocked`: 403 "Forbidden: bot was blocked by the user";
 *   `chat_not_found`: 400 "Bad Request: chat not found"; `server_error`: 500
 * - `slow`: waits `delayMs` (default 1000) and then handles the call normally
 * - `drop`: destroys the socket without answering (the call is not performed)
 */
export interface FaultSpec {
  kind: FaultKind
  method?: string
  chatId?: number | string
  times?: number
  retryAfter?: number
  delayMs?: number
}

/** A live fault; `remaining` counts down as it fires. */
export interface Fault extends Required<Pick<FaultSpec, 'kind'>> {
  readonly spec: FaultSpec
  remaining: number
  fired: number
  clear: () => void
}

/** Registry of injected faults, consulted before each Bot API call. */
export class Faults {
  readonly #active: Fault[] = []

  /** Adds a fault; returns a handle whose `clear()` removes it. */
  inject (spec: FaultSpec): Fault {
    const fault: Fault = {
      kind: spec.kind,
      spec,
      remaining: spec.times ?? 1,
      fired: 0,
      clear: () => {
        const at = this.#active.indexOf(fault)
        if (at !== -1) this.#active.splice(at, 1)
      }
    }
    this.#active.push(fault)
    return fault
  }

  /** Removes every fault. */
  clear (): void {
    this.#active.length = 0
  }

  /** Active faults (those with remaining > 0). */
  list (): Fault[] {
    return [...this.#active]
  }

  /** Finds and consumes the first fault matching this call. */
  take (method: string, chatId: number | string | undefined): Fault | undefined {
    const fault = this.#active.find((f) =>
      (f.spec.method === undefined || f.spec.method.toLowerCase() === method.toLowerCase()) &&
      (f.spec.chatId === undefined || String(f.spec.chatId) === String(chatId)))
    if (fault === undefined) return undefined
    fault.remaining--
    fault.fired++
    if (fault.remaining <= 0) fault.clear()
    return fault
  }
}

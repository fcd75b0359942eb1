/**
 * Polling for tests that wait on another process or a background job (no timing assertions:
 * the timeout only bounds a hung test).
 */

/** Polls `probe` every `intervalMs` [100] until it returns a value other than undefined, for at most `timeoutMs` [60 s]. */
export async function eventually<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, options: { timeoutMs?: number, intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100))
  }
}

/**
 * Polling for tests that wait on another process or a background job, and waits on emulator
 * events (no timing assertions: a timeout only bounds a hung test).
 */
import type { TelegramEmulator } from '../../src/sandbox/telegram/index.js'

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

/**
 * Resolves once the bot has answered callback query `queryId` (the emulator records a call after
 * performing it, so `emulator.callbackQuery(queryId).answer` is set by then).
 */
export async function callbackAnswered (emulator: TelegramEmulator, queryId: string, timeoutMs = 15_000): Promise<void> {
  await emulator.waitFor((c) => c.method === 'answerCallbackQuery' && c.ok && String(c.params.callback_query_id) === queryId, { includePast: true, timeoutMs })
}

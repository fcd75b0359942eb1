import type { EventEmitter } from 'node:events'

/**
 * Resolves with the first `event` value matching `predicate`; rejects after `timeoutMs`
 * or when `signal` aborts. Event-driven: no polling.
 */
export async function waitForEvent<T> (emitter: EventEmitter, event: string, predicate: (value: T) => boolean,
  timeoutMs: number, signal: AbortSignal): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer)
      emitter.off(event, onEvent)
      signal.removeEventListener('abort', onAbort)
    }
    const onEvent = (value: T): void => {
      let matches: boolean
      try {
        matches = predicate(value)
      } catch (err) {
        cleanup()
        reject(err instanceof Error ? err : new Error(String(err)))
        return
      }
      if (matches) {
        cleanup()
        resolve(value)
      }
    }
    const onAbort = (): void => {
      cleanup()
      reject(new Error(`emulator closed while waiting for ${event}`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`))
    }, timeoutMs)
    emitter.on(event, onEvent)
    signal.addEventListener('abort', onAbort)
  })
}

import { TelegramApiError } from './api-error.js'
import { Described, type EmulatorCore, type MethodHandler } from './core.js'
import { messageMethods } from './methods-messages.js'
import { paymentMethods } from './methods-payments.js'
import { updateMethods } from './methods-updates.js'
import type { Params } from './params.js'
import type { TgErrorBody } from './types.js'

/** Result of one Bot API call, before it becomes the JSON envelope. */
export type CallOutcome =
  | { ok: true, result: unknown, description?: string }
  | { ok: false, error: TgErrorBody }

const ALL: Record<string, MethodHandler> = { ...updateMethods, ...messageMethods, ...paymentMethods }

/** Method names are case-insensitive: lower-case → canonical name. */
const CANONICAL = new Map(Object.keys(ALL).map((name) => [name.toLowerCase(), name]))

/** The canonical name of a supported method, or undefined (→ 404 Not Found). */
export function canonicalMethod (name: string): string | undefined {
  return CANONICAL.get(name.toLowerCase())
}

/** Names of every emulated method. */
export const SUPPORTED_METHODS: readonly string[] = Object.keys(ALL)

/** Runs a method; Bot API failures become `{ ok: false, error }`, other throws a 500. */
export async function execute (core: EmulatorCore, method: string, params: Params, signal: AbortSignal): Promise<CallOutcome> {
  const handler = ALL[method]
  if (handler === undefined) return { ok: false, error: { error_code: 404, description: 'Not Found' } }
  try {
    const value = await handler(core, params, signal)
    if (value instanceof Described) return { ok: true, result: value.result, description: value.description }
    return { ok: true, result: value }
  } catch (err) {
    if (err instanceof TelegramApiError) return { ok: false, error: err.toBody() }
    return { ok: false, error: { error_code: 500, description: `Internal Server Error: ${(err as Error).message}` } }
  }
}

/** The `chat_id` (or `user_id`) of a call, used for faults and the call record. */
export function callChatId (params: Params): number | string | undefined {
  const value = params.chat_id ?? params.user_id
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value !== '') return /^-?\d+$/.test(value) ? Number(value) : value
  return undefined
}

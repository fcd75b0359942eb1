/**
 * One message a second per chat, for every message the bot sends (DESIGN.md "Broadcasts"): a
 * grammY API transformer that holds a send to a chat until a second after the previous one to
 * that chat from this process. In process memory only: no key-value or database round trip is
 * added to a reply (decision 0036 says how it holds across instances).
 */
import type { Transformer } from 'grammy'

/** The smallest gap between two messages to one chat. */
export const CHAT_GAP_MS = 1000

/** Sweep the map of chats once it holds this many. */
const SWEEP_AT = 10_000

/** Methods that put a new message into a chat. */
export function isMessageSend (method: string): boolean {
  return (method.startsWith('send') && method !== 'sendChatAction') || method === 'copyMessage' || method === 'forwardMessage' ||
    method === 'copyMessages' || method === 'forwardMessages'
}

export function chatPacing (options: { gapMs?: number, now?: () => number } = {}): Transformer {
  const gapMs = options.gapMs ?? CHAT_GAP_MS
  const now = options.now ?? Date.now
  const next = new Map<string, number>()
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id
    if (!isMessageSend(method) || (typeof chatId !== 'number' && typeof chatId !== 'string')) return await prev(method, payload, signal)
    const key = String(chatId)
    const at = now()
    const slot = Math.max(at, next.get(key) ?? 0)
    next.set(key, slot + gapMs)
    if (next.size > SWEEP_AT) {
      for (const [chat, free] of next) if (free <= at) next.delete(chat)
    }
    if (slot > at) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, slot - at)
        signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
      })
    }
    return await prev(method, payload, signal)
  }
}

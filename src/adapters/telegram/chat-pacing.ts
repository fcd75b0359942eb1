/**
 * One message a second per chat, for every message the bot sends (DESIGN.md "Broadcasts"): a
 * grammY API transformer that starts a send to a chat only a second after the previous send to
 * that chat from this process was answered (so Telegram, too, sees them a second apart). In
 * process memory only: no key-value or database round trip is added to a reply (decision 0036
 * says how it holds across instances).
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

interface Last { answered: Promise<number>, at?: number }

export function chatPacing (options: { gapMs?: number, now?: () => number } = {}): Transformer {
  const gapMs = options.gapMs ?? CHAT_GAP_MS
  const now = options.now ?? Date.now
  const last = new Map<string, Last>()
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id
    if (!isMessageSend(method) || (typeof chatId !== 'number' && typeof chatId !== 'string')) return await prev(method, payload, signal)
    const key = String(chatId)
    const before = last.get(key)
    let answer = (_at: number): void => {}
    const mine: Last = { answered: new Promise<number>((resolve) => { answer = resolve }) }
    last.set(key, mine)
    if (last.size > SWEEP_AT) {
      const at = now()
      for (const [chat, entry] of last) if (entry.at !== undefined && entry.at + gapMs <= at) last.delete(chat)
    }
    try {
      if (before !== undefined) {
        const wait = await before.answered + gapMs - now()
        if (wait > 0 && signal?.aborted !== true) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait)
            signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
          })
        }
      }
      return await prev(method, payload, signal)
    } finally {
      mine.at = now()
      answer(mine.at)
    }
  }
}

/**
 * Ports of broadcasts (DESIGN.md "Broadcasts"): the store of broadcasts and their recipients
 * (PostgreSQL), the Telegram side that sends one copy, and the shared pace of every instance
 * (the key-value store). Implemented in src/adapters/postgres/broadcast-store.ts,
 * src/adapters/telegram/broadcast-sender.ts and src/adapters/redis/broadcast-pacer.ts.
 */
import type { Language } from '../../domain/shared/language.js'

export const BROADCAST_STATES = ['scheduled', 'sending', 'paused', 'done', 'cancelled'] as const
export type BroadcastState = typeof BROADCAST_STATES[number]

/** Who gets a broadcast; `{}` = everyone who started the bot and has not blocked it or opted out. */
export interface Audience {
  language?: Language
  /** Customers with a paid (or fulfilled) order of this product. */
  boughtProduct?: string
  /** Customers seen by the bot within this many days. */
  activeWithinDays?: number
  /** Customers who came through the referral code `r_<source>`. */
  source?: string
}

export type BroadcastButton = { text: string, url: string } | { text: string, productId: string }

/** What each recipient gets: HTML text (a caption when there is a photo), a photo, a button. */
export interface BroadcastContent {
  text: string
  /** An http(s) URL or a Telegram file_id. */
  photo?: string
  button?: BroadcastButton
}

export interface BroadcastCounts {
  total: number
  sent: number
  failed: number
  blocked: number
  remaining: number
  /** Opted out or blocked after the recipients were fixed: not sent. */
  skipped: number
  /** A worker stopped (crashed) while their copy was being sent: it may or may not have arrived, and is not sent again (decision 0059). */
  uncertain: number
}

export interface BroadcastView {
  id: string
  state: BroadcastState
  content: BroadcastContent
  audience: Audience
  sendAt?: number
  counts: BroadcastCounts
  createdAt: number
  startedAt?: number
  finishedAt?: number
}

/** A recipient a worker holds the lease of, with what to send. */
export interface ClaimedRecipient {
  broadcastId: string
  telegramId: number
  language: Language
  attempts: number
  content: BroadcastContent
  /** False when the customer opted out or blocked the bot after the list was fixed. */
  reachable: boolean
}

/** How one recipient ended (or did not yet). */
export type RecipientOutcome =
  | { kind: 'blocked', error: string }
  | { kind: 'failed', error: string }
  | { kind: 'skipped' }
  | { kind: 'retry', afterMs: number, error: string }
  | { kind: 'uncertain', error: string }

export interface BroadcastStore {
  insert (input: { id: string, content: BroadcastContent, audience: Audience, sendAt?: number, now: number }): Promise<void>
  /** How many customers the audience holds now. */
  countAudience (audience: Audience, now: number): Promise<number>
  get (id: string): Promise<BroadcastView | undefined>
  /** Newest first (created, id), before `before`. */
  list (input: { limit: number, before?: { at: number, id: string } }): Promise<BroadcastView[]>
  /**
   * Under the broadcast's row lock: moves it to `next(current)` when that is not undefined.
   * Answers the state found (undefined: no such broadcast) and whether it changed.
   */
  transition (id: string, next: (current: BroadcastState, started: boolean) => BroadcastState | undefined, now: number): Promise<{ found?: BroadcastState, changed: boolean }>
  /**
   * Under the broadcast's row lock: its `uncertain` recipients become `pending` again (sent anew;
   * the merchant chose so, decision 0065) when the broadcast is `sending`, `paused` or `done`; a
   * `done` one is `sending` again when any was. Answers the state found and how many were taken.
   */
  resendUncertain (id: string, now: number): Promise<{ found?: BroadcastState, resent: number }>
  /** A product's first image (URL or file_id); null when it has none, undefined when no such product. */
  productImage (productId: string): Promise<string | null | undefined>
  /** The customer's language, when known. */
  customerLanguage (telegramId: number): Promise<Language | undefined>
  /** Fixes the recipients of due scheduled broadcasts and sets them sending; answers how many started. */
  startDue (now: number): Promise<number>
  /** Claims up to `limit` pending recipients of sending broadcasts with a lease. */
  claim (input: { owner: string, now: number, leaseMs: number, limit: number }): Promise<ClaimedRecipient[]>
  /** How many workers hold unexpired leases of sending broadcasts now (each shares Telegram's count, decision 0066). */
  activeWorkers (now: number): Promise<number>
  /** Records recipients sent, in one transaction (fenced by the lease); answers the `broadcastId/telegramId` keys recorded. */
  markSent (recipients: ReadonlyArray<{ broadcastId: string, telegramId: number }>, owner: string, now: number): Promise<Set<string>>
  /**
   * Just before a copy goes out: records the intent (`sending`), fenced by the lease, and only while
   * the broadcast is still sending (pause and cancel stop the very next copy). False: do not send.
   */
  markSending (recipient: { broadcastId: string, telegramId: number }, owner: string): Promise<boolean>
  /** Takes back an intent whose copy was not sent after all (a stopping worker): pending again. */
  unmarkSending (recipient: { broadcastId: string, telegramId: number }, owner: string): Promise<void>
  /** Records an outcome other than sent (fenced by the lease); `blocked` also marks the customer. */
  markOutcome (recipient: { broadcastId: string, telegramId: number }, owner: string, outcome: RecipientOutcome, now: number): Promise<void>
  /** Extends every lease of `owner` to now + leaseMs. */
  renew (owner: string, now: number, leaseMs: number): Promise<void>
  /** Frees every lease of `owner` (a stopping worker). */
  release (owner: string): Promise<number>
  /** Frees every lease not held by `ownerPrefix…` (the embedded database's sole process at start). */
  releaseForeign (ownerPrefix: string): Promise<number>
  /** Broadcasts sending with nothing pending left become done; answers how many. */
  finish (now: number): Promise<number>
}

/** What Telegram made of one copy. */
export type SendResult =
  | { kind: 'sent' }
  | { kind: 'blocked', error: string }
  | { kind: 'failed', error: string }
  | { kind: 'retry', afterMs: number, error: string }
  /** The request reached Telegram (or may have), and no answer came: it may have been delivered, so it is not sent again (decision 0073). */
  | { kind: 'uncertain', error: string }

/** Sends one copy of a broadcast to a chat, with the opt-out button in the chat's language. */
export interface BroadcastSender {
  send (chatId: number, content: BroadcastContent, language: Language): Promise<SendResult>
}

/**
 * The broadcast pace shared by every instance (BROADCAST_RATE): `reserve(n)` books the next `n`
 * send slots, evenly spaced, and answers how long until the first (ms; the rest follow at
 * `intervalMs`). `holdFor(ms)` moves every later slot past now + ms (Telegram's retry_after).
 */
export interface BroadcastPacer {
  readonly intervalMs: number
  /** BROADCAST_RATE: messages a second, all instances together. */
  readonly rate: number
  reserve (n: number): Promise<number>
  holdFor (ms: number): Promise<void>
}

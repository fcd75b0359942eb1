/**
 * Ports over the shared key-value store (specs/redis.md) that driving code (the bot, HTTP
 * plugins, jobs) depends on. The Redis and memory adapters in src/adapters/redis implement them;
 * `compose.ts` builds them and hands them in, so nothing outside the adapter imports it.
 */
import type { RateLimitRule } from '../domain/shared/rate-limit.js'
import type { Language } from '../domain/shared/language.js'

/** A key segment: user text or an id. Encoded by the store's key builder, never trusted raw. */
export type KeySegment = string | number

/** Marks a whole-segment wildcard in key patterns and {@link Cache.clear}. */
export const ANY_SEGMENT: unique symbol = Symbol('kv.anySegment')

/**
 * The backend is unreachable, timed out or is not serving (connection refused, command timeout,
 * LOADING, CLUSTERDOWN…). Callers apply the failure policy of specs/redis.md §8. Errors that are
 * bugs (WRONGTYPE, script errors, bad arguments) are not wrapped in this class.
 */
export class KvUnavailableError extends Error {
  readonly code = 'ERR_KV_UNAVAILABLE'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KvUnavailableError'
  }
}

/** Options of a string/JSON write. */
export interface SetOptions {
  /** Expire after this many ms (rounded up). Without it the key has no TTL. */
  ttlMs?: number
  /** Write only when the key does not exist (SET NX). */
  nx?: boolean
}

/**
 * The few key-value operations the bot needs beyond its session (update dedupe, the "slow down"
 * notice, the followed ADMIN_CHAT_ID). The store adapters' `KvStore` satisfies it.
 *
 * @example
 * const first = await kv.setString(kv.keys.key('tg', 'upd', 42), '1', { nx: true, ttlMs: 60_000 })
 */
export interface KeyValue {
  readonly keys: { key (area: string, ...segments: KeySegment[]): string, taggedKey (area: string, tag: KeySegment | readonly KeySegment[], ...segments: KeySegment[]): string }
  getJson<T = unknown> (key: string): Promise<T | undefined>
  /** Returns false only when `nx` was asked and the key exists. */
  setJson (key: string, value: unknown, options?: SetOptions): Promise<boolean>
  setString (key: string, value: string, options?: SetOptions): Promise<boolean>
  /** Returns how many of the keys existed. */
  del (keys: readonly string[]): Promise<number>
}

/** The answer of {@link RateLimiter.check}. */
export interface RateLimitDecision {
  allowed: boolean
  /** The rule with the longest wait among those that refused; null when allowed. */
  violatedRule: RateLimitRule | null
  /** Wait before a retry can pass: 0 when allowed, -1 when the cost exceeds a rule's limit (never). */
  retryAfterMs: number
  /** The smallest remaining quota among the rules (after this request when allowed). */
  remaining: number
  /** Ms until every rule's counters of this subject are back to zero, without further requests. */
  resetMs: number
  /** True when the in-process fallback answered (the store was unavailable). */
  degraded: boolean
}

/**
 * Checks named rate-limit policies (DESIGN.md `RATE_LIMITS`).
 *
 * @example
 * const d = await limiter.check('bot.message', ['u', 42])
 * if (!d.allowed) reply(`slow down, try again in ${Math.ceil(d.retryAfterMs / 1000)} s`)
 */
export interface RateLimiter {
  /**
   * Checks (and on success consumes `cost`, default 1, from) every rule of `policy` for
   * `subject` (e.g. `['u', 42]`, an IP, an order id). Never rejects for a store outage.
   */
  check (policy: string, subject: KeySegment | readonly KeySegment[], cost?: number): Promise<RateLimitDecision>
  /** The keys of a policy's rules for a subject (one hash tag per subject). */
  keysOf (policy: string, subject: KeySegment | readonly KeySegment[]): string[]
}

/** Options of a cache write. */
export interface CacheWriteOptions {
  ttlMs: number
  /** Tags to invalidate this entry by (e.g. `product:42`, `category:7`, `catalog`). */
  tags?: readonly string[]
  /** Cache keys this entry was computed from: invalidating one of them drops this entry. */
  dependsOn?: readonly string[]
  /** Written in bulk: the TTL is shortened by a random 0–10 % so entries do not expire together. */
  bulk?: boolean
}

/** A read: a hit (the value may be `null`) or a miss. */
export type CacheRead<T> = { hit: true, value: T } | { hit: false }

/**
 * The shared cache (specs/redis.md §2–4): TTL entries, tags, dependencies, pattern clearing.
 *
 * @example
 * const card = await cache.getOrLoad(cache.key('product', 42), () => loadCard(42), { ttlMs: 60_000, tags: ['product:42'] })
 * await cache.invalidateTag('product:42')
 */
export interface Cache {
  /** The cache key of some segments: `<prefix>:c:<seg>…`. */
  key (...segments: KeySegment[]): string
  get<T> (key: string): Promise<CacheRead<T>>
  /** Writes an entry; false when a tag was invalidated since `versions` were read (nothing cached) or the store is down. */
  set (key: string, value: unknown, options: CacheWriteOptions, versions?: readonly string[]): Promise<boolean>
  /** The cached value, or the loader's (one loader call per key per process at a time; errors are never cached). */
  getOrLoad<T> (key: string, loader: () => Promise<T>, options: CacheWriteOptions): Promise<T>
  /**
   * Drops every entry carrying `tag`; returns how many entry keys it removed. With the store down
   * it resolves 0 instead of failing (the change it follows is committed): the tag is retried
   * before the next read, and reads bypass the cache until it went through.
   */
  invalidateTag (tag: string): Promise<number>
  /** Drops `key` and, transitively, every entry depending on it; returns the keys removed. */
  invalidateKey (key: string): Promise<string[]>
  /** Deletes entries matching segments (ANY_SEGMENT = `*`; other segments match literally); returns the count. */
  clear (...segments: Array<KeySegment | typeof ANY_SEGMENT>): Promise<number>
}

/** One recorded action of a customer. */
export interface ActivityEntry {
  /** ISO time the action was recorded. */
  at: string
  /** What happened, e.g. `order.placed`, `catalog.opened`. */
  action: string
  /** Safe details (ids, counts); never secrets. */
  details?: Record<string, unknown>
}

/** Per-customer activity log (specs/redis.md §7): the newest actions, newest first. */
export interface ActivityLog {
  /** Prepends an action to the customer's log, keeping the newest `maxEntries`. */
  record (customerId: KeySegment, action: string, details?: Record<string, unknown>): Promise<void>
  /** A page of the customer's log, newest first. */
  list (customerId: KeySegment, page?: { offset?: number, limit?: number }): Promise<ActivityEntry[]>
  /** Drops the customer's log (a customer forgotten at their request). */
  forget (customerId: KeySegment): Promise<void>
}

/** Unique active customers per day (DAU/WAU/MAU estimates). */
export interface Uniques {
  /** Marks a customer active today; true when the day's estimate grew (first seen, approximately). */
  markActive (customerId: KeySegment): Promise<boolean>
  /** Distinct customers active over the `days` UTC days ending with the day of `at` (default now). */
  countActive (days: number, at?: number): Promise<number>
  /** Daily, weekly (7 days) and monthly (30 days) active customers, ending today. */
  dau (): Promise<number>
  wau (): Promise<number>
  mau (): Promise<number>
}

/** Attempts of a versioned session write before it fails loudly. */
export const compareAndSetMaxAttempts = 3

/**
 * A session write lost the compare-and-set race three times in a row: the update fails with a
 * user-visible "try again" instead of overwriting another update's data.
 */
export class SessionConflictError extends Error {
  readonly code = 'ERR_CONFLICT'
  constructor (readonly key: string) {
    super(`session ${key}: the session changed during every one of ${compareAndSetMaxAttempts} attempts; try the update again`)
    this.name = 'SessionConflictError'
  }
}

/** grammY's `StorageAdapter<T>` shape (structurally compatible, no grammY import needed here). */
export interface SessionStorageAdapter<T> {
  read (key: string): Promise<T | undefined>
  write (key: string, value: T): Promise<void>
  delete (key: string): Promise<void>
  /** Records that `key` was read at `read` elsewhere (a batched read), so the next write is checked against it. */
  seed? (key: string, read: { ver: number, data: T | undefined }): void
}

/** Chat sessions of one kind (specs/redis.md §6), versioned and written by compare-and-set. */
export interface SessionStore<T> {
  /**
   * Reads the chat's session (the initial value when absent, expired or deleted), applies `fn`
   * and writes the result with a version check; on a conflict re-reads and re-applies `fn`
   * (≤ 3 attempts, then {@link SessionConflictError}). Returns the stored value.
   */
  withSession (chatKey: KeySegment | readonly KeySegment[], fn: (current: T) => T | Promise<T>): Promise<T>
  /** The chat's session, or the initial value. */
  read (chatKey: KeySegment | readonly KeySegment[]): Promise<T>
  /** Deletes the chat's session with a version check (re-read on conflict, ≤ 3 attempts). */
  remove (chatKey: KeySegment | readonly KeySegment[]): Promise<void>
  /** The store key of a chat's session (a batched read or write addresses it directly). */
  keyOf (chatKey: KeySegment | readonly KeySegment[]): string
  /** A grammY storage adapter over the same keys (session keys are grammY's `getSessionKey` strings). */
  adapter (): SessionStorageAdapter<T>
}

/** What the bot keeps of a customer between updates, so a returning customer costs no SQL. */
export interface CachedCustomer {
  language: Language
  /** Blocked by the merchant. */
  blocked: boolean
  username: string | null
  firstName: string | null
}

/** The first step of an update: everything read or claimed before the handler, in one round trip. */
export interface UpdateBeginRequest {
  /** The update's dedupe key (claimed with SET NX). */
  dedupeKey: string
  dedupeTtlMs: number
  /** A limiter policy to consume for this update (the bot's `bot.message`). */
  limit?: { policy: string, subject: readonly KeySegment[] }
  /** The session key (grammY's) to read. */
  sessionKey?: string
  /** The Telegram id of the customer whose cached record to read. */
  customerId?: number
}

export interface UpdateBeginResult {
  claimed: boolean
  limit?: RateLimitDecision
  /** The session as read (ver 0 = none), to be written back by compare-and-set. */
  session?: { ver: number, data: unknown }
  /** null: not cached (the first update, or it changed). */
  customer?: CachedCustomer | null
  /** What the customer's cache entry held when read (passed back with a write of it: the write is refused if it changed). */
  customerToken?: string
  /** The shop words' version as last published; undefined when not known to the store. */
  wordsVersion?: number
}

/** The last step of an update: every write it makes to the store, in one round trip. */
export interface UpdateEndRequest {
  /** The session (grammY's key) written back, guarded by the version it was read at. */
  session?: { key: string, baseVersion: number, value: unknown }
  activity: ReadonlyArray<{ customerId: number, action: string, details?: Record<string, unknown> }>
  /** A customer to mark active today (uniques). */
  activeCustomer?: number
  /** The customer record to cache after the upsert. */
  customer?: { id: number, value: CachedCustomer, expected: string }
  /** Publishes the shop words' version when the store did not know it. */
  wordsVersion?: number
}

export interface UpdateEndResult {
  /** false: another writer changed the session since it was read (re-read and merge). */
  sessionWritten: boolean
}

/**
 * The bot's per-update key-value work in two round trips (issue 18): one before the handler (dedupe,
 * the message limit, the session, the cached customer, the words' version) and one after it (the
 * session write, activity, uniques, the customer cache). Rejects with {@link KvUnavailableError}
 * when the store is down; the caller then falls back to the one-call-at-a-time path.
 */
export interface UpdateSteps {
  begin (request: UpdateBeginRequest): Promise<UpdateBeginResult>
  end (request: UpdateEndRequest): Promise<UpdateEndResult>
  /** Forgets a cached customer (their record changed outside the bot's update path). */
  forgetCustomer (telegramId: number): Promise<void>
  /** Publishes a new version of the shop's words (every instance reads it on its next update). */
  publishWordsVersion (version: number): Promise<void>
}

/**
 * What the bot reads and writes besides placing orders: catalog pages, the customer record,
 * the customer's orders and the support threads. Implemented over PostgreSQL/PGlite in
 * src/adapters/postgres/bot-store.ts.
 */
import { type Language } from '../domain/shared/language.js'
import type { Order, ProductKind } from '../domain/orders/order.js'
import type { Money } from '../domain/shared/money.js'
import type { LocalizedText } from './ports.js'

/** A product as the bot shows it. `available` is stock minus units held by pending orders (null = unlimited). */
export interface CatalogProduct {
  id: string
  title: LocalizedText
  description?: LocalizedText
  price: Money
  kind: ProductKind
  photoUrl?: string
  available: number | null
  categoryId: string | null
}

export interface CatalogCategory { id: string, title: LocalizedText }

/** The customer as the bot knows them after an update. */
export interface BotCustomer {
  telegramId: number
  /** The stored choice, or the language guessed from Telegram's `language_code` on the first visit. */
  language: Language
  /** Blocked by the merchant: the bot answers with a polite refusal only (read by the same upsert). */
  blocked: boolean
  /** The version of the shop's own words (0: never set), so the bot re-reads them only after a change. */
  wordsVersion: number
}

/** Storage the bot needs; every method is one short query or transaction. */
export interface BotStore {
  /** Creates the customer on first contact, refreshes name and last_seen, clears `blocked_at`. */
  touchCustomer(input: { telegramId: number, username?: string, firstName?: string, language: Language, now: number }): Promise<BotCustomer>
  customerLanguage(telegramId: number): Promise<Language | undefined>
  setLanguage(telegramId: number, language: Language): Promise<void>
  /** Records where the customer came from, unless a source is already recorded. */
  setReferral(telegramId: number, source: string): Promise<void>
  /** Opts the customer out of broadcasts (`/stop_news`, the button under one) or back in (`/news`). */
  setNewsOptOut(telegramId: number, optedOut: boolean, now: number): Promise<void>
  /** Marks the customer as having blocked the bot (403); broadcasts skip them until they write again. */
  markBlocked(telegramId: number, now: number): Promise<void>
  categories(): Promise<CatalogCategory[]>
  /** Active products of a category (`null`: without a category; `undefined`: all), newest last. */
  products(input: { categoryId?: string | null, offset: number, limit: number }): Promise<{ items: CatalogProduct[], total: number }>
  product(id: string): Promise<CatalogProduct | undefined>
  /** What is available right now (stock − reserved; null = unlimited); undefined when the product is unknown or inactive. */
  availability(id: string): Promise<number | null | undefined>
  /** The customer's newest orders. */
  customerOrders(telegramId: number, limit: number): Promise<Order[]>
  saveSupportThread(adminMessageId: number, customerTelegramId: number, now: number): Promise<void>
  supportThreadCustomer(adminMessageId: number): Promise<number | undefined>
}

/** `paid`: the order is paid now; `duplicate`: this charge was recorded before; `late`: refund it (`reason` says why). */
export type StarsPaymentOutcome =
  | { outcome: 'paid', order: Order }
  | { outcome: 'duplicate' }
  | { outcome: 'late', reason: string, order?: Order }

/** The Stars side of the ledger (usecases/payments/stars-ledger.ts). */
export interface StarsPayments {
  order(orderId: string): Promise<Order | undefined>
  /** Records a `successful_payment` once by its charge id. */
  recordPayment(input: { orderId: string, chargeId: string, amount: number, currency: string, telegramId: number, now: number, raw: unknown }): Promise<StarsPaymentOutcome>
  /** Records a refund of a charge (idempotent); a refund of the paying charge refunds the order. */
  recordRefund(input: { chargeId: string, now: number, reason: string, origin?: 'admin' | 'external' }): Promise<void>
  /** The charge id of the Stars payment that paid the order, if Stars paid it. */
  payingCharge(orderId: string): Promise<string | undefined>
}

/**
 * Last-seen times of returning customers, written in batches off the reply path (issue 18): the
 * bot records a sighting without waiting; one statement a period updates every customer seen.
 */
export interface LastSeenLog {
  /** Records that the customer wrote at `at` (no I/O). */
  seen(telegramId: number, at: number): void
  /** Writes what was recorded; answers the ids that have no customer row (then upserted again). */
  flush(): Promise<number[]>
}

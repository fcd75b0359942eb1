/**
 * The bot's context type: grammY's Context plus the lazy session flavor, the services the
 * features use, and the customer's language (STYLE R9: flavors and a context class, no runtime
 * patching).
 */
import { Context, type LazySessionFlavor } from 'grammy'
import { type Language } from '../../domain/shared/language.js'
import type { AdminChat } from './admin-chat.js'
import type { OfferConfig } from '../../domain/orders/offered-providers.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { Logger } from '../../logger.js'
import { KvUnavailableError, type ActivityLog, type KeyValue, type RateLimitDecision, type RateLimiter, type Uniques, type UpdateSteps } from '../../usecases/ports-kv.js'
import type { CatalogReads } from '../../usecases/catalog-reads.js'
import type { BotStore, LastSeenLog, StarsPayments } from '../../usecases/bot-ports.js'
import type { ShopStore } from '../../usecases/ports.js'
import type { BotSession } from './session.js'
import { shopText, type ShopWordField, type ShopWordsCache } from '../../usecases/shop-words.js'
import type { BotPhotos } from '../../usecases/product-photos.js'
import type { EventRecorder } from '../../usecases/analytics.js'
import type { EventName } from '../../domain/analytics/events.js'
import { t, type TextKey, type TextParams } from './texts.js'

/** The settings the bot follows (from Config, picked by compose.ts). */
export interface BotSettings {
  /** DEFAULT_LANGUAGE: the language of a customer whose Telegram language is not ours. */
  defaultLanguage: Language
  /** ADMIN_CHAT_ID: where physical orders, refunds that failed and support requests go. */
  adminChatId?: number
  /** ORDER_TTL_S: how long a placed order stays payable. */
  orderTtlS: number
  /** DIGITAL_GOODS_STARS_ONLY: digital products are sold in Telegram Stars only. */
  digitalGoodsStarsOnly: boolean
  /** ADMIN_IDS: Telegram user ids who may ask for a dashboard login link (`/dashboard`). */
  adminIds?: readonly number[]
}

/** What the features need, injected once when the bot is built. */
export interface BotServices {
  settings: BotSettings
  store: BotStore
  shop: ShopStore
  clock: Clock
  logger: Logger
  limiter: RateLimiter
  kv: KeyValue
  /** True when an error says the database could not be reached (the update is then redelivered). */
  isDatabaseUnavailable(error: unknown): boolean
  /** Per-customer activity log (rebuildable, best-effort: see {@link BotContextBase.track}). */
  activity: Pick<ActivityLog, 'record'>
  /** Daily active customers (DAU/WAU/MAU). */
  uniques: Pick<Uniques, 'markActive'>
  /** Catalog pages and product cards through the shared cache. */
  catalog: CatalogReads
  /** Providers an order may be offered (configured ones plus the offer rules). */
  offer: OfferConfig
  stars: StarsPayments
  /** Our `GET /pay/:orderId/:provider` link. */
  payUrl(orderId: string, provider: ProviderName): string
  /** ADMIN_CHAT_ID, following its upgrade to a supergroup. */
  adminChat: AdminChat
  /** The shop's own words (welcome, help, support contact, terms), held in memory by version. */
  shopWords: ShopWordsCache
  /** Photos Bozor keeps: their Telegram file ids once known, else their bytes to upload. */
  photos: BotPhotos
  /** A one-time dashboard login link (write scope) for an admin who sent `/dashboard`. */
  dashboardLink?: (telegramId: number) => Promise<string>
  /** Analytics events, buffered and written in batches (never awaited); absent: none recorded. */
  analytics?: EventRecorder
  /** The per-update key-value work in two round trips (absent: one call at a time). */
  steps?: UpdateSteps
  /** Returning customers' last-seen times, written in batches. */
  lastSeen?: LastSeenLog
}

/** The analytics event of a tracked action (the ledger writes `order.placed` itself). */
const ANALYTICS_EVENT: Partial<Record<string, EventName>> = {
  'bot.start': 'bot.started',
  'catalog.opened': 'catalog.opened',
  'product.viewed': 'product.viewed',
  'checkout.started': 'checkout.started'
}

/** An analytics event's properties: `bot.started` carries the referral `source` of `/start r_<code>`. */
function analyticsPropertiesOf (action: string, details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (action !== 'bot.start') return details
  const payload = details?.payload
  return typeof payload === 'string' && payload.startsWith('r_') && payload.length > 2 ? { source: payload.slice(2) } : undefined
}

type Base = Context & LazySessionFlavor<BotSession>

export class BotContextBase extends Context {
  /** The customer's language for this update (set from the customer record before any feature runs). */
  lang: Language = 'en'
  /** The merchant blocked this customer (from the customer record read at the start of the update). */
  customerBlocked = false
  /** The version of the shop's own words current at this update (from the customer record). */
  wordsVersion = 0
  /** True once the callback query of this update was answered. */
  callbackAnswered = false
  /** Set by the bot factory. */
  services!: BotServices
  /** Best-effort key-value writes of this update; they never delay or fail a reply (see ShopBot.settled). */
  readonly background: Array<Promise<void>> = []
  /** The `bot.message` decision the update's first step already made. */
  prefetchedLimit: RateLimitDecision | undefined
  /** Activity entries held for the update's last step (set when the update runs through {@link BotServices.steps}). */
  deferredActivity: Array<{ customerId: number, action: string, details?: Record<string, unknown> }> | undefined

  /**
   * Records an action of this update's user in their activity log, e.g.
   * `ctx.track('product.viewed', { productId })`. Never awaited by the handler and never throws:
   * a store failure is logged and the reply goes on.
   */
  track (action: string, details?: Record<string, unknown>): void {
    const id = this.from?.id
    if (id === undefined || this.from?.is_bot === true) return
    // the analytics event goes to the in-process buffer (no I/O here), whichever way activity goes
    const name = ANALYTICS_EVENT[action]
    if (name !== undefined && this.services.analytics !== undefined) {
      const properties = analyticsPropertiesOf(action, details)
      this.services.analytics.record({ name, customerTelegramId: id, at: this.services.clock.now(), ...(properties !== undefined ? { properties } : {}) })
    }
    if (this.deferredActivity !== undefined) {
      this.deferredActivity.push({ customerId: id, action, ...(details === undefined ? {} : { details }) })
      return
    }
    this.runInBackground(`activity ${action}`, () => this.services.activity.record(id, action, details))
  }

  /** Starts a best-effort key-value write; failures are logged (debug while the store is down). */
  runInBackground (what: string, work: () => Promise<unknown>): void {
    const { logger } = this.services
    const settled = (async () => { await work() })().catch((err: unknown) => {
      if (err instanceof KvUnavailableError) logger.debug({ module: 'bot', what, err: err.message }, 'best-effort write skipped: key-value store unavailable')
      else logger.warn({ module: 'bot', what, err }, 'best-effort write failed')
    })
    this.background.push(settled)
  }

  /** The shop's own text `field` in the customer's language (English when missing), or undefined when unset. */
  async shopWord (field: ShopWordField): Promise<string | undefined> {
    return shopText(await this.services.shopWords.at(this.wordsVersion), field, this.lang)
  }

  /** The text `key` in the customer's language. */
  t (key: TextKey, params?: TextParams): string {
    return t(this.lang, key, params)
  }

  /** Answers this update's callback query once (later calls are no-ops); errors are swallowed (`query is too old`). */
  async answerOnce (text?: string, showAlert = false): Promise<void> {
    if (this.callbackQuery === undefined || this.callbackAnswered) return
    this.callbackAnswered = true
    await this.answerCallbackQuery(text === undefined ? undefined : { text: text.slice(0, 200), show_alert: showAlert }).catch((err: unknown) => {
      this.services.logger.debug({ module: 'bot', err: String(err) }, 'answerCallbackQuery failed')
    })
  }
}

export type BotContext = BotContextBase & Base

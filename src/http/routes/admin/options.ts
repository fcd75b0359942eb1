/** What the admin API's routes are given (built by compose.ts). */
import type { Clock } from '../../../domain/shared/clock.js'
import type { OrderAdminStore, OrderViewOptions, ShopStore } from '../../../usecases/ports.js'
import type { Cache } from '../../../usecases/ports-kv.js'
import type { RefundOrderStore, RefundProviders } from '../../../usecases/refund-order.js'
import type { StripeDeps } from '../../../usecases/stripe-payments.js'
import type { AdminAuthOptions } from '../../plugins/admin-auth.js'
import type { CustomerRoutesOptions } from './customers.js'
import type { TokenRoutesOptions } from './tokens.js'
import type { BroadcastRoutesOptions } from './broadcasts.js'
import type { PhotoStore } from '../../../usecases/product-photos.js'
import type { SettingsRoutesOptions } from './settings.js'
import type { AuditLog, CatalogAdminStore } from '../../../usecases/ports-catalog.js'
import type { AnalyticsRoutesOptions } from './analytics.js'

/** The settings the admin API follows (from Config). */
export interface AdminSettings {
  /** ADMIN_TOKEN, when set. */
  adminToken?: string
  /** ORDER_TTL_S. */
  orderTtlS: number
  /** DIGITAL_GOODS_STARS_ONLY. */
  digitalGoodsStarsOnly: boolean
  /** Bozor's version (package.json): the OpenAPI document's and `GET /settings`'. */
  version: string
}

export interface AdminRoutesOptions {
  settings: AdminSettings
  /** Pay URLs and the providers an order is offered (read at each use). */
  view: OrderViewOptions
  clock: Clock
  store: ShopStore
  /** The order list and export. */
  orders: OrderAdminStore
  /** Categories and product changes. */
  catalog: CatalogAdminStore
  /** Who did what through the admin API (issue 15 point 5). */
  audit: AuditLog
  verifyToken: AdminAuthOptions['verifyToken']
  /** The dashboard's sessions (cookie + X-CSRF-Token, decision 0040); without it only Bearer tokens work. */
  resumeSession?: AdminAuthOptions['resumeSession']
  /** Shared cache for catalog reads; without it every read goes to the store. */
  cache?: Pick<Cache, 'key' | 'getOrLoad' | 'invalidateTag'>
  /** Refunds by provider (`POST /orders/:id/refund`); without it every refund answers 409 ERR_REFUND_UNSUPPORTED. */
  refunds?: { store: RefundOrderStore, providers: RefundProviders }
  /** Stripe's use-case deps (payment-intent routes); undefined when Stripe is not configured. */
  stripe?: StripeDeps
  /** Token management (`/tokens`). */
  tokens: TokenRoutesOptions
  /** What `GET /settings` answers. */
  settingsInfo: SettingsRoutesOptions['info']
  /** Product photos Bozor keeps (`POST /products/:id/photos`). */
  photos: PhotoStore
  /** `<PUBLIC_URL>/media/photos`: where kept photos are served. */
  mediaUrl: string
  /** The shop's own words (`PATCH /settings`). */
  shopWords: SettingsRoutesOptions['words']
  /** Broadcasts (`/broadcasts`). */
  broadcasts?: BroadcastRoutesOptions
  /** The activity log and the customer lookup (`GET /customers/:telegramId/activity`); without them the route is absent. */
  customers?: CustomerRoutesOptions
  /** The analytics queries (`/analytics/...`); without them the routes are absent. */
  analytics?: AnalyticsRoutesOptions
}

/**
 * The payment providers as configured (part of the composition root): which ones an order is
 * offered, their pay-link checkouts, and how each refunds. Only `compose.ts` uses this.
 */
import type { Config } from '../config.js'
import type { BaseDeps } from './base.js'
import { stripeLedgerOf } from './payments.js'
import { createClickMerchantApi } from '../adapters/click/click-merchant-api.js'
import { createStripeClient } from '../adapters/stripe/stripe-client.js'
import { createStripeGateway } from '../adapters/stripe/stripe-gateway.js'
import type { Clock } from '../domain/shared/clock.js'
import { STRIPE_DEFAULT_MIN_AMOUNTS } from '../domain/orders/offered-providers.js'
import type { ClickReversalGateway } from '../usecases/click-reversal.js'
import { buildClickCheckoutUrl } from '../adapters/click/click-checkout-url.js'
import { buildPaymeCheckoutUrl } from '../adapters/payme/payme-checkout-url.js'
import { isWithinStripeBounds } from '../domain/orders/offered-providers.js'
import type { ProviderName } from '../domain/payments/payment.js'
import type { PayProvider } from '../usecases/open-pay-link.js'
import type { OrderViewOptions, PayLinks } from '../usecases/ports.js'
import type { RefundProvider, RefundProviders } from '../usecases/refund-order.js'
import { openStripeCheckout, stripeRefundProvider, type StripeDeps } from '../usecases/stripe-payments.js'

/**
 * Which providers an order can be offered under this configuration (pay URLs, the bot's pay
 * buttons). Stripe drops out while its gateway is disabled after an authentication error
 * (specs/stripe.md: not offered for 5 minutes), read at each use.
 */
export function viewOptionsOf (config: Config, payLinks: PayLinks, stripe?: Pick<StripeDeps, 'gateway'>, hasBot = config.bot.token !== undefined || config.mode.telegram === 'sandbox'): OrderViewOptions {
  const configured: ProviderName[] = []
  if (config.payme !== undefined) configured.push('payme')
  if (config.click !== undefined) configured.push('click')
  if (config.stripe !== undefined) configured.push('stripe')
  if (hasBot) configured.push('stars')
  const withoutStripe = configured.filter((provider) => provider !== 'stripe')
  return {
    payUrl: payLinks.url,
    offer: {
      get configured () { return stripe === undefined || stripe.gateway.available() ? configured : withoutStripe },
      stripeMinAmounts: config.stripeMinAmounts,
      digitalGoodsStarsOnly: config.bot.digitalGoodsStarsOnly
    }
  }
}

/** The pay link's providers: Payme, Click and (with its use-case deps) Stripe; `stars` when the bot runs. */
export function payProvidersOf (config: Config, stripe: StripeDeps | undefined, stars: PayProvider | undefined): Partial<Record<ProviderName, PayProvider>> {
  const table: Partial<Record<ProviderName, PayProvider>> = {}
  if (config.stripe !== undefined && stripe !== undefined) {
    table.stripe = {
      // not offered while the key is rejected (5 minutes) or outside Stripe's amount bounds
      accepts: (order) => order.total.currency !== 'XTR' && stripe.gateway.available() && isWithinStripeBounds(order.total, config.stripeMinAmounts),
      checkoutUrl: (order) => openStripeCheckout(stripe, order.id)
    }
  }
  const payme = config.payme
  if (payme !== undefined) {
    table.payme = {
      accepts: (order) => order.total.currency === 'UZS',
      checkoutUrl: (order, language) => buildPaymeCheckoutUrl({ checkoutUrl: payme.checkoutUrl, merchantId: payme.merchantId, orderId: order.id, amount: order.total, language })
    }
  }
  const click = config.click
  if (click !== undefined) {
    table.click = {
      accepts: (order) => order.total.currency === 'UZS',
      checkoutUrl: (order) => buildClickCheckoutUrl({ checkoutUrl: click.checkoutUrl, serviceId: click.serviceId, merchantId: click.merchantId, orderId: order.id, amount: order.total, merchantUserId: click.merchantUserId })
    }
  }
  if (stars !== undefined) table.stars = stars
  return table
}

/**
 * Refunds by provider (DESIGN.md): Stripe by API; Payme only in its cabinet; Click by a whole
 * reversal when its Merchant API is configured (else in its cabinet); Stars by
 * `refundStarPayment` when the bot runs.
 */
export function refundProvidersOf (providers: { stripe?: StripeDeps, click?: RefundProvider, stars?: RefundProvider }): RefundProviders {
  return {
    payme: 'unsupported',
    click: providers.click ?? 'unsupported',
    stars: providers.stars ?? 'unsupported',
    ...(providers.stripe !== undefined ? { stripe: stripeRefundProvider(providers.stripe) } : {})
  }
}

/** Stripe's use-case deps over the configured SDK client (or the injected gateway). */
export function stripeDepsOf (base: BaseDeps, payLinks: PayLinks): StripeDeps | undefined {
  const { config, clock } = base
  if (config.stripe === undefined) return undefined
  const logger = base.logger.child({ module: 'stripe' })
  const gateway = base.stripeGateway ?? createStripeGateway({ stripe: createStripeClient(config.stripe), clock, logger, minAmounts: { ...STRIPE_DEFAULT_MIN_AMOUNTS, ...config.stripeMinAmounts } })
  return { ledger: stripeLedgerOf(base.database.db), gateway, clock, payUrl: (orderId) => payLinks.url(orderId, 'stripe'), logger }
}

/** Click's Merchant API (reversals) when CLICK_MERCHANT_USER_ID is set. */
export function clickApiOf (config: Config, clock: Clock): ClickReversalGateway | undefined {
  const click = config.click
  if (click?.merchantUserId === undefined) return undefined
  return createClickMerchantApi({ apiBase: click.apiBase, serviceId: click.serviceId, merchantUserId: click.merchantUserId, secretKey: click.secretKey, clock })
}

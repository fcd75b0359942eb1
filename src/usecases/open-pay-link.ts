/**
 * What `GET /pay/:orderId/:provider` does (DESIGN.md): a payable order goes to the provider's
 * checkout; otherwise the customer is told why, in their language (unknown, paid, being paid
 * through another provider, expired or cancelled, provider unavailable or busy).
 *
 * @example
 * const outcome = await openPayLink({ store, providers, defaultLanguage: 'en', now: clock.now() }, { orderId: '1042', provider: 'payme' })
 * if (outcome.kind === 'redirect') reply.redirect(outcome.url, 302)
 */
import { findHold, payStatus } from '../domain/orders/hold.js'
import type { HoldCandidate } from '../domain/orders/hold.js'
import type { Order } from '../domain/orders/order.js'
import { PROVIDER_NAMES, ProviderError, type ProviderName } from '../domain/payments/payment.js'
import { isOrderId } from '../domain/shared/ids.js'
import type { Language } from '../domain/shared/language.js'

/** One provider the pay link can send a customer to. */
export interface PayProvider {
  /** False when the order cannot go to this provider (e.g. Payme and Click take UZS only). */
  accepts(order: Order): boolean
  /** The provider's checkout URL for a payable order. */
  checkoutUrl(order: Order, language: Language): Promise<string> | string
}

/** What the pay link reads. */
export interface PayLinkStore {
  readOrder(orderId: string): Promise<Order | undefined>
  /** Payments of the order that might hold it (Payme state 1, Click prepared). */
  holdCandidates(orderId: string): Promise<HoldCandidate[]>
  customerLanguage(telegramId: number): Promise<Language | undefined>
}

export interface PayLinkDeps {
  store: PayLinkStore
  providers: Partial<Record<ProviderName, PayProvider>>
  defaultLanguage: Language
  now: number
}

/** Why the customer gets a page instead of the checkout. */
export type PayLinkRefusal = 'not_found' | 'paid' | 'being_paid' | 'expired' | 'cancelled' | 'refunded' | 'unavailable' | 'try_again'

export type PayLinkOutcome =
  | { kind: 'redirect', url: string }
  /** `other`: the provider already holding the order; `error`: why the provider's checkout could not be opened. */
  | { kind: 'refused', reason: PayLinkRefusal, language: Language, other?: string, error?: unknown }

export async function openPayLink (deps: PayLinkDeps, input: { orderId: string, provider: string }): Promise<PayLinkOutcome> {
  const { orderId, provider } = input
  const refused = (reason: PayLinkRefusal, language: Language, extra: { other?: string, error?: unknown } = {}): PayLinkOutcome => ({ kind: 'refused', reason, language, ...extra })
  const order = isOrderId(orderId) ? await deps.store.readOrder(orderId) : undefined
  if (order === undefined || !(PROVIDER_NAMES as readonly string[]).includes(provider)) return refused('not_found', deps.defaultLanguage)
  const language = await deps.store.customerLanguage(order.customer.telegramId) ?? deps.defaultLanguage
  const entry = deps.providers[provider as ProviderName]
  if (entry === undefined || !entry.accepts(order)) return refused('unavailable', language)

  const candidates = await deps.store.holdCandidates(order.id)
  const status = payStatus(order, candidates, deps.now)
  if (status === 'held') {
    const hold = findHold(candidates, deps.now)
    // a customer reopening the link of the provider already holding the order goes back to it
    if (hold !== undefined && hold.provider !== provider) return refused('being_paid', language, { other: hold.provider })
  } else if (status !== 'payable') {
    return refused(status, language)
  }
  try {
    return { kind: 'redirect', url: await entry.checkoutUrl(order, language) }
  } catch (error) {
    // the provider refused or failed (Stripe timeout, key rejected, amount refused): the order
    // is left payable and the customer may retry or choose another provider; a busy or
    // unreachable provider (after the SDK's own retries) is worth another try
    const transient = error instanceof ProviderError && error.code === 'ERR_PAYMENT_RETRY'
    return refused(transient ? 'try_again' : 'unavailable', language, { error })
  }
}

/**
 * The official SDK configured from config (specs/stripe.md §8): the pinned API version (not
 * overridden), `STRIPE_API_BASE` split into host/port/protocol, SDK retries and a per-attempt
 * timeout.
 *
 * @example
 * const stripe = createStripeClient(config.stripe)
 */
import Stripe from 'stripe'

/** What the client is made from (STRIPE_SECRET_KEY, STRIPE_API_BASE). */
export interface StripeClientSettings {
  secretKey: string
  /** Where the SDK sends requests; unset = Stripe's own API. */
  apiBase?: { protocol: 'http' | 'https', host: string, port: number }
}

/** SDK retries of one call (connection errors, 409, 5xx), with the same Idempotency-Key. */
export const STRIPE_MAX_NETWORK_RETRIES = 2
/** Per-attempt timeout: well under a webhook or pay-link budget. */
export const STRIPE_TIMEOUT_MS = 20_000

export function createStripeClient (config: StripeClientSettings, options: { timeoutMs?: number, maxNetworkRetries?: number } = {}): Stripe {
  return new Stripe(config.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    timeout: options.timeoutMs ?? STRIPE_TIMEOUT_MS,
    appInfo: { name: 'bozor' },
    telemetry: false,
    ...(config.apiBase !== undefined ? { host: config.apiBase.host, port: config.apiBase.port, protocol: config.apiBase.protocol } : {})
  })
}

/**
 * Timing rules of Stripe Checkout Sessions (docs/decisions, specs/stripe.md §3.1, §1).
 *
 * Stripe accepts `expires_at` only between 30 minutes and 24 hours after creation. A session
 * ends with its order when it can (`expires_at` = the order's `expiresAt`); when the order has
 * less than 30 minutes left (the default ORDER_TTL_S is exactly 30 minutes) the session gets
 * Stripe's minimum plus a minute of clock skew, and the expiry job expires it through the API
 * when the order expires (DESIGN.md). A payment that still lands is refunded automatically.
 */

/** Stripe's window for `expires_at`, measured from creation. */
export const STRIPE_SESSION_MIN_MS = 30 * 60_000
export const STRIPE_SESSION_MAX_MS = 24 * 60 * 60_000
/** Margin for clock skew between us and Stripe. */
export const STRIPE_CLOCK_SKEW_MS = 60_000
/** An open session is reused only while it has at least this long left. */
export const STRIPE_SESSION_REUSE_MARGIN_MS = 5 * 60_000

/**
 * The `expires_at` (ms, whole seconds) of a new session for an order expiring at
 * `orderExpiresAt`, created at `now`.
 *
 * @example
 * checkoutExpiresAt(now + 2 * 3600_000, now) // the order's expiry
 * checkoutExpiresAt(now + 30 * 60_000, now)  // now + 31 min
 */
export function checkoutExpiresAt (orderExpiresAt: number, now: number): number {
  const min = Math.ceil((now + STRIPE_SESSION_MIN_MS + STRIPE_CLOCK_SKEW_MS) / 1000) * 1000
  const max = Math.floor((now + STRIPE_SESSION_MAX_MS - STRIPE_CLOCK_SKEW_MS) / 1000) * 1000
  return Math.min(max, Math.max(min, Math.floor(orderExpiresAt / 1000) * 1000))
}

/** True when a create that may not have reached Stripe can still be replayed with its stored `expires_at`. */
export function canReplayCreate (expiresAt: number, now: number): boolean {
  return expiresAt - now >= STRIPE_SESSION_MIN_MS + STRIPE_CLOCK_SKEW_MS / 2
}

/** True when a stored open session can be handed out again. */
export function canReuseSession (expiresAt: number, now: number): boolean {
  return expiresAt - now >= STRIPE_SESSION_REUSE_MARGIN_MS
}

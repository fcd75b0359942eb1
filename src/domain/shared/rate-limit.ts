/** Named rate-limit policies (DESIGN.md `RATE_LIMITS`) and their rules. */
export const RATE_LIMIT_POLICIES = ['bot.message', 'checkout.attempt', 'pay.open', 'api.token', 'api.auth', 'public.ip'] as const
export type RateLimitPolicy = typeof RATE_LIMIT_POLICIES[number]

/** At most `limit` hits in any `windowS`-second sliding window. */
export interface RateLimitRule { limit: number, windowS: number }

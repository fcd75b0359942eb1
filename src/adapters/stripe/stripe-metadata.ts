/**
 * Metadata built by our code is checked against Stripe's limits before sending
 * (specs/stripe.md §5): at most 50 keys, a key ≤ 40 characters without `[` or `]`, a value ≤ 500
 * characters.
 */
export const METADATA_MAX_KEYS = 50
export const METADATA_MAX_KEY_LENGTH = 40
export const METADATA_MAX_VALUE_LENGTH = 500

/** Returns `entries` as Stripe metadata; throws a plain Error (a bug of ours) when a limit is broken. */
export function buildMetadata (entries: Record<string, string>): Record<string, string> {
  const keys = Object.keys(entries)
  if (keys.length > METADATA_MAX_KEYS) throw new Error(`Stripe metadata: ${keys.length} keys, at most ${METADATA_MAX_KEYS}`)
  for (const key of keys) {
    if (key.length === 0 || key.length > METADATA_MAX_KEY_LENGTH || /[[\]]/.test(key)) throw new Error(`Stripe metadata: bad key "${key.slice(0, 60)}"`)
    if ((entries[key] ?? '').length > METADATA_MAX_VALUE_LENGTH) throw new Error(`Stripe metadata: value of "${key}" is longer than ${METADATA_MAX_VALUE_LENGTH}`)
  }
  return { ...entries }
}

/** The languages Bozor speaks to customers and merchants (DESIGN.md `DEFAULT_LANGUAGE`). */
export const LANGUAGES = ['en', 'ru', 'uz'] as const
export type Language = typeof LANGUAGES[number]

/** True for one of {@link LANGUAGES}. */
export function isLanguage (value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

/**
 * A stored language, or `fallback` when it is missing or no longer supported.
 *
 * @example
 * languageOr(row?.language, 'en') // 'ru' for a stored 'ru', 'en' for null or 'fr'
 */
export function languageOr<T extends Language | undefined> (value: unknown, fallback: T): Language | T {
  return isLanguage(value) ? value : fallback
}

/**
 * The shop's own words (issue 15 point 2): its name, welcome text, help text, support contact and
 * terms, each in en/ru/uz, set with `PATCH /api/v1/settings` and used by the bot at once.
 *
 * Kept with a version number that increases on every change. The bot holds the words in memory
 * with their version and learns the current version from the customer upsert it already makes for
 * each update (a sub-select in the same statement), so a returning customer's update costs no
 * extra query or key-value round trip; only the first update after a change reads the words again
 * (decision 0022).
 *
 * @example
 * await updateShopWords({ store }, { welcome: { en: 'Hi! Fresh tea every week.' } })
 * const words = await createShopWordsCache(store).at(version)
 */
import { validationError, type FieldError } from '../domain/shared/errors.js'
import { LANGUAGES, type Language } from '../domain/shared/language.js'

/** A text in any of the shop's languages (each optional: the bot falls back to English, then to its own words). */
export type ShopText = Partial<Record<Language, string>>

export const SHOP_WORD_FIELDS = ['name', 'welcome', 'help', 'supportContact', 'terms'] as const
export type ShopWordField = typeof SHOP_WORD_FIELDS[number]

export type ShopWords = Partial<Record<ShopWordField, ShopText>>

/** Longest text per field, in characters (a Telegram message holds 4096). */
export const SHOP_WORD_LIMITS: Record<ShopWordField, number> = { name: 64, welcome: 2000, help: 3000, supportContact: 200, terms: 3500 }

export interface ShopWordsStore {
  /** The words and their version (0 before the first change). */
  read(): Promise<{ words: ShopWords, version: number }>
  /** Replaces the words and increases the version, atomically; returns the new version. */
  write(change: (current: ShopWords) => ShopWords): Promise<{ words: ShopWords, version: number }>
}

/** A PATCH: a field set to null is removed, a language set to null or '' is removed. */
export type ShopWordsPatch = Partial<Record<ShopWordField, Partial<Record<Language, string | null>> | null>>

export function applyShopWordsPatch (current: ShopWords, patch: ShopWordsPatch): ShopWords {
  const errors: FieldError[] = []
  const next: ShopWords = { ...current }
  for (const field of SHOP_WORD_FIELDS) {
    const change = patch[field]
    if (change === undefined) continue
    if (change === null) { delete next[field]; continue }
    const text: ShopText = { ...current[field] }
    for (const language of LANGUAGES) {
      const value = change[language]
      if (value === undefined) continue
      if (value === null || value.trim() === '') { delete text[language]; continue }
      if (value.length > SHOP_WORD_LIMITS[field]) errors.push({ field: `shop.${field}.${language}`, message: `must be at most ${SHOP_WORD_LIMITS[field]} characters` })
      text[language] = value.trim()
    }
    if (Object.keys(text).length === 0) delete next[field]
    else next[field] = text
  }
  if (errors.length > 0) throw validationError(errors)
  return next
}

export async function updateShopWords (deps: { store: ShopWordsStore }, patch: ShopWordsPatch): Promise<{ words: ShopWords, version: number }> {
  // checked before the write so a bad patch changes nothing
  applyShopWordsPatch({}, patch)
  return await deps.store.write((current) => applyShopWordsPatch(current, patch))
}

/** The words in `language`: its own text, else English, else undefined (the bot's default). */
export function shopText (words: ShopWords, field: ShopWordField, language: Language): string | undefined {
  const text = words[field]
  return text?.[language] ?? text?.en
}

/** The bot's copy of the words, re-read only when a newer version is seen. */
export interface ShopWordsCache {
  /** The words of `version` (from the customer upsert); no I/O when it is the version held. */
  at(version: number): Promise<ShopWords>
}

export function createShopWordsCache (store: Pick<ShopWordsStore, 'read'>): ShopWordsCache {
  let held: { words: ShopWords, version: number } = { words: {}, version: 0 }
  let loading: Promise<{ words: ShopWords, version: number }> | undefined
  return {
    async at (version) {
      if (version <= held.version) return held.words
      loading ??= store.read().finally(() => { loading = undefined })
      const read = await loading
      if (read.version > held.version) held = read
      return held.words
    }
  }
}

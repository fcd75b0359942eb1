/**
 * Settings Bozor makes itself and keeps (`app_setting`): today the pay-link signing key,
 * generated at first start. Two instances starting at once agree on one key (insert if absent,
 * then read).
 *
 * @example
 * const key = await loadPayLinkKey(db) // 32 random bytes, the same on every later start
 */
import { randomBytes } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import type { ShopWords, ShopWordsStore } from '../../usecases/shop-words.js'
import type { Db } from './database.js'
import { appSetting } from './schema.js'

const PAY_LINK_KEY = 'pay_link_key'

export async function loadPayLinkKey (db: Db): Promise<Buffer> {
  await db.insert(appSetting).values({ key: PAY_LINK_KEY, value: randomBytes(32).toString('base64') }).onConflictDoNothing()
  const [row] = await db.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, PAY_LINK_KEY))
  if (typeof row?.value !== 'string') throw new Error('app_setting pay_link_key is missing or not a string; delete the row to make a new key (old pay links stop working)')
  return Buffer.from(row.value, 'base64')
}

const SHOP_WORDS = 'shop_words'

/** The row's value: the words and a version increased on every write. */
interface ShopWordsValue { words: ShopWords, version: number }

function asWords (value: unknown): ShopWordsValue {
  const v = value as Partial<ShopWordsValue> | undefined
  return { words: (v?.words ?? {}) as ShopWords, version: typeof v?.version === 'number' ? v.version : 0 }
}

/**
 * The SQL of the words' current version, for a sub-select in another statement (the bot's
 * customer upsert returns it, so learning of a change costs no query of its own).
 */
export const shopWordsVersionSql = sql<number | null>`(select (${appSetting.value}->>'version')::int from ${appSetting} where ${appSetting.key} = ${SHOP_WORDS})`

/** The shop's own words (issue 15 point 2) in `app_setting`. */
export function createShopWordsStore (db: Db): ShopWordsStore {
  return {
    async read () {
      const [row] = await db.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, SHOP_WORDS))
      return asWords(row?.value)
    },
    async write (change) {
      return await db.transaction(async (tx) => {
        await tx.insert(appSetting).values({ key: SHOP_WORDS, value: { words: {}, version: 0 } }).onConflictDoNothing()
        const [row] = await tx.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, SHOP_WORDS)).for('update')
        const current = asWords(row?.value)
        const next = { words: change(current.words), version: current.version + 1 }
        await tx.update(appSetting).set({ value: next }).where(eq(appSetting.key, SHOP_WORDS))
        return next
      })
    }
  }
}

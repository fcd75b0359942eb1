/**
 * Settings Bozor makes itself and keeps (`app_setting`): today the pay-link signing key,
 * generated at first start. Two instances starting at once agree on one key (insert if absent,
 * then read).
 *
 * @example
 * const key = await loadPayLinkKey(db) // 32 random bytes, the same on every later start
 */
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Db } from './database.js'
import { appSetting } from './schema.js'

const PAY_LINK_KEY = 'pay_link_key'

export async function loadPayLinkKey (db: Db): Promise<Buffer> {
  await db.insert(appSetting).values({ key: PAY_LINK_KEY, value: randomBytes(32).toString('base64') }).onConflictDoNothing()
  const [row] = await db.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, PAY_LINK_KEY))
  if (typeof row?.value !== 'string') throw new Error('app_setting pay_link_key is missing or not a string; delete the row to make a new key (old pay links stop working)')
  return Buffer.from(row.value, 'base64')
}

/**
 * Mini App `initData` validation (specs/telegram.md §7.1, checklist 37): HMAC-SHA256 with the
 * key HMAC("WebAppData", bot token) over the sorted `key=value` lines of every field but `hash`
 * (`signature` stays in), compared in constant time; `auth_date` no older than the limit.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface WebAppUser { id: number, first_name?: string, last_name?: string, username?: string, language_code?: string, [key: string]: unknown }

export type InitDataResult =
  | { ok: true, user: WebAppUser | undefined, authDate: number, fields: Record<string, string> }
  | { ok: false, reason: string }

/**
 * Validates raw `initData` (the query string) for `botToken` at `nowS` (Unix seconds).
 *
 * @example
 * const result = validateInitData(body.initData, config.bot.token, { maxAgeS: 3600, nowS: Math.floor(Date.now() / 1000) })
 */
export function validateInitData (raw: string, botToken: string, options: { maxAgeS: number, nowS: number }): InitDataResult {
  if (raw.length === 0 || raw.length > 8192) return { ok: false, reason: 'initData is empty or too long' }
  const fields: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(raw)) {
    if (Object.hasOwn(fields, key)) return { ok: false, reason: `field ${key} appears twice` }
    fields[key] = value
  }
  const hash = fields.hash
  if (hash === undefined || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'hash is missing or malformed' }
  const dataCheckString = Object.keys(fields).filter((k) => k !== 'hash').sort().map((k) => `${k}=${fields[k]}`).join('\n')
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest()
  const expected = createHmac('sha256', secret).update(dataCheckString).digest()
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'hash does not match' }
  const authDate = Number(fields.auth_date)
  if (!Number.isSafeInteger(authDate)) return { ok: false, reason: 'auth_date is missing' }
  if (options.nowS - authDate > options.maxAgeS) return { ok: false, reason: 'auth_date is too old' }
  let user: WebAppUser | undefined
  if (fields.user !== undefined) {
    try {
      const parsed = JSON.parse(fields.user) as unknown
      if (typeof parsed !== 'object' || parsed === null || !Number.isSafeInteger((parsed as { id?: unknown }).id)) return { ok: false, reason: 'user is not a Telegram user' }
      user = parsed as WebAppUser
    } catch {
      return { ok: false, reason: 'user is not JSON' }
    }
  }
  return { ok: true, user, authDate, fields }
}

/** Signs `fields` as Telegram would (tests and the sandbox Mini App use it). */
export function signInitData (fields: Record<string, string>, botToken: string): string {
  const dataCheckString = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join('\n')
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest()
  const hash = createHmac('sha256', secret).update(dataCheckString).digest('hex')
  return new URLSearchParams({ ...fields, hash }).toString()
}

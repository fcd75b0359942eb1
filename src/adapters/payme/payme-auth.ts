import { createHash, timingSafeEqual } from 'node:crypto'

/** The login of Payme's Basic header (specs/payme.md §2). */
export const PAYME_LOGIN = 'Paycom'

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i

/** Constant-time equality: both sides are hashed to 32 bytes, so lengths never leak. */
function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest()
  const hb = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(ha, hb)
}

/**
 * Checks `Authorization: Basic base64(login ":" key)` against the configured key, in
 * constant time. The decoded value is split at the first `:` only; everything after it is
 * the password, untrimmed (keys contain `#&@%!?*^$`).
 *
 * @example
 * isPaymeAuthorized('Basic UGF5Y29tOlpxOCNIbjIhVnQ1JkxtOUBSYzQlWHc3XkJwMSpLczYkRGczSg==', 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J') // true
 */
export function isPaymeAuthorized (header: string | undefined, key: string, login: string = PAYME_LOGIN): boolean {
  if (header === undefined || key === '') return false
  const match = BASIC.exec(header)
  const encoded = match?.[1]
  if (encoded === undefined || encoded.length % 4 !== 0) return false
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return false
  const loginOk = safeEqual(decoded.slice(0, colon), login)
  const keyOk = safeEqual(decoded.slice(colon + 1), key)
  return loginOk && keyOk
}

/** The header Payme would send for `key` (for the sandbox simulator and tests). */
export function paymeAuthHeader (key: string, login: string = PAYME_LOGIN): string {
  return 'Basic ' + Buffer.from(`${login}:${key}`, 'utf8').toString('base64')
}

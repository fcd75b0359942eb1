/**
 * Signed pay links (DESIGN.md): `t` = the first 16 bytes of HMAC-SHA256(key, "pay:" + order id),
 * base64url, under the key Bozor generates at first start and keeps in `app_setting`
 * (adapters/postgres/app-settings.ts). A link names no secret and cannot be forged or guessed by
 * counting ids.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { PayLinks } from '../usecases/ports.js'

/** The `t` of an order's pay links. */
export function signPayLink (key: Uint8Array, orderId: string): string {
  return createHmac('sha256', key).update(`pay:${orderId}`).digest().subarray(0, 16).toString('base64url')
}

export function createPayLinks (key: Uint8Array, publicUrl: string): PayLinks {
  const base = publicUrl.replace(/\/+$/, '')
  return {
    url: (orderId, provider) => `${base}/pay/${encodeURIComponent(orderId)}/${provider}?t=${signPayLink(key, orderId)}`,
    verify (orderId, signature) {
      if (signature === undefined || signature.length > 64) return false
      const expected = Buffer.from(signPayLink(key, orderId))
      const given = Buffer.from(signature)
      return given.length === expected.length && timingSafeEqual(given, expected)
    }
  }
}

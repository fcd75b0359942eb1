/**
 * Prefixed, branded ids (`prd_…`, `pay_…`) with a crypto-random body. Order ids are the
 * exception (decimal strings of a sequence, see DESIGN.md) and are not made here.
 *
 * The body is 26 characters of Crockford base32 (lower case, no i/l/o/u): 130 random bits.
 */

/** Prefix per kind of object. */
export const ID_PREFIXES = {
  product: 'prd',
  category: 'cat',
  payment: 'pay',
  token: 'tok',
  broadcast: 'brd',
  ledger: 'led',
  photo: 'pho'
} as const

export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES]

/** A prefixed id, e.g. `Id<'prd'>` = `prd_…`. */
export type Id<P extends IdPrefix> = `${P}_${string}` & { readonly __id?: P }

export type ProductId = Id<'prd'>
export type CategoryId = Id<'cat'>
export type PaymentId = Id<'pay'>
export type TokenId = Id<'tok'>
export type BroadcastId = Id<'brd'>

/** Fills `bytes` with cryptographically strong random values and returns it. */
export type RandomSource = (bytes: Uint8Array) => Uint8Array

/** Web Crypto's generator, a global in Node 20 (no `node:` import in the domain). */
export const cryptoRandom: RandomSource = (bytes) => globalThis.crypto.getRandomValues(bytes)

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const BODY_LENGTH = 26
const BODY = /^[0-9a-hjkmnp-tv-z]{26}$/

/** Encodes 17 random bytes as 26 base32 characters (5 bits each, 130 bits used). */
function encode (bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < BODY_LENGTH) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31]
      bits -= 5
    }
    buffer &= (1 << bits) - 1
  }
  return out
}

/**
 * A new id with `prefix`.
 *
 * @example
 * createId('prd') // 'prd_3k9v0x2m7q8r1t5w6y4z0a1b2c'
 */
export function createId<P extends IdPrefix> (prefix: P, random: RandomSource = cryptoRandom): Id<P> {
  const body = encode(random(new Uint8Array(17)))
  return `${prefix}_${body}` as Id<P>
}

/** True when `value` is a well-formed id with `prefix`. */
export function isId<P extends IdPrefix> (prefix: P, value: unknown): value is Id<P> {
  return typeof value === 'string' && value.startsWith(prefix + '_') && BODY.test(value.slice(prefix.length + 1))
}

/** Port for making ids, so tests can make deterministic ones. */
export interface IdGenerator {
  next<P extends IdPrefix>(prefix: P): Id<P>
}

/** An {@link IdGenerator} over a random source (Web Crypto by default). */
export function createIdGenerator (random: RandomSource = cryptoRandom): IdGenerator {
  return { next: (prefix) => createId(prefix, random) }
}

/** True for an order id: a decimal string of a positive sequence number without leading zeros. */
export function isOrderId (value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value)
}

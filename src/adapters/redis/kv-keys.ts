// Key naming for the key-value store (specs/redis.md §1, §4, §9). Every key the app writes comes
// from one KeyBuilder: `<prefix>:<area>:<segment>...`. Segments from users or ids are encoded so
// they cannot contain glob characters, hash-tag braces, whitespace or the `:` separator.

import { ANY_SEGMENT, type KeySegment } from '../../usecases/ports-kv.js'

export { ANY_SEGMENT, type KeySegment }

const AREA_RE = /^[A-Za-z0-9_-]+$/
const PREFIX_RE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/
// `%` is the escape itself and `:` the separator; both are encoded so decoding is unambiguous.
const UNSAFE_RE = /[%:*?[\]\\{}\s\p{Cc}]/gu
const utf8 = new TextEncoder()

/**
 * Encodes one segment: `% : * ? [ ] \ { }`, whitespace and control characters become `%XX` (UTF-8).
 *
 * @example encodeSegment('a b*') // 'a%20b%2A'
 */
export function encodeSegment (segment: KeySegment): string {
  return String(segment).replace(UNSAFE_RE, (ch) =>
    Array.from(utf8.encode(ch), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''))
}

/** Inverse of {@link encodeSegment}. */
export function decodeSegment (encoded: string): string {
  return decodeURIComponent(encoded)
}

/**
 * A cluster hash tag `{…}`: each part is encoded, then the parts are joined by `:`, so
 * `hashTag('u', 42)` → `{u:42}` and `hashTag('a:b')` → `{a%3Ab}`.
 *
 * @example hashTag('c', -100123) // '{c:-100123}'
 */
export function hashTag (...parts: KeySegment[]): string {
  if (parts.length === 0) throw new RangeError('kv: a hash tag needs at least one part')
  const inner = parts.map(encodeSegment).join(':')
  if (inner === '') throw new RangeError('kv: an empty hash tag does not pin a slot')
  return `{${inner}}`
}

/** Escapes Redis glob specials (`* ? [ ] \`) so the text matches literally in SCAN MATCH. */
export function escapeGlob (text: string): string {
  return text.replace(/[*?[\]\\]/g, (ch) => '\\' + ch)
}

/** Builds the app's keys and SCAN patterns under one prefix. */
export interface KeyBuilder {
  readonly prefix: string
  /** `<prefix>:<area>:<seg>...`, e.g. `key('c', 'product', 42)` → `p:c:product:42`. */
  key (area: string, ...segments: KeySegment[]): string
  /**
   * A key whose first segment is a hash tag (keys sharing a tag share a cluster slot):
   * `taggedKey('rl', ['u', 42], 'msg', '1s')` → `p:rl:{u:42}:msg:1s`.
   */
  taggedKey (area: string, tag: KeySegment | readonly KeySegment[], ...segments: KeySegment[]): string
  /**
   * A SCAN pattern; literal segments are encoded (so they match literally), {@link ANY_SEGMENT}
   * matches any text: `pattern('c', 'product', ANY_SEGMENT)` → `p:c:product:*`.
   */
  pattern (area: string, ...segments: Array<KeySegment | typeof ANY_SEGMENT>): string
  /** `<prefix>:*`: every key of this prefix (test cleanup, full cache flush). */
  everything (): string
}

/** Throws unless `prefix` is a safe app prefix (letters, digits, `_ . -`, inner `:`). */
export function assertPrefix (prefix: string): void {
  if (!PREFIX_RE.test(prefix)) throw new RangeError(`kv: invalid key prefix ${JSON.stringify(prefix)}`)
}

/**
 * Creates the key builder of one app prefix.
 *
 * @example
 * const keys = createKeyBuilder('bozor')
 * keys.taggedKey('sess', ['c', -100123]) // 'bozor:sess:{c:-100123}'
 */
export function createKeyBuilder (prefix: string): KeyBuilder {
  assertPrefix(prefix)
  const head = (area: string): string => {
    if (!AREA_RE.test(area)) throw new RangeError(`kv: invalid key area ${JSON.stringify(area)}`)
    return `${prefix}:${area}`
  }
  const join = (base: string, segments: readonly string[]): string =>
    segments.length === 0 ? base : `${base}:${segments.join(':')}`
  return Object.freeze({
    prefix,
    key: (area: string, ...segments: KeySegment[]) => join(head(area), segments.map(encodeSegment)),
    taggedKey: (area: string, tag: KeySegment | readonly KeySegment[], ...segments: KeySegment[]) => {
      const tagText = typeof tag === 'object' ? hashTag(...tag) : hashTag(tag)
      return join(`${head(area)}:${tagText}`, segments.map(encodeSegment))
    },
    pattern: (area: string, ...segments: Array<KeySegment | typeof ANY_SEGMENT>) =>
      join(escapeGlob(head(area)), segments.map((s) => s === ANY_SEGMENT ? '*' : escapeGlob(encodeSegment(s)))),
    everything: () => `${prefix}:*`
  })
}

// CRC16-CCITT (XMODEM), the function Redis Cluster uses for key slots.
const CRC_TABLE = (() => {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let j = 0; j < 8; j++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[i] = crc
  }
  return table
})()

function crc16 (bytes: Uint8Array): number {
  let crc = 0
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ b) & 0xff]!
  return crc
}

/**
 * The Redis Cluster slot (0..16383) of a key: CRC16 of the text inside the first `{…}` when
 * that text is non-empty, else of the whole key.
 *
 * @example keySlot('{u:42}:a') === keySlot('{u:42}:b') // true
 */
export function keySlot (key: string): number {
  const bytes = utf8.encode(key)
  const open = bytes.indexOf(0x7b)
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1)
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) & 16383
  }
  return crc16(bytes) & 16383
}

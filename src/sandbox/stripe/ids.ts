const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function mix (seed: number, text: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

function randomChars (state: number, length: number): string {
  let s = state
  let out = ''
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    out += ALPHABET[((t ^ (t >>> 14)) >>> 0) % 62]
  }
  return out
}

/** Produces Stripe-looking ids that depend only on the seed and how many came before. */
export interface IdGenerator {
  /** `next('pi_')` → `pi_3…` (24 characters after the prefix). */
  next(prefix: string): string
  /** A random-looking secret tail, deterministic like the ids. */
  secret(owner: string): string
}

/**
 * Seeded id generator: a counter per prefix, mixed with the seed so two emulators with the
 * same seed hand out the same ids in the same order.
 *
 * @example
 * const ids = createIdGenerator(1)
 * ids.next('cs_test_') // 'cs_test_a1…'
 */
export function createIdGenerator (seed = 1): IdGenerator {
  const counters = new Map<string, number>()
  return {
    next (prefix) {
      const n = (counters.get(prefix) ?? 0) + 1
      counters.set(prefix, n)
      const lead = prefix === 'cs_test_' ? 'a1' : prefix === 'pi_' || prefix === 'ch_' ? '3' : '1'
      const counter = n.toString(36).padStart(5, '0')
      return `${prefix}${lead}${randomChars(mix(seed, prefix + String(n)), 24 - lead.length - 5)}${counter}`
    },
    secret (owner) {
      return randomChars(mix(seed, `secret:${owner}`), 25)
    }
  }
}

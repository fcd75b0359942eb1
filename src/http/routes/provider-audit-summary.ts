/**
 * What the Payme and Click routes keep of a call refused before it was trusted (a failed
 * authentication, a body that did not parse, a body the server did not read): a capped, hashed
 * summary, never the body (issue 19: 40 unauthenticated calls of 200 KB grew `provider_audit` by
 * 8 MB). A caller without the key chooses every byte of those calls, so nothing of theirs is kept
 * past a few dozen characters.
 */
import { createHash } from 'node:crypto'
import type { CallSummary } from '../../usecases/ports-audit.js'

/** At most this many characters of the body's start are kept. */
export const SUMMARY_EXCERPT_CHARS = 64
/** An answer longer than this (as JSON) is kept as its length and hash (Payme echoes a caller's `id`). */
export const SUMMARY_RESPONSE_BYTES = 1024
/** A method name longer than this is cut. */
const METHOD_CHARS = 64

/**
 * The summary of a refused call's body (`raw`, or undefined when the server did not read it:
 * then `claimedBytes`, the Content-Length, is its size).
 *
 * @example
 * const body = callSummary(raw, 'CreateTransaction')
 */
export function callSummary (raw: string | undefined, method: string | null, claimedBytes = 0): CallSummary {
  return {
    summary: true,
    method: method === null ? null : method.slice(0, METHOD_CHARS),
    bytes: raw === undefined ? claimedBytes : Buffer.byteLength(raw, 'utf8'),
    sha256: raw === undefined ? null : createHash('sha256').update(raw, 'utf8').digest('hex'),
    excerpt: raw === undefined ? '' : raw.slice(0, SUMMARY_EXCERPT_CHARS)
  }
}

/** A refused call's answer as kept: itself when short, else its length and hash. */
export function cappedResponse (response: unknown): unknown {
  const text = JSON.stringify(response) ?? ''
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes <= SUMMARY_RESPONSE_BYTES) return response
  return { summary: true, bytes, sha256: createHash('sha256').update(text, 'utf8').digest('hex') }
}

/** The Content-Length a request claimed (0 when absent or malformed). */
export function claimedLength (headers: Record<string, unknown>): number {
  const value = headers['content-length']
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : 0
  return Number.isSafeInteger(n) ? n : 0
}

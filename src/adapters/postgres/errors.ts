/** SQLSTATE of a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505'
/** SQLSTATE of a check-constraint violation. */
export const CHECK_VIOLATION = '23514'
/** SQLSTATE of a foreign-key violation. */
export const FOREIGN_KEY_VIOLATION = '23503'
/** SQLSTATE of a serialization failure (retry the transaction). */
export const SERIALIZATION_FAILURE = '40001'

/**
 * The SQLSTATE code of a database error from either driver, looking through drizzle's
 * `DrizzleQueryError` wrapping (`cause`); undefined for anything else.
 *
 * @example
 * try { await db.insert(adminToken).values(row) } catch (err) {
 *   if (sqlStateOf(err) === UNIQUE_VIOLATION) ...
 * }
 */
export function sqlStateOf (err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
  return undefined
}

/** True when `err` is a unique-constraint violation (optionally of the named constraint or index). */
export function isUniqueViolation (err: unknown, constraint?: string): boolean {
  if (sqlStateOf(err) !== UNIQUE_VIOLATION) return false
  if (constraint === undefined) return true
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { constraint?: unknown }).constraint === constraint) return true
  }
  return false
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * True when `err` says the database could not be reached or dropped the connection (SQLSTATE
 * class 08, 57P01–57P03 shutdown, a socket error, a pool that was closed or timed out), as
 * opposed to a query the database refused. Webhook callers answer 5xx for these so the sender
 * retries.
 */
export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && /Connection terminated|Cannot use a pool after calling end|timeout exceeded when trying to connect|PGlite is closed/i.test(message)) return true
  }
  return false
}

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

// Errors of the session store (specs/redis.md §6).

/** Attempts of a versioned session write before it fails loudly. */
export const compareAndSetMaxAttempts = 3

/**
 * A session write lost the compare-and-set race three times in a row: the update fails with a
 * user-visible "try again" instead of overwriting another update's data.
 */
export class SessionConflictError extends Error {
  readonly code = 'ERR_CONFLICT'
  constructor (readonly key: string) {
    super(`session ${key}: the session changed during every one of ${compareAndSetMaxAttempts} attempts; try the update again`)
    this.name = 'SessionConflictError'
  }
}

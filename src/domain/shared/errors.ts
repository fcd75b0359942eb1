import { ERROR_CATALOG, type ErrorCode, type ErrorStatus } from './error-codes.js'

export { ERROR_CATALOG, ERROR_CODES, httpStatusOf, isErrorCode } from './error-codes.js'
export type { ErrorCode, ErrorStatus } from './error-codes.js'

/** One field problem of a validation error (`problem.errors[]`). */
export interface FieldError {
  /** Dotted path of the field, e.g. `items[0].quantity` or `price.amount`. */
  field: string
  message: string
}

/**
 * Details that are safe to show to an API client: ids, field names, counts. Never tokens,
 * card data or secrets (STYLE R11).
 */
export interface ErrorDetails {
  errors?: FieldError[]
  [key: string]: unknown
}

/**
 * The error the core throws. It carries a catalog `code`, the HTTP `status` that code maps
 * to, a message saying what failed and what to do, and safe `details`.
 *
 * @example
 * throw new DomainError('ERR_ORDER_STATE', 'Order 1042 is paid; only a pending order can be cancelled', { orderId: '1042', state: 'paid' })
 */
export class DomainError extends Error {
  readonly code: ErrorCode
  readonly status: ErrorStatus
  readonly details: ErrorDetails

  constructor (code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DomainError'
    this.code = code
    this.status = ERROR_CATALOG[code].status
    this.details = details
  }

  /** Field problems, also read by the HTTP problems plugin as `error.errors`. */
  get errors (): FieldError[] | undefined {
    return this.details.errors
  }
}

/** True when `error` is a {@link DomainError} (also across realms: checks the shape). */
export function isDomainError (error: unknown): error is DomainError {
  if (error instanceof DomainError) return true
  if (!(error instanceof Error) || !('details' in error)) return false
  const code: unknown = (error as unknown as { code?: unknown }).code
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code)
}

/** A 400 `ERR_VALIDATION` for one or more fields. */
export function validationError (errors: FieldError[], message = 'The request is not valid: ' + errors.map((e) => `${e.field}: ${e.message}`).join('; ')): DomainError {
  return new DomainError('ERR_VALIDATION', message, { errors })
}

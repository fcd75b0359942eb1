/** The `error` member of Stripe's error envelope; only the relevant members are set. */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error'
  message: string
  code?: string
  decline_code?: string
  param?: string
  payment_intent?: unknown
  charge?: string
  payment_method?: unknown
  doc_url?: string
  request_log_url?: string
}

/** Thrown by the emulator's handlers; the router renders it as `{ error }` with `status`. */
export class EmulatorError extends Error {
  override name = 'EmulatorError'
  readonly status: number
  readonly body: StripeErrorBody
  /** False for validation failures, which Stripe does not store under an idempotency key. */
  readonly executed: boolean
  readonly headers: Record<string, string>

  constructor (status: number, body: StripeErrorBody, opts: { executed?: boolean, headers?: Record<string, string> } = {}) {
    super(body.message)
    this.status = status
    this.body = body
    this.executed = opts.executed ?? false
    this.headers = opts.headers ?? {}
  }
}

function docUrl (code: string | undefined): Partial<StripeErrorBody> {
  return code === undefined ? {} : { doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` }
}

/** 400 `invalid_request_error`, optionally with `param` and `code`. */
export function invalidRequest (message: string, param?: string, code?: string, executed = false): EmulatorError {
  return new EmulatorError(400, {
    type: 'invalid_request_error',
    message,
    ...(code !== undefined && { code }),
    ...docUrl(code),
    ...(param !== undefined && { param })
  }, { executed })
}

export function unknownParameter (param: string): EmulatorError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown')
}

export function missingParameter (param: string): EmulatorError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing')
}

/** 404 `resource_missing`, as Stripe answers for an unknown id. */
export function resourceMissing (kind: string, id: string, param = 'id'): EmulatorError {
  return new EmulatorError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    ...docUrl('resource_missing'),
    message: `No such ${kind}: '${id}'`,
    param
  })
}

/** 401 for a missing or wrong API key (Stripe uses `invalid_request_error` here). */
export function authenticationError (key: string | undefined): EmulatorError {
  const message = key === undefined || key === ''
    ? 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.'
    : `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
  return new EmulatorError(401, { type: 'invalid_request_error', message })
}

export function rateLimitError (): EmulatorError {
  return new EmulatorError(429, {
    type: 'invalid_request_error',
    code: 'rate_limit',
    ...docUrl('rate_limit'),
    message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.'
  })
}

export function apiError (): EmulatorError {
  return new EmulatorError(500, {
    type: 'api_error',
    message: 'An unknown error occurred on Stripe\'s end. Please try again later.'
  })
}

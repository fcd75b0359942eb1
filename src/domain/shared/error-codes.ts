/**
 * The one catalog of error codes (STYLE R10). Every code has the HTTP status the admin API
 * answers with and a short title for `application/problem+json`. `docs/errors.md` documents
 * every code; `test/unit/domain/shared/errors.test.ts` fails when one is missing there.
 *
 * Generic codes come from DESIGN.md (plus the HTTP-level 400/413/415 codes the problems plugin
 * gives Fastify's own errors); domain-specific codes (`ERR_<AREA>_<REASON>`) each map to one
 * of the generic statuses.
 */
export const ERROR_CATALOG = {
  ERR_VALIDATION: { status: 400, title: 'Invalid request' },
  ERR_AUTH: { status: 401, title: 'Authentication required' },
  ERR_SCOPE: { status: 403, title: 'Token scope does not allow this' },
  ERR_CSRF: { status: 403, title: 'Missing or wrong X-CSRF-Token' },
  ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  ERR_CONFLICT: { status: 409, title: 'Conflict with the current state' },
  ERR_REFUND_UNSUPPORTED: { status: 409, title: 'Provider cannot refund by API' },
  ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  ERR_INTERNAL: { status: 500, title: 'Internal error' },
  ERR_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  ERR_BAD_REQUEST: { status: 400, title: 'Bad request' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'Body too large' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },

  ERR_MONEY_AMOUNT: { status: 400, title: 'Amount is not a valid integer of minor units' },
  ERR_MONEY_CURRENCY: { status: 400, title: 'Unknown currency' },
  ERR_MONEY_CURRENCY_MISMATCH: { status: 400, title: 'Amounts in different currencies' },
  ERR_MONEY_OVERFLOW: { status: 400, title: 'Amount too large' },

  ERR_PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  ERR_PRODUCT_INACTIVE: { status: 409, title: 'Product is not for sale' },
  ERR_PRODUCT_DIGITAL_NOT_STARS: { status: 400, title: 'Digital goods must be priced in XTR' },

  ERR_PHOTO_NOT_FOUND: { status: 404, title: 'Photo not found' },

  ERR_CATEGORY_NOT_FOUND: { status: 404, title: 'Category not found' },
  ERR_CATEGORY_NOT_EMPTY: { status: 409, title: 'Category still has products or sections' },

  ERR_CUSTOMER_NOT_FOUND: { status: 404, title: 'Customer not found' },

  ERR_BROADCAST_NOT_FOUND: { status: 404, title: 'Broadcast not found' },
  ERR_BROADCAST_STATE: { status: 409, title: 'Broadcast state does not allow this' },

  ERR_TOKEN_NOT_FOUND: { status: 404, title: 'Token not found' },

  ERR_ORDER_NOT_FOUND: { status: 404, title: 'Order not found' },
  ERR_ORDER_EMPTY: { status: 400, title: 'Order has no items' },
  ERR_ORDER_QUANTITY: { status: 400, title: 'Invalid quantity' },
  ERR_ORDER_CURRENCY_MIX: { status: 400, title: 'Items are priced in different currencies' },
  ERR_ORDER_OUT_OF_STOCK: { status: 409, title: 'Not enough stock' },
  ERR_ORDER_STATE: { status: 409, title: 'Order state does not allow this' },
  ERR_ORDER_HELD: { status: 409, title: 'Order is being paid' },
  ERR_ORDER_EXPIRED: { status: 409, title: 'Order has expired' },
  ERR_ORDER_NOTHING_REFUNDABLE: { status: 409, title: 'Nothing left to refund' },
  ERR_ORDER_REFUND_AMOUNT: { status: 400, title: 'Refund amount exceeds what is left' },

  ERR_PAYMENT_NOT_FOUND: { status: 404, title: 'Payment not found' },
  ERR_PAYMENT_STATE: { status: 409, title: 'Payment state does not allow this' },
  ERR_PAYMENT_PROVIDER_NOT_OFFERED: { status: 409, title: 'Provider is not offered for this order' },
  ERR_PAYMENT_PROVIDER: { status: 503, title: 'Payment provider failed' },
  ERR_PAYMENT_AMOUNT_TOO_SMALL: { status: 409, title: 'Total is below the provider minimum' },
  ERR_PAYMENT_AMOUNT_TOO_LARGE: { status: 409, title: 'Total is above the provider maximum' },
  ERR_PAYMENT_AMOUNT_INVALID: { status: 409, title: 'Total cannot be charged in this currency' },
  ERR_PAYMENT_DECLINED: { status: 409, title: 'Payment declined' },
  ERR_PAYMENT_PROVIDER_DISABLED: { status: 503, title: 'Payment provider temporarily not offered' },
  ERR_PAYMENT_RETRY: { status: 503, title: 'Payment provider busy, try again' },
  ERR_REFUND_PENDING: { status: 409, title: 'A refund of this order is in progress' }
} as const satisfies Record<string, { status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503, title: string }>

/** Every error code Bozor can answer with. */
export type ErrorCode = keyof typeof ERROR_CATALOG

/** The HTTP statuses of the catalog. */
export type ErrorStatus = (typeof ERROR_CATALOG)[ErrorCode]['status']

/** All codes, in catalog order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.keys(ERROR_CATALOG) as ErrorCode[]

/** True when `value` is a code of the catalog. */
export function isErrorCode (value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, value)
}

/** The HTTP status of a code. */
export function httpStatusOf (code: ErrorCode): ErrorStatus {
  return ERROR_CATALOG[code].status
}

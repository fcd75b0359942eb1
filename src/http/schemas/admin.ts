/**
 * TypeBox schemas of the admin API's JSON (DESIGN.md external contract). Response schemas also
 * work as field whitelists (STYLE R3). Money is always integer minor units.
 */
import { Type } from 'typebox'

const MAX_AMOUNT = Number.MAX_SAFE_INTEGER

export const Money = Type.Object({
  amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'minor units (tiyin, cents, stars)' }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' })
}, { additionalProperties: false })

export const LocalizedText = Type.Object({
  en: Type.String({ minLength: 1, maxLength: 4000 }),
  ru: Type.Optional(Type.String({ maxLength: 4000 })),
  uz: Type.Optional(Type.String({ maxLength: 4000 }))
}, { additionalProperties: false })

const Kind = Type.Union([Type.Literal('digital'), Type.Literal('physical')])
const OrderState = Type.Union(['pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded'].map((s) => Type.Literal(s)))
const TxState = Type.Union(['pending', 'succeeded', 'failed', 'cancelled', 'refunded'].map((s) => Type.Literal(s)))
const Time = Type.String({ format: 'date-time' })

export const ProductCreateBody = Type.Object({
  title: LocalizedText,
  description: Type.Optional(LocalizedText),
  price: Money,
  kind: Kind,
  stock: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 2_147_483_647 })])),
  payload: Type.Optional(Type.String({ maxLength: 4000 })),
  active: Type.Optional(Type.Boolean()),
  refundable: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export const Product = Type.Object({
  id: Type.String(),
  title: LocalizedText,
  description: Type.Optional(LocalizedText),
  price: Money,
  kind: Kind,
  stock: Type.Union([Type.Null(), Type.Integer()]),
  payload: Type.Optional(Type.String()),
  active: Type.Boolean(),
  refundable: Type.Boolean(),
  createdAt: Time
})

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
})

/** DESIGN.md `list`. */
export function List<T extends Parameters<typeof Type.Array>[0]> (item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.Null(), Type.String()]) })
}

export const OrderCreateBody = Type.Object({
  customer: Type.Object({ telegramId: Type.Integer({ minimum: 1, maximum: MAX_AMOUNT }) }, { additionalProperties: false }),
  items: Type.Array(Type.Object({
    productId: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 })
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 })
}, { additionalProperties: false })

export const OrderParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) })

export const CancelBody = Type.Union([Type.Null(), Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })])

export const Order = Type.Object({
  id: Type.String(),
  state: OrderState,
  customer: Type.Object({ telegramId: Type.Integer() }),
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer(), price: Money })),
  total: Money,
  refunded: Money,
  flags: Type.Array(Type.String()),
  payUrls: Type.Object({
    payme: Type.Optional(Type.String()),
    click: Type.Optional(Type.String()),
    stripe: Type.Optional(Type.String()),
    stars: Type.Optional(Type.String())
  }),
  transactions: Type.Array(Type.Object({
    provider: Type.String(), id: Type.String(), providerId: Type.String(), state: TxState, amount: Money, createdAt: Time
  })),
  history: Type.Array(Type.Object({ from: Type.Union([Type.Null(), OrderState]), to: OrderState, at: Time, reason: Type.Union([Type.Null(), Type.String()]) })),
  expiresAt: Time,
  createdAt: Time
})

/** `/customers/:telegramId/…`: a Telegram user id, a positive integer in decimal. */
export const CustomerParams = Type.Object({ telegramId: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) })

/** One action of a customer's activity log (newest first in the list). */
export const ActivityEntry = Type.Object({
  at: Time,
  action: Type.String(),
  details: Type.Optional(Type.Object({}, { additionalProperties: true }))
})

/** `POST /api/v1/orders/:id/refund`: minor units (default: all that is left). */
export const RefundBody = Type.Union([Type.Null(), Type.Object({
  amount: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AMOUNT })),
  reason: Type.Optional(Type.String({ maxLength: 500 }))
}, { additionalProperties: false })])

/** `POST /api/v1/orders/:id/stripe/payment-intent`. */
export const PaymentIntentBody = Type.Union([Type.Null(), Type.Object({
  paymentMethod: Type.Optional(Type.String({ pattern: '^pm_[A-Za-z0-9_]{1,200}$' }))
}, { additionalProperties: false })])

/** The PaymentIntent as the payment-intent routes answer it (DESIGN.md). */
export const PaymentIntent = Type.Object({
  id: Type.String(),
  status: Type.String(),
  clientSecret: Type.Union([Type.Null(), Type.String()]),
  nextAction: Type.Optional(Type.Object({ type: Type.String(), url: Type.String() })),
  error: Type.Optional(Type.Object({ code: Type.String(), declineCode: Type.Union([Type.Null(), Type.String()]), message: Type.String() }))
})

/** DESIGN.md `problem` (application/problem+json). */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() })))
})

/** Problem responses every admin route can give. */
export const ADMIN_PROBLEMS = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem, 500: Problem, 503: Problem } as const

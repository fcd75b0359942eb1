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

/** A prefixed id (`prd_…`, `cat_…`, `tok_…`). */
const PrefixedId = (prefix: string) => Type.String({ pattern: `^${prefix}_[A-Za-z0-9_]{1,64}$` })
const ProductId = PrefixedId('prd')
const CategoryId = PrefixedId('cat')
/** A picture of a product: an http(s) URL or a Telegram file id. */
const Image = Type.String({ minLength: 1, maxLength: 1000, pattern: '^(https?://\\S+|[A-Za-z0-9_-]{10,255})$' })
const Stock = Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 2_147_483_647 })])
/** Uzbek fiscal data for Payme's receipt: the IKPU/MXIK code (17 digits), its package code and the VAT percent (decision 0023). */
const Fiscal = Type.Object({
  code: Type.String({ pattern: '^[0-9]{17}$', description: 'IKPU/MXIK classifier code, 17 digits' }),
  packageCode: Type.String({ pattern: '^[0-9]{1,20}$', description: 'package code from the IKPU catalogue' }),
  vatPercent: Type.Integer({ minimum: 0, maximum: 100 })
}, { additionalProperties: false })

export const ProductCreateBody = Type.Object({
  title: LocalizedText,
  description: Type.Optional(LocalizedText),
  price: Money,
  kind: Kind,
  stock: Type.Optional(Stock),
  payload: Type.Optional(Type.String({ maxLength: 4000 })),
  active: Type.Optional(Type.Boolean()),
  refundable: Type.Optional(Type.Boolean()),
  fiscal: Type.Optional(Fiscal),
  categoryId: Type.Optional(Type.Union([Type.Null(), CategoryId])),
  images: Type.Optional(Type.Array(Image, { maxItems: 10 }))
}, { additionalProperties: false })

/** `PATCH /api/v1/products/:id`: any of the product's fields; `null` clears an optional one. */
export const ProductPatchBody = Type.Object({
  title: Type.Optional(LocalizedText),
  description: Type.Optional(Type.Union([Type.Null(), LocalizedText])),
  price: Type.Optional(Money),
  kind: Type.Optional(Kind),
  stock: Type.Optional(Stock),
  payload: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 4000 })])),
  active: Type.Optional(Type.Boolean()),
  refundable: Type.Optional(Type.Boolean()),
  fiscal: Type.Optional(Type.Union([Type.Null(), Fiscal])),
  categoryId: Type.Optional(Type.Union([Type.Null(), CategoryId])),
  images: Type.Optional(Type.Array(Image, { maxItems: 10 }))
}, { additionalProperties: false, minProperties: 1 })

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
  fiscal: Type.Optional(Fiscal),
  categoryId: Type.Union([Type.Null(), Type.String()]),
  images: Type.Array(Type.String()),
  createdAt: Time
})

export const ProductParams = Type.Object({ id: ProductId }, { additionalProperties: false })

export const CategoryParams = Type.Object({ id: CategoryId }, { additionalProperties: false })

/** DESIGN.md `category`. */
export const Category = Type.Object({
  id: Type.String(),
  title: LocalizedText,
  parentId: Type.Union([Type.Null(), Type.String()]),
  position: Type.Integer(),
  createdAt: Time
})

const Position = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })

export const CategoryCreateBody = Type.Object({
  title: LocalizedText,
  parentId: Type.Optional(Type.Union([Type.Null(), CategoryId])),
  position: Type.Optional(Position)
}, { additionalProperties: false })

export const CategoryPatchBody = Type.Object({
  title: Type.Optional(LocalizedText),
  parentId: Type.Optional(Type.Union([Type.Null(), CategoryId])),
  position: Type.Optional(Position)
}, { additionalProperties: false, minProperties: 1 })

/** `?limit` (1–200, default 50) and `?cursor` (the opaque `nextCursor` of the previous page). */
export const LIST_QUERY_FIELDS = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$', description: 'the nextCursor of the previous page' }))
}

export const ListQuery = Type.Object(LIST_QUERY_FIELDS, { additionalProperties: false })

/** `GET /api/v1/products?category&active&q`: `category=none` lists products without one. */
export const ProductQuery = Type.Object({
  ...LIST_QUERY_FIELDS,
  category: Type.Optional(Type.Union([CategoryId, Type.Literal('none')])),
  active: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 }))
}, { additionalProperties: false })

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

export const OrderParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) }, { additionalProperties: false })

/** Filters of `GET /api/v1/orders` and its export. */
export const ORDER_FILTER_FIELDS = {
  state: Type.Optional(OrderState),
  provider: Type.Optional(Type.Union(['payme', 'click', 'stripe', 'stars'].map((p) => Type.Literal(p)))),
  customer: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: 'the customer\'s Telegram id' })),
  flag: Type.Optional(Type.Literal('needs_attention')),
  from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'placed at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'placed before' }))
}

export const OrderQuery = Type.Object({ ...LIST_QUERY_FIELDS, ...ORDER_FILTER_FIELDS }, { additionalProperties: false })
export const OrderExportQuery = Type.Object(ORDER_FILTER_FIELDS, { additionalProperties: false })

/** `POST /api/v1/orders/:id/fulfil` and `/resolve`. */
export const NoteBody = Type.Union([Type.Null(), Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false })])

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
  createdAt: Time,
  delivery: Type.Optional(Type.Object({
    phone: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    address: Type.Optional(Type.String())
  }, { description: 'where a physical order goes: the phone and address given at checkout' }))
})

/** `/customers/:telegramId/…`: a Telegram user id, a positive integer in decimal. */
export const CustomerParams = Type.Object({ telegramId: Type.String({ pattern: '^[1-9][0-9]{0,15}$' }) }, { additionalProperties: false })

const LanguageCode = Type.Union([Type.Literal('en'), Type.Literal('ru'), Type.Literal('uz')])

/** DESIGN.md `customer`. */
export const Customer = Type.Object({
  telegramId: Type.Integer(),
  name: Type.String(),
  username: Type.Optional(Type.String()),
  language: LanguageCode,
  blocked: Type.Boolean({ description: 'blocked by the merchant: the bot refuses them politely' }),
  botBlocked: Type.Boolean({ description: 'the customer blocked the bot' }),
  source: Type.Optional(Type.String()),
  firstSeen: Time,
  lastSeen: Time,
  orders: Type.Integer(),
  spent: Type.Array(Money)
})

export const CustomerQuery = Type.Object({
  ...LIST_QUERY_FIELDS,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'words in the name or username, or the Telegram id' })),
  language: Type.Optional(LanguageCode),
  blocked: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export const MessageBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false })

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

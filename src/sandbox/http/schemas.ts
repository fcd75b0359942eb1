/**
 * TypeBox schemas of the sandbox routes (DESIGN.md "The sandbox (contract)"). Text fields refuse
 * NUL and lone surrogates (the pattern runs with the `u` flag, so a surrogate pair is one code
 * point and passes).
 */
import { Type } from 'typebox'

/** A text without NUL or lone surrogates. */
export const SafeText = (options: { minLength?: number, maxLength: number }): ReturnType<typeof Type.String> =>
  Type.String({ ...options, pattern: '^[^\\u0000\\uD800-\\uDFFF]*$' })

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() })))
})

export const UserIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }, { additionalProperties: false })

export const User = Type.Object({
  id: Type.Integer(),
  firstName: Type.String(),
  languageCode: Type.String(),
  blocked: Type.Boolean()
})

export const UserList = Type.Object({ items: Type.Array(User) })

export const NewUserBody = Type.Object({
  firstName: Type.Optional(SafeText({ minLength: 1, maxLength: 64 })),
  languageCode: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[A-Za-z]{2,4})?$', maxLength: 10 }))
}, { additionalProperties: false })

export const MessageBody = Type.Union([
  Type.Object({ text: SafeText({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }),
  Type.Object({ contact: Type.Literal(true) }, { additionalProperties: false })
])

export const MessageAccepted = Type.Object({ messageId: Type.Integer() })

export const CallbackBody = Type.Object({
  messageId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  data: SafeText({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false })

export const InvoiceParams = Type.Object({
  id: Type.String({ pattern: '^[0-9]{1,15}$' }),
  messageId: Type.String({ pattern: '^[0-9]{1,10}$' })
}, { additionalProperties: false })

export const InvoicePayBody = Type.Object({ outcome: Type.Union([Type.Literal('pay'), Type.Literal('cancel')]) }, { additionalProperties: false })

export const InvoicePayResult = Type.Object({
  outcome: Type.Union([Type.Literal('paid'), Type.Literal('declined'), Type.Literal('timeout'), Type.Literal('cancel')]),
  errorMessage: Type.Optional(Type.String())
})

export const AfterQuery = Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) }, { additionalProperties: false })

export const Entry = Type.Object({
  seq: Type.Integer(),
  change: Type.Union([Type.Literal('new'), Type.Literal('edit'), Type.Literal('delete')]),
  messageId: Type.Integer(),
  from: Type.Union([Type.Literal('bot'), Type.Literal('user')]),
  html: Type.String(),
  replyMarkup: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  photo: Type.Optional(Type.String()),
  invoice: Type.Optional(Type.Object({ title: Type.String(), total: Type.Object({ amount: Type.Integer(), currency: Type.String() }) })),
  at: Type.String()
})

export const EntryList = Type.Object({ items: Type.Array(Entry), last: Type.Integer() })

export const ClockBody = Type.Object({ advanceS: Type.Integer({ minimum: 1, maximum: 31_536_000 }) }, { additionalProperties: false })

export const ClockState = Type.Object({ now: Type.String(), offsetS: Type.Integer() })

export const ProviderParams = Type.Object({ provider: Type.Union([Type.Literal('payme'), Type.Literal('click'), Type.Literal('stripe')]) }, { additionalProperties: false })

export const Outcome = Type.Union([Type.Literal('pay'), Type.Literal('decline'), Type.Literal('cancel')])

export const PayBody = Type.Object({ url: SafeText({ minLength: 1, maxLength: 2048 }), outcome: Outcome }, { additionalProperties: false })

export const RefundBody = Type.Object({ orderId: Type.String({ pattern: '^[0-9]{1,18}$' }) }, { additionalProperties: false })

export const OrderState = Type.Object({ id: Type.String(), state: Type.String() })

export const PayResult = Type.Object({
  outcome: Type.String(),
  order: OrderState,
  /** Set when the provider refused the payment (an expired order, a wrong amount). */
  error: Type.Optional(Type.Object({ code: Type.Union([Type.Integer(), Type.String()]), message: Type.String() }))
})

export const PageQuery = Type.Record(Type.String(), Type.String())

/**
 * TypeBox schemas of the broadcasts routes (DESIGN.md "Broadcasts"). The broadcast object keeps
 * DESIGN.md's fields; `text`, `photo`, `button`, `sendAt` and `counts.skipped` are added.
 */
import { Type } from 'typebox'

const Time = Type.String({ format: 'date-time' })
const ProductId = Type.String({ pattern: '^prd_[A-Za-z0-9_]{1,64}$' })
/** An http(s) URL or a Telegram file_id. */
const PhotoRef = Type.String({ minLength: 1, maxLength: 1000, pattern: '^(https?://\\S+|[A-Za-z0-9_-]{10,255})$' })
const ButtonText = Type.String({ minLength: 1, maxLength: 64 })

export const BroadcastButton = Type.Union([
  Type.Object({ text: ButtonText, url: Type.String({ maxLength: 2000, pattern: '^(https?|tg)://\\S+$' }) }, { additionalProperties: false }),
  Type.Object({ text: ButtonText, productId: ProductId }, { additionalProperties: false })
])

export const Audience = Type.Object({
  language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ru'), Type.Literal('uz')])),
  boughtProduct: Type.Optional(ProductId),
  activeWithinDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  source: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,62}$', description: 'the referral code of /start r_<code>' }))
}, { additionalProperties: false })

const BODY_FIELDS = {
  text: Type.String({ minLength: 1, maxLength: 10_000, description: 'Telegram HTML; at most 4096 characters shown (1024 under a photo)' }),
  photo: Type.Optional(Type.Union([PhotoRef, Type.Object({ productId: ProductId }, { additionalProperties: false })], { description: 'a URL, a Telegram file_id, or a product (its first image)' })),
  button: Type.Optional(BroadcastButton),
  audience: Audience,
  sendAt: Type.Optional(Time)
}

export const BroadcastCreateBody = Type.Object(BODY_FIELDS, { additionalProperties: false })

export const BroadcastPreviewBody = Type.Object({
  ...BODY_FIELDS,
  testTo: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a Telegram user id that gets one copy' }))
}, { additionalProperties: false })

export const BroadcastPreview = Type.Object({ recipients: Type.Integer({ minimum: 0 }) })

export const BroadcastParams = Type.Object({ id: Type.String({ pattern: '^brd_[A-Za-z0-9_]{1,64}$' }) }, { additionalProperties: false })

export const Broadcast = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('scheduled'), Type.Literal('sending'), Type.Literal('paused'), Type.Literal('done'), Type.Literal('cancelled')]),
  text: Type.String(),
  photo: Type.Optional(Type.String()),
  button: Type.Optional(BroadcastButton),
  audience: Audience,
  sendAt: Type.Optional(Time),
  counts: Type.Object({
    total: Type.Integer(),
    sent: Type.Integer(),
    failed: Type.Integer(),
    blocked: Type.Integer(),
    remaining: Type.Integer(),
    skipped: Type.Integer({ description: 'opted out or blocked after sending started' }),
    uncertain: Type.Integer({ description: 'Telegram never answered the copy (a worker stopped while it was sent, or the connection was lost or timed out after the request): it may have been delivered, and is not sent again' })
  }),
  createdAt: Time,
  startedAt: Type.Optional(Time),
  finishedAt: Type.Optional(Time)
})

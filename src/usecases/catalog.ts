/**
 * Catalog use cases of the admin API: create a product, list products page by page.
 */
import type { ProductKind } from '../domain/orders/order.js'
import { createId, type IdGenerator } from '../domain/shared/ids.js'
import { validationError, type FieldError } from '../domain/shared/errors.js'
import { isKnownCurrency, isSafeAmount, money } from '../domain/shared/money.js'
import type { LocalizedText, Product, ShopStore } from './ports.js'

export const DEFAULT_PAGE_LIMIT = 50
export const MAX_PAGE_LIMIT = 200

export interface NewProductInput {
  title: LocalizedText
  description?: LocalizedText
  price: { amount: number, currency: string }
  kind: ProductKind
  stock?: number | null
  payload?: string
  active?: boolean
  refundable?: boolean
}

/**
 * Creates a product. Money is integer minor units; the currency must be a known ISO 4217 code
 * (or XTR). Throws `ERR_VALIDATION` listing every bad field.
 *
 * @example
 * const product = await createProduct({ store, clock }, { title: { en: 'E-book' }, price: { amount: 1_500_000, currency: 'UZS' }, kind: 'digital', payload: 'https://…' })
 */
export async function createProduct (deps: { store: ShopStore, now: number, ids?: IdGenerator }, input: NewProductInput): Promise<Product> {
  const errors: FieldError[] = []
  if (!isSafeAmount(input.price.amount) || input.price.amount < 0) errors.push({ field: 'price.amount', message: 'must be a non-negative integer of minor units' })
  if (!isKnownCurrency(input.price.currency)) errors.push({ field: 'price.currency', message: 'must be a known ISO 4217 currency code or XTR' })
  if (input.stock != null && (!Number.isSafeInteger(input.stock) || input.stock < 0)) errors.push({ field: 'stock', message: 'must be null or a non-negative integer' })
  if (input.title.en.trim() === '') errors.push({ field: 'title.en', message: 'must not be empty' })
  // Telegram Stars pay for digital goods and services only (specs/telegram.md checklist 33)
  if (input.kind === 'physical' && input.price.currency === 'XTR') errors.push({ field: 'price.currency', message: 'physical goods cannot be priced in Telegram Stars (XTR)' })
  if (errors.length > 0) throw validationError(errors)
  const product: Product = {
    id: deps.ids?.next('prd') ?? createId('prd'),
    title: input.title,
    ...(input.description !== undefined ? { description: input.description } : {}),
    price: money(input.price.amount, input.price.currency),
    kind: input.kind,
    stock: input.stock ?? null,
    ...(input.payload !== undefined ? { payload: input.payload } : {}),
    active: input.active ?? true,
    refundable: input.refundable ?? true,
    createdAt: deps.now
  }
  await deps.store.insertProduct(product)
  return product
}

/** A page of a list (DESIGN.md `list`). */
export interface Page<T> { items: T[], nextCursor: string | null }

/**
 * Lists products oldest first. `limit` defaults to 50 (max 200); `cursor` is the opaque
 * `nextCursor` of the previous page. A malformed cursor is `ERR_VALIDATION`.
 */
export async function listProducts (deps: { store: ShopStore }, input: { limit?: number, cursor?: string }): Promise<Page<Product>> {
  const limit = input.limit ?? DEFAULT_PAGE_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw validationError([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` }])
  const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined
  const rows = await deps.store.listProducts({ limit: limit + 1, ...(after !== undefined ? { after } : {}) })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
}

/** Opaque cursor of a (createdAt, id) position. */
export function encodeCursor (position: { createdAt: number, id: string }): string {
  return globalThis.btoa(`${position.createdAt}|${position.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function decodeCursor (cursor: string): { createdAt: number, id: string } {
  try {
    const text = globalThis.atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
    const [at, id] = text.split('|')
    const createdAt = Number(at)
    if (id !== undefined && id !== '' && Number.isSafeInteger(createdAt)) return { createdAt, id }
  } catch {}
  throw validationError([{ field: 'cursor', message: 'is not a cursor this API gave out' }])
}

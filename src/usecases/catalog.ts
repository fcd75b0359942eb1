/**
 * Catalog use cases of the admin API: create, read, list (with filters and search), change and
 * delete products. Every change invalidates exactly the cache tags it touches
 * (src/usecases/catalog-reads.ts, decision 0021): a renamed product shows renamed in the bot at once.
 */
import type { ProductKind } from '../domain/orders/order.js'
import { createId, type IdGenerator } from '../domain/shared/ids.js'
import { DomainError, validationError, type FieldError } from '../domain/shared/errors.js'
import { isKnownCurrency, isSafeAmount, money } from '../domain/shared/money.js'
import type { LocalizedText, Product, ProductFiscal, ShopStore } from './ports.js'
import type { CatalogAdminStore, ProductFilter, ProductPatch } from './ports-catalog.js'
import { newProductTags, productChangeTags } from './catalog-reads.js'
import { ownPhotoId } from './product-photos.js'

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
  fiscal?: ProductFiscal
  categoryId?: string | null
  images?: string[]
}

/** What the product use cases need: the store, the time, and the cache's invalidation. */
export interface ProductDeps {
  store: CatalogAdminStore
  now: number
  /** Drops cached entries by tag (the shared cache); absent: nothing is cached. */
  invalidate?: (tags: readonly string[]) => Promise<void>
}

/** The field problems of a product's fields (after a patch is applied, for a change). */
function productErrors (input: { title: LocalizedText, price: { amount: number, currency: string }, kind: ProductKind, stock?: number | null }): FieldError[] {
  const errors: FieldError[] = []
  if (!isSafeAmount(input.price.amount) || input.price.amount < 0) errors.push({ field: 'price.amount', message: 'must be a non-negative integer of minor units' })
  if (!isKnownCurrency(input.price.currency)) errors.push({ field: 'price.currency', message: 'must be a known ISO 4217 currency code or XTR' })
  if (input.stock != null && (!Number.isSafeInteger(input.stock) || input.stock < 0)) errors.push({ field: 'stock', message: 'must be null or a non-negative integer' })
  if (input.title.en.trim() === '') errors.push({ field: 'title.en', message: 'must not be empty' })
  // Telegram Stars pay for digital goods and services only (specs/telegram.md checklist 33)
  if (input.kind === 'physical' && input.price.currency === 'XTR') errors.push({ field: 'price.currency', message: 'physical goods cannot be priced in Telegram Stars (XTR)' })
  return errors
}

async function checkCategory (store: CatalogAdminStore | undefined, categoryId: string | null | undefined, errors: FieldError[]): Promise<void> {
  if (categoryId === undefined || categoryId === null || store === undefined) return
  if (await store.category(categoryId) === undefined) errors.push({ field: 'categoryId', message: `no category ${categoryId}` })
}

/**
 * Creates a product. Money is integer minor units; the currency must be a known ISO 4217 code
 * (or XTR). Throws `ERR_VALIDATION` listing every bad field.
 *
 * @example
 * const product = await createProduct({ store, clock }, { title: { en: 'E-book' }, price: { amount: 1_500_000, currency: 'UZS' }, kind: 'digital', payload: 'https://…' })
 */
export async function createProduct (deps: { store: ShopStore, now: number, ids?: IdGenerator, catalog?: CatalogAdminStore, invalidate?: ProductDeps['invalidate'] }, input: NewProductInput): Promise<Product> {
  const errors = productErrors(input)
  await checkCategory(deps.catalog, input.categoryId, errors)
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
    ...(input.fiscal !== undefined ? { fiscal: input.fiscal } : {}),
    categoryId: input.categoryId ?? null,
    images: input.images ?? [],
    createdAt: deps.now
  }
  await deps.store.insertProduct(product)
  await deps.invalidate?.(newProductTags(product.categoryId))
  return product
}

function productNotFound (id: string): DomainError {
  return new DomainError('ERR_PRODUCT_NOT_FOUND', `No product ${id}`, { productId: id })
}

export async function getProduct (deps: { store: CatalogAdminStore }, id: string): Promise<Product> {
  const product = await deps.store.product(id)
  if (product === undefined) throw productNotFound(id)
  return product
}

/**
 * Changes a product (a PATCH: only the fields given). The result must still be a valid product;
 * then exactly the cache tags the change touches are invalidated.
 *
 * @example
 * await updateProduct({ store, now, invalidate }, 'prd_…', { title: { en: 'Green tea' } })
 */
export async function updateProduct (deps: ProductDeps, id: string, patch: ProductPatch): Promise<Product> {
  const current = await getProduct(deps, id)
  const merged = {
    title: patch.title ?? current.title,
    price: patch.price ?? current.price,
    kind: patch.kind ?? current.kind,
    stock: patch.stock !== undefined ? patch.stock : current.stock
  }
  const errors = productErrors(merged)
  await checkCategory(deps.store, patch.categoryId, errors)
  // a kept photo is added by uploading it; a PATCH may keep or drop the product's own, not name others
  const own = new Set(current.images.map(ownPhotoId))
  patch.images?.forEach((image, i) => {
    const photo = ownPhotoId(image)
    if (photo !== undefined && !own.has(photo)) errors.push({ field: `images[${i}]`, message: 'is not a photo of this product (upload one with POST /api/v1/products/:id/photos)' })
  })
  if (errors.length > 0) throw validationError(errors)
  const kept = patch.images?.map(ownPhotoId).filter((photo): photo is string => photo !== undefined)
  const changed = await deps.store.updateProduct(id, patch, deps.now, kept)
  if (changed === undefined) throw productNotFound(id)
  await deps.invalidate?.(productChangeTags(changed.before, changed.after))
  return changed.after
}

/**
 * Deletes a product; one that orders reference is deactivated instead (`deleted: false`, the
 * product as it is now), so the orders keep what they sold.
 */
export async function deleteProduct (deps: ProductDeps, id: string): Promise<{ deleted: true } | { deleted: false, product: Product }> {
  const result = await deps.store.deleteProduct(id, deps.now)
  if (result.outcome === 'missing') throw productNotFound(id)
  await deps.invalidate?.(productChangeTags(result.before, result.outcome === 'deactivated' ? result.after : undefined))
  return result.outcome === 'deleted' ? { deleted: true } : { deleted: false, product: result.after }
}

/** A page of a list (DESIGN.md `list`). */
export interface Page<T> { items: T[], nextCursor: string | null }

/**
 * Lists products oldest first, filtered by category (`null`: none), `active` and words in a
 * title. `limit` defaults to 50 (max 200); `cursor` is the opaque `nextCursor` of the previous
 * page. A malformed cursor is `ERR_VALIDATION`.
 */
export async function listProducts (deps: { store: CatalogAdminStore }, input: { limit?: number, cursor?: string, filter?: ProductFilter }): Promise<Page<Product>> {
  const limit = input.limit ?? DEFAULT_PAGE_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw validationError([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` }])
  const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined
  const rows = await deps.store.products({ limit: limit + 1, filter: input.filter ?? {}, ...(after !== undefined ? { after } : {}) })
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

/**
 * Ports of the admin API's catalog management (categories, product changes) and of the audit
 * trail of admin changes. Implemented over PostgreSQL/PGlite in
 * src/adapters/postgres/catalog-admin-store.ts and admin-audit.ts.
 */
import type { LocalizedText, Product, ProductFiscal } from './ports.js'

/** DESIGN.md `category`. */
export interface Category {
  id: string
  title: LocalizedText
  parentId: string | null
  position: number
  createdAt: number
}

/** A position in a list ordered by (createdAt, id): the cursor's content. */
export interface ListPosition { createdAt: number, id: string }

/** The fields of a product a PATCH may change (undefined: unchanged). */
export interface ProductPatch {
  title?: LocalizedText
  description?: LocalizedText | null
  price?: { amount: number, currency: string }
  kind?: Product['kind']
  stock?: number | null
  payload?: string | null
  active?: boolean
  refundable?: boolean
  /** null clears it. */
  fiscal?: ProductFiscal | null
  categoryId?: string | null
  images?: string[]
}

export interface ProductFilter {
  /** A category id, or null for products without one. */
  categoryId?: string | null
  active?: boolean
  /** Words in a title (any language), case-insensitive. */
  q?: string
}

export interface CatalogAdminStore {
  categories(input: { limit: number, after?: ListPosition }): Promise<Category[]>
  category(id: string): Promise<Category | undefined>
  insertCategory(category: Category): Promise<void>
  updateCategory(id: string, patch: Partial<Pick<Category, 'title' | 'parentId' | 'position'>>, now: number): Promise<Category | undefined>
  /** Deletes a category with nothing in it; otherwise says what is in it. */
  deleteCategory(id: string): Promise<'deleted' | 'missing' | 'has-products' | 'has-children'>
  product(id: string): Promise<Product | undefined>
  products(input: { limit: number, after?: ListPosition, filter: ProductFilter }): Promise<Product[]>
  /**
   * Applies `patch`, returning the product before and after; undefined when there is none. When
   * `keptPhotoIds` is given (a merchant's PATCH of `images`), the product's kept photos not among
   * them are deleted in the same transaction (a photo no image names any more is not kept).
   */
  updateProduct(id: string, patch: ProductPatch, now: number, keptPhotoIds?: readonly string[]): Promise<{ before: Product, after: Product } | undefined>
  /** Deletes a product no order references; a referenced one is deactivated instead. */
  deleteProduct(id: string, now: number): Promise<{ outcome: 'deleted', before: Product } | { outcome: 'deactivated', before: Product, after: Product } | { outcome: 'missing' }>
}

/** One change made through the admin API (issue 15 point 5). */
export interface AuditEntry {
  at: number
  /** Who: a token id (`env` for ADMIN_TOKEN). */
  actor: string
  method: string
  /** The route's pattern, e.g. `/api/v1/products/:id`. */
  route: string
  targetType: 'product' | 'category' | 'order' | 'customer' | 'token' | 'settings' | 'broadcast'
  targetId: string
  /** What was done, e.g. `product.updated`. */
  action: string
  /** The fields sent (never a secret). */
  summary: Record<string, unknown>
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>
  /** A target's entries, newest first, after `before` (an entry's sequence number). */
  list(target: { type: AuditEntry['targetType'], id: string }, input: { limit: number, before?: number }): Promise<Array<AuditEntry & { seq: number }>>
}

/**
 * Categories of the admin API (`/api/v1/categories`): sections the bot's catalog shows. A
 * category may sit in another (`parentId`), never in itself or in one of its own descendants; a
 * category that still has products or sections in it cannot be deleted (409
 * `ERR_CATEGORY_NOT_EMPTY`). Every change invalidates exactly the cache tags it touches.
 *
 * @example
 * const books = await createCategory(deps, { title: { en: 'Books' } })
 * await updateCategory(deps, books.id, { position: 2 })
 */
import { DomainError, validationError } from '../domain/shared/errors.js'
import { createId, type IdGenerator } from '../domain/shared/ids.js'
import { categoryChangeTags } from './catalog-reads.js'
import type { CatalogAdminStore, Category } from './ports-catalog.js'
import type { LocalizedText } from './ports.js'
import { decodeCursor, encodeCursor, type Page } from './catalog.js'

export interface CategoryDeps {
  store: CatalogAdminStore
  now: number
  /** Drops cached entries by tag (the shared cache); absent: nothing is cached. */
  invalidate?: (tags: readonly string[]) => Promise<void>
  ids?: IdGenerator
}

export interface CategoryInput { title: LocalizedText, parentId?: string | null, position?: number }

function notFound (id: string): DomainError {
  return new DomainError('ERR_CATEGORY_NOT_FOUND', `No category ${id}`, { categoryId: id })
}

/** Refuses a parent that does not exist, or one that would make a cycle. */
async function checkParent (store: CatalogAdminStore, id: string | undefined, parentId: string | null | undefined): Promise<void> {
  if (parentId === undefined || parentId === null) return
  const seen = new Set<string>()
  let current: string | null = parentId
  while (current !== null) {
    if (current === id) throw validationError([{ field: 'parentId', message: 'would put the category inside itself' }])
    if (seen.has(current)) break
    seen.add(current)
    const parent = await store.category(current)
    if (parent === undefined) throw validationError([{ field: 'parentId', message: `no category ${current}` }])
    current = parent.parentId
  }
}

function checkTitle (title: LocalizedText | undefined): void {
  if (title !== undefined && title.en.trim() === '') throw validationError([{ field: 'title.en', message: 'must not be empty' }])
}

export async function createCategory (deps: CategoryDeps, input: CategoryInput): Promise<Category> {
  checkTitle(input.title)
  await checkParent(deps.store, undefined, input.parentId)
  const category: Category = { id: deps.ids?.next('cat') ?? createId('cat'), title: input.title, parentId: input.parentId ?? null, position: input.position ?? 0, createdAt: deps.now }
  await deps.store.insertCategory(category)
  await deps.invalidate?.(categoryChangeTags(category.id))
  return category
}

export async function getCategory (deps: Pick<CategoryDeps, 'store'>, id: string): Promise<Category> {
  return await deps.store.category(id) ?? (() => { throw notFound(id) })()
}

/** Categories by creation, page by page (`limit` 1–200, the opaque cursor of the previous page). */
export async function listCategories (deps: Pick<CategoryDeps, 'store'>, input: { limit?: number, cursor?: string }): Promise<Page<Category>> {
  const limit = input.limit ?? 50
  const after = input.cursor !== undefined ? decodeCursor(input.cursor) : undefined
  const rows = await deps.store.categories({ limit: limit + 1, ...(after !== undefined ? { after } : {}) })
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null }
}

export async function updateCategory (deps: CategoryDeps, id: string, patch: Partial<CategoryInput>): Promise<Category> {
  checkTitle(patch.title)
  if (await deps.store.category(id) === undefined) throw notFound(id)
  await checkParent(deps.store, id, patch.parentId)
  const updated = await deps.store.updateCategory(id, {
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.parentId !== undefined ? { parentId: patch.parentId } : {}),
    ...(patch.position !== undefined ? { position: patch.position } : {})
  }, deps.now)
  if (updated === undefined) throw notFound(id)
  await deps.invalidate?.(categoryChangeTags(id))
  return updated
}

export async function deleteCategory (deps: CategoryDeps, id: string): Promise<void> {
  const outcome = await deps.store.deleteCategory(id)
  if (outcome === 'missing') throw notFound(id)
  if (outcome !== 'deleted') {
    throw new DomainError('ERR_CATEGORY_NOT_EMPTY', `Category ${id} still has ${outcome === 'has-products' ? 'products' : 'sections'} in it; move or delete them first`, { categoryId: id, reason: outcome })
  }
  await deps.invalidate?.(categoryChangeTags(id))
}

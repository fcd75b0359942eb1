/**
 * The bot's catalog reads through the shared cache (specs/redis.md §2–3): the section list, the
 * pages of a section and the product cards.
 *
 * Tags: a card carries `product:<id>`, `category:<id>` (`category:none` without one) and
 * `catalog`; a page of a category carries that category's tag, `pages:category:<id>` and
 * `catalog`; the page of all
 * products carries `catalog:all` and `catalog`; the section list `catalog:sections` and
 * `catalog`. `catalog` is the tag of everything (a bulk change drops it); every change made
 * through the admin API invalidates exactly the tags of what it affects ({@link newProductTags},
 * {@link productChangeTags}, {@link categoryChangeTags}; decision 0021).
 *
 * Stock is never cached: orders move it all the time (reserve, release, consume, return), so a
 * card keeps only whether the product tracks stock and reads what is available live. A cached
 * card never shows a stale "in stock"; pages show no stock at all
 * (docs/decisions/0007-customer-activity-and-catalog-cache.md).
 *
 * @example
 * const catalog = createCatalogReads({ store: botStore, cache })
 * const card = await catalog.card('prd_…') // cached static part + live availability
 */
import type { BotStore, CatalogCategory, CatalogProduct } from './bot-ports.js'

/** The cache as the catalog reads need it (src/adapters/redis/cache.ts implements it). */
export interface TaggedCache {
  key (...segments: Array<string | number>): string
  get<T> (key: string): Promise<{ hit: true, value: T } | { hit: false }>
  getOrLoad<T> (key: string, loader: () => Promise<T>, options: { ttlMs: number, tags?: readonly string[] }): Promise<T>
  invalidateTag (tag: string): Promise<number>
}

/** A product as a catalog page lists it (no description, no stock). */
export type CatalogListItem = Pick<CatalogProduct, 'id' | 'title' | 'price' | 'kind' | 'categoryId'>

export interface CatalogReads {
  categories (): Promise<CatalogCategory[]>
  /** Active products of a section (`null`: without a category; `undefined`: all), oldest first. */
  page (input: { categoryId?: string | null, offset: number, limit: number }): Promise<{ items: CatalogListItem[], total: number }>
  /** The product card with live availability; undefined when the product is unknown or inactive. */
  card (productId: string): Promise<CatalogProduct | undefined>
}

/** The tag every catalog entry carries. */
export const CATALOG_TAG = 'catalog'
/** The tag of one product's entries. */
export const productTag = (productId: string): string => `product:${productId}`
/** The tag of a category's entries (`category:none` for products without one). */
export const categoryTag = (categoryId: string | null): string => `category:${categoryId ?? 'none'}`

/** The tag of a category's pages only (not its cards): a change of what a page lists drops them. */
export const categoryPagesTag = (categoryId: string | null): string => `pages:category:${categoryId ?? 'none'}`

/** The tag of the page of all products. */
export const ALL_PRODUCTS_TAG = 'catalog:all'
/** The tag of the section list. */
export const SECTIONS_TAG = 'catalog:sections'
/** The tag of the admin API's cached product list (it shows every field, stock included). */
export const ADMIN_PRODUCTS_TAG = 'admin:products'

/** Cache key segments of a product card (tests look entries up by them). */
export const cardKeySegments = (productId: string): string[] => ['bot', 'card', productId]

/** The tags a new product affects: the page of all products, its category's pages and the admin list. */
export function newProductTags (categoryId: string | null = null): string[] {
  return [ALL_PRODUCTS_TAG, categoryPagesTag(categoryId), ADMIN_PRODUCTS_TAG]
}

/** What a product change may touch, before and after. */
interface ProductShape {
  id: string
  title: unknown
  price: unknown
  kind: string
  active: boolean
  categoryId: string | null
}

/**
 * The tags a change of a product touches: always its card and the admin list; when what a page
 * lists changed (title, price, kind, active, category), the pages of its old and new category and
 * the page of all products too. Other products' cards stay cached.
 */
export function productChangeTags (before: ProductShape, after: ProductShape | undefined): string[] {
  const tags = new Set([productTag(before.id), ADMIN_PRODUCTS_TAG])
  const listed = after === undefined || JSON.stringify([before.title, before.price, before.kind, before.active, before.categoryId]) !==
    JSON.stringify([after.title, after.price, after.kind, after.active, after.categoryId])
  if (listed) {
    tags.add(ALL_PRODUCTS_TAG)
    tags.add(categoryPagesTag(before.categoryId))
    if (after !== undefined) tags.add(categoryPagesTag(after.categoryId))
  }
  return [...tags]
}

/** The tags a change of a category touches: the section list and its own pages (cards do not show it). */
export function categoryChangeTags (categoryId: string): string[] {
  return [SECTIONS_TAG, categoryPagesTag(categoryId)]
}

/** How long catalog entries live; invalidation, not the TTL, keeps them fresh. */
export const CATALOG_TTL_MS = 10 * 60_000

/** A card as cached: everything but the live stock. */
interface CachedCard extends Omit<CatalogProduct, 'available'> { tracksStock: boolean }

type CatalogStore = Pick<BotStore, 'categories' | 'products' | 'product' | 'availability'>

/** The product moved to another category while its card was being cached. */
class CategoryMoved extends Error {}

export function createCatalogReads (deps: { store: CatalogStore, cache?: TaggedCache, ttlMs?: number }): CatalogReads {
  const { store, cache } = deps
  const ttlMs = deps.ttlMs ?? CATALOG_TTL_MS
  const toItem = (p: CatalogProduct): CatalogListItem => ({ id: p.id, title: p.title, price: p.price, kind: p.kind, categoryId: p.categoryId })
  const toCached = (p: CatalogProduct | undefined): CachedCard | null => {
    if (p === undefined) return null
    const { available, ...rest } = p
    return { ...rest, tracksStock: available !== null }
  }
  const loadCard = async (productId: string): Promise<CachedCard | null> => {
    if (cache === undefined) return toCached(await store.product(productId))
    const key = cache.key(...cardKeySegments(productId))
    const cached = await cache.get<CachedCard | null>(key)
    if (cached.hit) return cached.value
    // The stale-write guard needs every tag before the loader runs, and the category tag comes
    // from the row: look it up, then load under the full tag set; a move in between is not cached.
    const probe = await store.product(productId)
    const tags = [productTag(productId), ...(probe !== undefined ? [categoryTag(probe.categoryId)] : []), CATALOG_TAG]
    try {
      return await cache.getOrLoad(key, async () => {
        const p = await store.product(productId)
        if (p?.categoryId !== probe?.categoryId || (p === undefined) !== (probe === undefined)) throw new CategoryMoved()
        return toCached(p)
      }, { ttlMs, tags })
    } catch (err) {
      if (!(err instanceof CategoryMoved)) throw err
      return toCached(await store.product(productId))
    }
  }
  return {
    async categories () {
      if (cache === undefined) return await store.categories()
      return await cache.getOrLoad(cache.key('bot', 'categories'), () => store.categories(), { ttlMs, tags: [SECTIONS_TAG, CATALOG_TAG] })
    },
    async page (input) {
      const load = async (): Promise<{ items: CatalogListItem[], total: number }> => {
        const { items, total } = await store.products(input)
        return { items: items.map(toItem), total }
      }
      if (cache === undefined) return await load()
      const section = input.categoryId === undefined ? 'all' : input.categoryId ?? 'none'
      const tags = input.categoryId === undefined ? [ALL_PRODUCTS_TAG, CATALOG_TAG] : [categoryTag(input.categoryId), categoryPagesTag(input.categoryId), CATALOG_TAG]
      return await cache.getOrLoad(cache.key('bot', 'page', section, input.offset, input.limit), load, { ttlMs, tags })
    },
    async card (productId) {
      const cached = await loadCard(productId)
      if (cached === null) return undefined
      const { tracksStock, ...card } = cached
      if (!tracksStock) return { ...card, available: null }
      const live = await store.availability(productId)
      if (live === undefined) return undefined
      return { ...card, available: live }
    }
  }
}

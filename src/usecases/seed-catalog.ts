/**
 * Adds a fixed catalog (the demo's: `bozor seed --demo`, and the sandbox's first start) through
 * the same cache rules as the admin API: the rows whose ids are not there yet are added, then the
 * cache tags of every list they join are dropped (the section list, the pages, the admin list), so a
 * running bot shows them at once.
 *
 * @example
 * const added = await seedCatalog({ store, cache }, { categories: DEMO_CATEGORIES, products: DEMO_PRODUCTS })
 */
import { categoryChangeTags, newProductTags, type TaggedCache } from './catalog-reads.js'

export interface CatalogSeed<C extends { id: string }, P extends { categoryId?: string | null }> {
  categories: readonly C[]
  products: readonly P[]
}

/** Adds the rows whose ids are missing; returns how many were new. */
export interface CatalogSeedStore<C extends { id: string }, P extends { categoryId?: string | null }> {
  addMissing(rows: CatalogSeed<C, P>): Promise<{ categories: number, products: number }>
}

export async function seedCatalog<C extends { id: string }, P extends { categoryId?: string | null }> (
  deps: { store: CatalogSeedStore<C, P>, cache: Pick<TaggedCache, 'invalidateTag'> },
  rows: CatalogSeed<C, P>
): Promise<{ categories: number, products: number }> {
  const added = await deps.store.addMissing(rows)
  if (added.categories + added.products === 0) return added
  // exactly what a new product and a new category touch (the section list, pages, the admin list); other cards stay cached
  const tags = new Set([...rows.products.flatMap((p) => newProductTags(p.categoryId ?? null)), ...rows.categories.flatMap((c) => categoryChangeTags(c.id))])
  for (const tag of tags) await deps.cache.invalidateTag(tag)
  return added
}

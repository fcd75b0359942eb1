/**
 * Catalog rows ↔ the use cases' {@link Product}.
 */
import { and, asc, eq, gt, inArray, or } from 'drizzle-orm'
import { money } from '../../domain/shared/money.js'
import type { LockedProduct, Product } from '../../usecases/ports.js'
import type { Db } from './database.js'
import { category, product } from './schema.js'

type ProductRow = typeof product.$inferSelect

export function toProduct (row: ProductRow): Product {
  return {
    id: row.id,
    title: row.title,
    ...(row.description !== null ? { description: row.description } : {}),
    price: money(row.priceAmount, row.currency),
    kind: row.kind,
    stock: row.stock,
    ...(row.payload !== null ? { payload: row.payload } : {}),
    active: row.active,
    refundable: row.refundable,
    ...(row.fiscalCode !== null && row.packageCode !== null && row.vatPercent !== null ? { fiscal: { code: row.fiscalCode, packageCode: row.packageCode, vatPercent: row.vatPercent } } : {}),
    categoryId: row.categoryId,
    images: row.images,
    createdAt: row.createdAt.getTime()
  }
}

export async function insertProduct (db: Db, p: Product): Promise<void> {
  await db.insert(product).values({
    id: p.id,
    title: p.title,
    description: p.description ?? null,
    priceAmount: p.price.amount,
    currency: p.price.currency,
    kind: p.kind,
    payload: p.payload ?? null,
    stock: p.stock,
    active: p.active,
    refundable: p.refundable,
    fiscalCode: p.fiscal?.code ?? null,
    packageCode: p.fiscal?.packageCode ?? null,
    vatPercent: p.fiscal?.vatPercent ?? null,
    categoryId: p.categoryId,
    images: p.images,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.createdAt)
  })
}

export async function listProductRows (db: Db, input: { limit: number, after?: { createdAt: number, id: string } }): Promise<Product[]> {
  const after = input.after
  const where = after === undefined
    ? undefined
    : or(gt(product.createdAt, new Date(after.createdAt)), and(eq(product.createdAt, new Date(after.createdAt)), gt(product.id, after.id)))
  const rows = await db.select().from(product).where(where).orderBy(asc(product.createdAt), asc(product.id)).limit(input.limit)
  return rows.map(toProduct)
}

/** Locks the products FOR UPDATE in id order (no deadlock between two checkouts). */
export async function lockProductRows (db: Db, ids: readonly string[]): Promise<LockedProduct[]> {
  if (ids.length === 0) return []
  const rows = await db.select().from(product).where(inArray(product.id, [...ids])).orderBy(asc(product.id)).for('update')
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    price: money(r.priceAmount, r.currency),
    kind: r.kind,
    stock: r.stock,
    reserved: r.reserved,
    active: r.active,
    refundable: r.refundable
  }))
}

/** The payload of each digital product among `ids` (what the bot delivers). */
export async function productPayloads (db: Db, ids: readonly string[]): Promise<Array<{ id: string, title: Product['title'], payload: string | null }>> {
  if (ids.length === 0) return []
  return await db.select({ id: product.id, title: product.title, payload: product.payload }).from(product).where(inArray(product.id, [...ids])).orderBy(asc(product.id))
}

/** Rows of a fixed catalog (the demo's) in the tables' own shape. */
export interface CatalogRows {
  categories: ReadonlyArray<typeof category.$inferInsert>
  products: ReadonlyArray<typeof product.$inferInsert>
}

/**
 * Inserts the categories and products whose ids are not there yet; returns how many were new.
 *
 * @example
 * await seedDemoCatalog({ addMissing: (rows) => addMissingCatalogRows(db, rows) })
 */
export async function addMissingCatalogRows (db: Db, rows: CatalogRows): Promise<{ categories: number, products: number }> {
  const categories = await db.insert(category).values([...rows.categories]).onConflictDoNothing().returning({ id: category.id })
  const products = await db.insert(product).values([...rows.products]).onConflictDoNothing().returning({ id: product.id })
  return { categories: categories.length, products: products.length }
}

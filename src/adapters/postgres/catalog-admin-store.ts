/**
 * The admin API's {@link CatalogAdminStore} over PostgreSQL/PGlite: categories, and product
 * reads, filters, changes and deletions.
 *
 * @example
 * const catalog = createCatalogAdminStore(database.db)
 * const page = await catalog.products({ limit: 51, filter: { active: true, q: 'tea' } })
 */
import { and, asc, eq, gt, ilike, isNull, notInArray, or, sql, type SQL } from 'drizzle-orm'
import type { CatalogAdminStore, Category, ListPosition } from '../../usecases/ports-catalog.js'
import type { Db } from './database.js'
import { toProduct } from './catalog-store.js'
import { category, orderItem, product, productPhoto } from './schema.js'

type CategoryRow = typeof category.$inferSelect

function toCategory (row: CategoryRow): Category {
  return { id: row.id, title: row.title, parentId: row.parentId, position: row.position, createdAt: row.createdAt.getTime() }
}

/** Rows after a (created_at, id) position. */
function after (table: typeof product | typeof category, position: ListPosition | undefined): SQL | undefined {
  if (position === undefined) return undefined
  const at = new Date(position.createdAt)
  return or(gt(table.createdAt, at), and(eq(table.createdAt, at), gt(table.id, position.id)))
}

/** `%word%` for ILIKE with the pattern characters escaped. */
function likePattern (text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export function createCatalogAdminStore (db: Db): CatalogAdminStore {
  return {
    async categories (input) {
      const rows = await db.select().from(category).where(after(category, input.after)).orderBy(asc(category.createdAt), asc(category.id)).limit(input.limit)
      return rows.map(toCategory)
    },
    async category (id) {
      const rows = await db.select().from(category).where(eq(category.id, id)).limit(1)
      return rows[0] === undefined ? undefined : toCategory(rows[0])
    },
    async insertCategory (c) {
      await db.insert(category).values({ id: c.id, title: c.title, parentId: c.parentId, position: c.position, createdAt: new Date(c.createdAt), updatedAt: new Date(c.createdAt) })
    },
    async updateCategory (id, patch, now) {
      const rows = await db.update(category).set({ ...patch, updatedAt: new Date(now) }).where(eq(category.id, id)).returning()
      return rows[0] === undefined ? undefined : toCategory(rows[0])
    },
    async deleteCategory (id) {
      return await db.transaction(async (tx) => {
        const rows = await tx.select({ id: category.id }).from(category).where(eq(category.id, id)).for('update')
        if (rows.length === 0) return 'missing'
        const products = await tx.select({ id: product.id }).from(product).where(eq(product.categoryId, id)).limit(1)
        if (products.length > 0) return 'has-products'
        const children = await tx.select({ id: category.id }).from(category).where(eq(category.parentId, id)).limit(1)
        if (children.length > 0) return 'has-children'
        await tx.delete(category).where(eq(category.id, id))
        return 'deleted'
      })
    },
    async product (id) {
      const rows = await db.select().from(product).where(eq(product.id, id)).limit(1)
      return rows[0] === undefined ? undefined : toProduct(rows[0])
    },
    async products (input) {
      const { filter } = input
      const conditions: Array<SQL | undefined> = [after(product, input.after)]
      if (filter.categoryId === null) conditions.push(isNull(product.categoryId))
      else if (filter.categoryId !== undefined) conditions.push(eq(product.categoryId, filter.categoryId))
      if (filter.active !== undefined) conditions.push(eq(product.active, filter.active))
      if (filter.q !== undefined && filter.q.trim() !== '') {
        const pattern = likePattern(filter.q.trim())
        conditions.push(or(
          ilike(sql`${product.title}->>'en'`, pattern), ilike(sql`${product.title}->>'ru'`, pattern), ilike(sql`${product.title}->>'uz'`, pattern)
        ))
      }
      const rows = await db.select().from(product).where(and(...conditions)).orderBy(asc(product.createdAt), asc(product.id)).limit(input.limit)
      return rows.map(toProduct)
    },
    async updateProduct (id, patch, now, keptPhotoIds) {
      return await db.transaction(async (tx) => {
        const rows = await tx.select().from(product).where(eq(product.id, id)).for('update')
        const row = rows[0]
        if (row === undefined) return undefined
        const set: Partial<typeof product.$inferInsert> = { updatedAt: new Date(now) }
        if (patch.title !== undefined) set.title = patch.title
        if (patch.description !== undefined) set.description = patch.description
        if (patch.price !== undefined) { set.priceAmount = patch.price.amount; set.currency = patch.price.currency }
        if (patch.kind !== undefined) set.kind = patch.kind
        if (patch.stock !== undefined) set.stock = patch.stock
        if (patch.payload !== undefined) set.payload = patch.payload
        if (patch.active !== undefined) set.active = patch.active
        if (patch.refundable !== undefined) set.refundable = patch.refundable
        if (patch.fiscal !== undefined) {
          set.fiscalCode = patch.fiscal?.code ?? null
          set.packageCode = patch.fiscal?.packageCode ?? null
          set.vatPercent = patch.fiscal?.vatPercent ?? null
        }
        if (patch.categoryId !== undefined) set.categoryId = patch.categoryId
        if (patch.images !== undefined) {
          set.images = patch.images
          if (keptPhotoIds !== undefined) {
            const dropped = keptPhotoIds.length === 0 ? undefined : notInArray(productPhoto.id, [...keptPhotoIds])
            await tx.delete(productPhoto).where(and(eq(productPhoto.productId, id), dropped))
          }
        }
        const [updated] = await tx.update(product).set(set).where(eq(product.id, id)).returning()
        return { before: toProduct(row), after: toProduct(updated!) }
      })
    },
    async deleteProduct (id, now) {
      return await db.transaction(async (tx) => {
        const rows = await tx.select().from(product).where(eq(product.id, id)).for('update')
        const row = rows[0]
        if (row === undefined) return { outcome: 'missing' as const }
        const referenced = await tx.select({ id: orderItem.orderId }).from(orderItem).where(eq(orderItem.productId, id)).limit(1)
        if (referenced.length === 0) {
          await tx.delete(product).where(eq(product.id, id))
          return { outcome: 'deleted' as const, before: toProduct(row) }
        }
        const [updated] = await tx.update(product).set({ active: false, updatedAt: new Date(now) }).where(eq(product.id, id)).returning()
        return { outcome: 'deactivated' as const, before: toProduct(row), after: toProduct(updated!) }
      })
    }
  }
}

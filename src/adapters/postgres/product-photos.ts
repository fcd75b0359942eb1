/**
 * The {@link PhotoStore} over PostgreSQL/PGlite: `product_photo` rows with the bytes in `bytea`.
 *
 * @example
 * const photos = createPhotoStore(database.db)
 * await photos.read('pho_…') // { contentType, bytes, sha256 } or undefined
 */
import { eq } from 'drizzle-orm'
import type { PhotoStore, PhotoType } from '../../usecases/product-photos.js'
import type { Db } from './database.js'
import { productPhoto } from './schema.js'

export function createPhotoStore (db: Db): PhotoStore {
  return {
    async insert (photo) {
      await db.insert(productPhoto).values({
        id: photo.id, productId: photo.productId, contentType: photo.contentType, size: photo.size, sha256: photo.sha256, data: Buffer.from(photo.bytes), createdAt: new Date(photo.createdAt)
      })
    },
    async read (id) {
      const [row] = await db.select({ contentType: productPhoto.contentType, data: productPhoto.data, sha256: productPhoto.sha256 }).from(productPhoto).where(eq(productPhoto.id, id)).limit(1)
      return row === undefined ? undefined : { contentType: row.contentType as PhotoType, bytes: row.data, sha256: row.sha256 }
    },
    async fileId (id) {
      const [row] = await db.select({ fileId: productPhoto.telegramFileId }).from(productPhoto).where(eq(productPhoto.id, id)).limit(1)
      return row?.fileId ?? undefined
    },
    async setFileId (id, fileId) {
      await db.update(productPhoto).set({ telegramFileId: fileId }).where(eq(productPhoto.id, id))
    }
  }
}

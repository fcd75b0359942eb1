/**
 * Product photos (issue 15 point 3): the merchant uploads a JPEG, PNG or WebP (checked by its
 * first bytes, never by the name or the declared type; at most {@link MAX_PHOTO_BYTES}); Bozor
 * keeps it and adds its URL (`<PUBLIC_URL>/media/photos/pho_…`) to the product's `images`. The
 * bot sends a kept photo to Telegram as an upload the first time and reuses the `file_id`
 * Telegram answers with after that.
 *
 * @example
 * const product = await addProductPhoto(deps, { productId: 'prd_…', bytes })
 * const sendable = await photos.forTelegram('pho_…') // { fileId } or { bytes, contentType }
 */
import { DomainError, validationError } from '../domain/shared/errors.js'
import { createId } from '../domain/shared/ids.js'
import { productChangeTags } from './catalog-reads.js'
import type { CatalogAdminStore } from './ports-catalog.js'
import type { Product } from './ports.js'

/** The largest photo accepted (Telegram takes photos up to 10 MB; 5 MB is plenty for a product). */
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024
/** How many images a product may have. */
export const MAX_IMAGES = 10

export type PhotoType = 'image/jpeg' | 'image/png' | 'image/webp'

/** The image type by content (magic numbers), or undefined for anything else. */
export function sniffPhotoType (bytes: Uint8Array): PhotoType | undefined {
  const at = (i: number): number => bytes[i] ?? -1
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg'
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => at(i) === b)) return 'image/png'
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to))
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp'
  return undefined
}

export interface StoredPhoto { id: string, productId: string, contentType: PhotoType, size: number, sha256: string, bytes: Uint8Array, createdAt: number }

export interface PhotoStore {
  insert(photo: StoredPhoto): Promise<void>
  /** The photo's bytes and type, for `GET /media/photos/:id`. */
  read(id: string): Promise<{ contentType: PhotoType, bytes: Uint8Array, sha256: string } | undefined>
  /** The Telegram file id kept for the photo, if any. */
  fileId(id: string): Promise<string | undefined>
  setFileId(id: string, fileId: string): Promise<void>
}

export interface PhotoDeps {
  photos: PhotoStore
  catalog: CatalogAdminStore
  now: number
  /** `<PUBLIC_URL>/media/photos`, where kept photos are served. */
  mediaUrl: string
  sha256: (bytes: Uint8Array) => string
  invalidate?: (tags: readonly string[]) => Promise<void>
}

/** The photo id in one of Bozor's own photo URLs, or undefined for any other image. */
export function ownPhotoId (image: string): string | undefined {
  return /\/media\/photos\/(pho_[0-9a-z]{26})$/.exec(image)?.[1]
}

/** Keeps a photo and appends its URL to the product's images; the product as it is now. */
export async function addProductPhoto (deps: PhotoDeps, input: { productId: string, bytes: Uint8Array }): Promise<Product> {
  const product = await deps.catalog.product(input.productId)
  if (product === undefined) throw new DomainError('ERR_PRODUCT_NOT_FOUND', `No product ${input.productId}`, { productId: input.productId })
  if (input.bytes.length === 0) throw validationError([{ field: 'file', message: 'is empty' }])
  if (input.bytes.length > MAX_PHOTO_BYTES) throw validationError([{ field: 'file', message: `is larger than ${MAX_PHOTO_BYTES} bytes` }])
  const contentType = sniffPhotoType(input.bytes)
  if (contentType === undefined) throw validationError([{ field: 'file', message: 'is not a JPEG, PNG or WebP image' }])
  if (product.images.length >= MAX_IMAGES) throw validationError([{ field: 'file', message: `the product has ${MAX_IMAGES} images already` }])
  const id = createId('pho')
  await deps.photos.insert({ id, productId: product.id, contentType, size: input.bytes.length, sha256: deps.sha256(input.bytes), bytes: input.bytes, createdAt: deps.now })
  const changed = await deps.catalog.updateProduct(product.id, { images: [...product.images, `${deps.mediaUrl}/${id}`] }, deps.now)
  if (changed === undefined) throw new DomainError('ERR_PRODUCT_NOT_FOUND', `No product ${input.productId}`, { productId: input.productId })
  await deps.invalidate?.(productChangeTags(changed.before, changed.after))
  return changed.after
}

/** What the bot sends for a kept photo: the file id once Telegram gave one, else the bytes. */
export type SendablePhoto = { fileId: string } | { bytes: Uint8Array, contentType: PhotoType }

/**
 * The bot's view of kept photos. A file id never changes for a photo, so it is held in memory
 * once known: after the first showing, an instance sends a photo with no query at all.
 */
export interface BotPhotos {
  forTelegram(photoId: string): Promise<SendablePhoto | undefined>
  remember(photoId: string, fileId: string): Promise<void>
}

export function createBotPhotos (store: Pick<PhotoStore, 'read' | 'fileId' | 'setFileId'>): BotPhotos {
  const known = new Map<string, string>()
  return {
    async forTelegram (photoId) {
      const held = known.get(photoId)
      if (held !== undefined) return { fileId: held }
      const fileId = await store.fileId(photoId)
      if (fileId !== undefined) {
        known.set(photoId, fileId)
        return { fileId }
      }
      const photo = await store.read(photoId)
      return photo === undefined ? undefined : { bytes: photo.bytes, contentType: photo.contentType }
    },
    async remember (photoId, fileId) {
      known.set(photoId, fileId)
      await store.setFileId(photoId, fileId)
    }
  }
}

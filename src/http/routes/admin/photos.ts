/**
 * `POST /api/v1/products/:id/photos` (multipart/form-data, one file part named `file`): a JPEG,
 * PNG or WebP photo, at most 5 MB, its type checked by content. Answers 201 with the product, the
 * photo's URL appended to `images`. @fastify/multipart is registered in this plugin only, so no
 * other route accepts multipart bodies.
 */
import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { createHash } from 'node:crypto'
import { DomainError, validationError } from '../../../domain/shared/errors.js'
import { addProductPhoto, MAX_PHOTO_BYTES } from '../../../usecases/product-photos.js'
import { compileStrictValidator } from '../../plugins/strict-validator.js'
import { ADMIN_PROBLEMS, Problem, Product, ProductParams } from '../../schemas/admin.js'
import { renderProduct } from './products.js'
import type { AdminRoutesOptions } from './options.js'

/** The multipart body as documented (the handler reads the stream; it is not validated as JSON). */
const PhotoUpload = Type.Object({ file: Type.String({ format: 'binary', description: 'a JPEG, PNG or WebP image, at most 5 MB' }) })

export async function photoRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  await app.register(multipart, { limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 0, parts: 1, headerPairs: 50 } })
  const invalidate = async (tags: readonly string[]): Promise<void> => {
    for (const tag of tags) await options.cache?.invalidateTag(tag)
  }

  app.post('/products/:id/photos', {
    schema: {
      operationId: 'addProductPhoto',
      tags: ['products'],
      summary: 'Upload a photo of the product (multipart, field `file`): JPEG, PNG or WebP, at most 5 MB',
      consumes: ['multipart/form-data'],
      params: ProductParams,
      body: PhotoUpload,
      response: { 201: Product, 413: Problem, 415: Problem, ...ADMIN_PROBLEMS }
    },
    // the body is a stream read by the handler; params are validated as everywhere else
    validatorCompiler: (route) => route.httpPart === 'body' ? () => true : compileStrictValidator(route),
    config: { audit: { target: 'product', action: 'product.photo_added' } }
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof ProductParams>
    if (!request.isMultipart()) throw new DomainError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the photo as multipart/form-data with a file part named "file".')
    const part = await request.file()
    if (part === undefined) throw validationError([{ field: 'file', message: 'is required (a multipart file part named "file")' }])
    if (part.fieldname !== 'file') throw validationError([{ field: part.fieldname, message: 'is not a known field: send the photo as "file"' }])
    const bytes = await part.toBuffer()
    const product = await addProductPhoto({
      photos: options.photos,
      catalog: options.catalog,
      now: options.clock.now(),
      mediaUrl: options.mediaUrl,
      sha256: (data) => createHash('sha256').update(data).digest('hex'),
      invalidate
    }, { productId: id, bytes })
    return reply.code(201).send(renderProduct(product))
  })
}

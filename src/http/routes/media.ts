/**
 * `GET /media/photos/:id`: a product photo Bozor keeps (uploaded through the admin API), for the
 * dashboard and any page that shows the product. Public like the product itself; an id that is not
 * a kept photo is a 404 problem. Photos never change under an id, so they are cached for a year.
 */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { DomainError } from '../../domain/shared/errors.js'
import type { PhotoStore } from '../../usecases/product-photos.js'

const Params = Type.Object({ id: Type.String({ pattern: '^pho_[0-9a-z]{26}$' }) })

export async function mediaRoutes (app: FastifyInstance, options: { photos: Pick<PhotoStore, 'read'> }): Promise<void> {
  app.get('/media/photos/:id', { schema: { params: Params, hide: true } }, async (request, reply) => {
    const { id } = request.params as Static<typeof Params>
    const photo = await options.photos.read(id)
    if (photo === undefined) throw new DomainError('ERR_PHOTO_NOT_FOUND', `No photo ${id}`)
    return await reply.type(photo.contentType).header('cache-control', 'public, max-age=31536000, immutable').header('etag', `"${photo.sha256}"`).send(Buffer.from(photo.bytes))
  })
}

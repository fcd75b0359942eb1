/**
 * `POST /api/v1/products` and `GET /api/v1/products`. With a cache, list pages are cached
 * tagged `catalog`; creating a product invalidates what it affects: `catalog` (every product
 * list, the bot's pages and section list) and its category's tag (src/usecases/catalog-reads.ts).
 * Cards carry `catalog` too, so they are reloaded once; no pattern flush.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { createProduct, listProducts } from '../../../usecases/catalog.js'
import { newProductTags } from '../../../usecases/catalog-reads.js'
import type { Product as ProductModel } from '../../../usecases/ports.js'
import { ADMIN_PROBLEMS, List, ListQuery, Product, ProductCreateBody } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './options.js'

/** How long a cached product list page lives; invalidation, not the TTL, keeps it fresh. */
export const PRODUCT_LIST_TTL_MS = 5 * 60_000

/** The product JSON of DESIGN.md. */
export function renderProduct (p: ProductModel): Static<typeof Product> {
  return {
    id: p.id,
    title: p.title,
    ...(p.description !== undefined ? { description: p.description } : {}),
    price: { amount: p.price.amount, currency: p.price.currency },
    kind: p.kind,
    stock: p.stock,
    ...(p.payload !== undefined ? { payload: p.payload } : {}),
    active: p.active,
    refundable: p.refundable,
    createdAt: new Date(p.createdAt).toISOString()
  }
}

type ProductPage = { items: Array<Static<typeof Product>>, nextCursor: string | null }

export async function productRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  app.post('/products', {
    schema: { body: ProductCreateBody, response: { 201: Product, ...ADMIN_PROBLEMS } }
  }, async (request, reply) => {
    const body = request.body as Static<typeof ProductCreateBody>
    const product = await createProduct({ store: options.store, now: options.clock.now() }, body)
    // products created through the API have no category yet (the body has no categoryId)
    for (const tag of newProductTags(null)) await options.cache?.invalidateTag(tag)
    return reply.code(201).send(renderProduct(product))
  })

  app.get('/products', {
    schema: { querystring: ListQuery, response: { 200: List(Product), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof ListQuery>
    const load = async (): Promise<ProductPage> => {
      const page = await listProducts({ store: options.store }, query)
      return { items: page.items.map(renderProduct), nextCursor: page.nextCursor }
    }
    const cache = options.cache
    if (cache === undefined) return await load()
    const key = cache.key('catalog', 'products', query.limit ?? 'default', query.cursor ?? 'first')
    // tagged `catalog` only: the stale-write guard needs the tags before loading, and every
    // product change invalidates `catalog` (per-product tags are for product cards)
    return await cache.getOrLoad(key, load, { ttlMs: PRODUCT_LIST_TTL_MS, tags: ['catalog'] })
  })
}

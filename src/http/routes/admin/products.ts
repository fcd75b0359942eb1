/**
 * Products of the admin API: `POST|GET /api/v1/products`, `GET|PATCH|DELETE
 * /api/v1/products/:id`. The unfiltered list is cached (tags `catalog` and `admin:products`);
 * every change invalidates exactly the cache tags it touches (src/usecases/catalog-reads.ts,
 * decision 0021). DELETE of a product that orders reference deactivates it (200, the product);
 * otherwise 204.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { createProduct, deleteProduct, getProduct, listProducts, updateProduct } from '../../../usecases/catalog.js'
import { ADMIN_PRODUCTS_TAG, CATALOG_TAG } from '../../../usecases/catalog-reads.js'
import type { Product as ProductModel } from '../../../usecases/ports.js'
import { ADMIN_PROBLEMS, List, Product, ProductCreateBody, ProductParams, ProductPatchBody, ProductQuery } from '../../schemas/admin.js'
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
    ...(p.fiscal !== undefined ? { fiscal: { ...p.fiscal } } : {}),
    categoryId: p.categoryId,
    images: [...p.images],
    createdAt: new Date(p.createdAt).toISOString()
  }
}

type ProductPage = { items: Array<Static<typeof Product>>, nextCursor: string | null }

export async function productRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const catalog = options.catalog
  const invalidate = async (tags: readonly string[]): Promise<void> => {
    for (const tag of tags) await options.cache?.invalidateTag(tag)
  }
  const deps = () => ({ store: catalog, now: options.clock.now(), invalidate })

  app.post('/products', {
    schema: { operationId: 'createProduct', tags: ['products'], summary: 'Create a product', body: ProductCreateBody, response: { 201: Product, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'product', action: 'product.created' } }
  }, async (request, reply) => {
    const body = request.body as Static<typeof ProductCreateBody>
    const product = await createProduct({ store: options.store, catalog, now: options.clock.now(), invalidate }, body)
    return reply.code(201).send(renderProduct(product))
  })

  app.get('/products', {
    schema: { operationId: 'listProducts', tags: ['products'], summary: 'List products, oldest first, by category, active and words in a title', querystring: ProductQuery, response: { 200: List(Product), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof ProductQuery>
    const filter = {
      ...(query.category !== undefined ? { categoryId: query.category === 'none' ? null : query.category } : {}),
      ...(query.active !== undefined ? { active: query.active } : {}),
      ...(query.q !== undefined ? { q: query.q } : {})
    }
    const load = async (): Promise<ProductPage> => {
      const page = await listProducts({ store: catalog }, { ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}), filter })
      return { items: page.items.map(renderProduct), nextCursor: page.nextCursor }
    }
    const cache = options.cache
    if (cache === undefined || Object.keys(filter).length > 0) return await load()
    const key = cache.key('catalog', 'products', query.limit ?? 'default', query.cursor ?? 'first')
    // every product change drops `admin:products` (the list shows every field, stock included)
    return await cache.getOrLoad(key, load, { ttlMs: PRODUCT_LIST_TTL_MS, tags: [CATALOG_TAG, ADMIN_PRODUCTS_TAG] })
  })

  app.get('/products/:id', {
    schema: { operationId: 'getProduct', tags: ['products'], summary: 'One product', params: ProductParams, response: { 200: Product, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof ProductParams>
    return renderProduct(await getProduct({ store: catalog }, id))
  })

  app.patch('/products/:id', {
    schema: { operationId: 'updateProduct', tags: ['products'], summary: 'Change a product (only the fields sent; null clears an optional one)', params: ProductParams, body: ProductPatchBody, response: { 200: Product, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'product', action: 'product.updated' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof ProductParams>
    return renderProduct(await updateProduct(deps(), id, request.body as Static<typeof ProductPatchBody>))
  })

  app.delete('/products/:id', {
    schema: { operationId: 'deleteProduct', tags: ['products'], summary: 'Delete a product (204), or deactivate one that orders reference (200)', params: ProductParams, response: { 200: Product, 204: { type: 'null', description: 'deleted' }, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'product', action: 'product.deleted' } }
  }, async (request, reply) => {
    const { id } = request.params as Static<typeof ProductParams>
    const result = await deleteProduct(deps(), id)
    if (result.deleted) return await reply.code(204).send()
    return renderProduct(result.product)
  })
}

/**
 * `POST /api/v1/products` and `GET /api/v1/products`.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { createProduct, listProducts } from '../../../usecases/catalog.js'
import type { Product as ProductModel } from '../../../usecases/ports.js'
import { ADMIN_PROBLEMS, List, ListQuery, Product, ProductCreateBody } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './index.js'

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

export async function productRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  app.post('/products', {
    schema: { body: ProductCreateBody, response: { 201: Product, ...ADMIN_PROBLEMS } }
  }, async (request, reply) => {
    const body = request.body as Static<typeof ProductCreateBody>
    const product = await createProduct({ store: options.store, now: options.clock.now() }, body)
    return reply.code(201).send(renderProduct(product))
  })

  app.get('/products', {
    schema: { querystring: ListQuery, response: { 200: List(Product), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof ListQuery>
    const page = await listProducts({ store: options.store }, query)
    return { items: page.items.map(renderProduct), nextCursor: page.nextCursor }
  })
}

/**
 * `POST /api/v1/orders`, `GET /api/v1/orders/:id`, `POST /api/v1/orders/:id/cancel`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Actor } from '../../../domain/orders/order.js'
import { DomainError } from '../../../domain/shared/errors.js'
import { cancelOrder } from '../../../usecases/cancel-order.js'
import { placeOrder } from '../../../usecases/place-order.js'
import type { OrderView } from '../../../usecases/ports.js'
import { ADMIN_PROBLEMS, CancelBody, Order, OrderCreateBody, OrderParams } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './options.js'

function actorOf (request: FastifyRequest): Actor {
  return { kind: 'admin', tokenId: request.admin?.tokenId ?? 'unknown' }
}

export async function orderRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const view = async (id: string): Promise<OrderView> => {
    const order = await options.store.orderView(id, options.view)
    if (order === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${id}`, { orderId: id })
    return order
  }

  app.post('/orders', {
    schema: { body: OrderCreateBody, response: { 201: Order, ...ADMIN_PROBLEMS } }
  }, async (request, reply) => {
    const body = request.body as Static<typeof OrderCreateBody>
    const order = await placeOrder({
      store: options.store,
      now: options.clock.now(),
      orderTtlS: options.settings.orderTtlS,
      digitalGoodsStarsOnly: options.settings.digitalGoodsStarsOnly
    }, { customer: body.customer, items: body.items, actor: actorOf(request) })
    return reply.code(201).send(await view(order.id))
  })

  app.get('/orders/:id', {
    schema: { params: OrderParams, response: { 200: Order, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    return await view(id)
  })

  app.post('/orders/:id/cancel', {
    schema: { params: OrderParams, body: CancelBody, response: { 200: Order, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const body = request.body as Static<typeof CancelBody>
    await cancelOrder({ store: options.store, now: options.clock.now() }, { orderId: id, actor: actorOf(request), reason: body?.reason ?? 'cancelled by an admin' })
    return await view(id)
  })
}

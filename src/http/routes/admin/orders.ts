/**
 * Orders of the admin API: `POST|GET /api/v1/orders` (the list: newest first, every filter, a
 * cursor), `GET /api/v1/orders/export` (text/csv, same filters), `GET /api/v1/orders/:id`,
 * `POST /api/v1/orders/:id/cancel | fulfil | resolve`.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { Actor } from '../../../domain/orders/order.js'
import { DomainError } from '../../../domain/shared/errors.js'
import { cancelOrder } from '../../../usecases/cancel-order.js'
import { placeOrder } from '../../../usecases/place-order.js'
import { exportOrders, fulfilPhysicalOrder, listOrders, resolveOrder } from '../../../usecases/order-admin.js'
import type { OrderFilter, OrderView } from '../../../usecases/ports.js'
import { ADMIN_PROBLEMS, CancelBody, List, NoteBody, Order, OrderCreateBody, OrderExportQuery, OrderParams, OrderQuery } from '../../schemas/admin.js'
import { CSV_HEADER, csvLine, orderCsvLine } from './orders-csv.js'
import type { AdminRoutesOptions } from './options.js'

function actorOf (request: FastifyRequest): Actor {
  return { kind: 'admin', tokenId: request.admin?.tokenId ?? 'unknown' }
}

function filterOf (query: Static<typeof OrderExportQuery>): OrderFilter {
  return {
    ...(query.state !== undefined ? { state: query.state as OrderFilter['state'] } : {}),
    ...(query.provider !== undefined ? { provider: query.provider } : {}),
    ...(query.customer !== undefined ? { customer: query.customer } : {}),
    ...(query.flag !== undefined ? { flag: 'needs_attention' as const } : {}),
    ...(query.from !== undefined ? { from: Date.parse(query.from) } : {}),
    ...(query.to !== undefined ? { to: Date.parse(query.to) } : {})
  }
}

export async function orderRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const lists = { orders: options.orders, view: options.view }
  const view = async (id: string): Promise<OrderView> => {
    const order = await options.store.orderView(id, options.view)
    if (order === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${id}`, { orderId: id })
    return order
  }

  app.post('/orders', {
    schema: { operationId: 'createOrder', tags: ['orders'], summary: 'Place an order for a customer', body: OrderCreateBody, response: { 201: Order, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'order', action: 'order.created' } }
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

  app.get('/orders', {
    schema: { operationId: 'listOrders', tags: ['orders'], summary: 'List orders, newest first, by state, provider, customer, flag and time', querystring: OrderQuery, response: { 200: List(Order), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof OrderQuery>
    return await listOrders(lists, { filter: filterOf(query), ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) })
  })

  app.get('/orders/export', {
    schema: {
      operationId: 'exportOrders',
      tags: ['orders'],
      summary: 'The orders as CSV (same filters as the list): decimal amounts with their currency',
      querystring: OrderExportQuery,
      response: { 200: { description: 'one line per order, newest first', content: { 'text/csv': { schema: { type: 'string' } } } }, ...ADMIN_PROBLEMS }
    }
  }, async (request, reply) => {
    const pages = exportOrders(lists, filterOf(request.query as Static<typeof OrderExportQuery>))
    // the first page is read before answering, so a failure is still a problem answer
    const first = await pages.next()
    async function * lines (): AsyncGenerator<string> {
      yield csvLine(CSV_HEADER)
      if (first.done === true) return
      for (const order of first.value) yield orderCsvLine(order)
      for await (const page of pages) for (const order of page) yield orderCsvLine(order)
    }
    return await reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="orders.csv"').send(Readable.from(lines()))
  })

  app.post('/orders/:id/fulfil', {
    schema: { operationId: 'fulfilOrder', tags: ['orders'], summary: 'Mark a paid order with physical goods fulfilled; the customer is told', params: OrderParams, body: NoteBody, response: { 200: Order, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'order', action: 'order.fulfilled' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const note = (request.body as Static<typeof NoteBody>)?.note
    await fulfilPhysicalOrder({ store: options.store, now: options.clock.now() }, { orderId: id, actor: actorOf(request), ...(note !== undefined ? { note } : {}) })
    return await view(id)
  })

  app.post('/orders/:id/resolve', {
    schema: { operationId: 'resolveOrder', tags: ['orders'], summary: 'Clear needs_attention; the note is kept in the history', params: OrderParams, body: NoteBody, response: { 200: Order, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'order', action: 'order.resolved' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const note = (request.body as Static<typeof NoteBody>)?.note
    await resolveOrder({ store: options.store, now: options.clock.now() }, { orderId: id, actor: actorOf(request), ...(note !== undefined ? { note } : {}) })
    return await view(id)
  })

  app.get('/orders/:id', {
    schema: { operationId: 'getOrder', tags: ['orders'], summary: 'One order with its payments and history', params: OrderParams, response: { 200: Order, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    return await view(id)
  })

  app.post('/orders/:id/cancel', {
    schema: { operationId: 'cancelOrder', tags: ['orders'], summary: 'Cancel a pending order', params: OrderParams, body: CancelBody, response: { 200: Order, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'order', action: 'order.cancelled' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const body = request.body as Static<typeof CancelBody>
    await cancelOrder({ store: options.store, now: options.clock.now() }, { orderId: id, actor: actorOf(request), reason: body?.reason ?? 'cancelled by an admin' })
    return await view(id)
  })
}

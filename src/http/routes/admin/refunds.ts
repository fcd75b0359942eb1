/**
 * `POST /api/v1/orders/:id/refund` with `{"amount"?, "reason"?}` → 200 the order (DESIGN.md):
 * refunds through the provider that took the payment ({@link refundOrder}); 409
 * ERR_ORDER_NOTHING_REFUNDABLE when nothing is refundable, 409 ERR_REFUND_UNSUPPORTED for a provider that refunds only in
 * its cabinet (Payme; Click without CLICK_MERCHANT_USER_ID, or for part of a payment; Stars
 * without the bot).
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { DomainError } from '../../../domain/shared/errors.js'
import { refundOrder, type RefundOrderStore, type RefundProviders } from '../../../usecases/refund-order.js'
import { ADMIN_PROBLEMS, Order, OrderParams, RefundBody } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './options.js'

export interface RefundRoutesOptions extends AdminRoutesOptions {
  refunds: { store: RefundOrderStore, providers: RefundProviders }
}

export async function refundRoutes (app: FastifyInstance, options: RefundRoutesOptions): Promise<void> {
  app.post('/orders/:id/refund', {
    schema: { operationId: 'refundOrder', tags: ['orders'], summary: 'Refund a paid order, in full or in part', params: OrderParams, body: RefundBody, response: { 200: Order, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'order', action: 'order.refund_requested' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof OrderParams>
    const body = request.body as Static<typeof RefundBody>
    const reason = body?.reason ?? 'refunded by an admin'
    await refundOrder(options.refunds, { orderId: id, reason, ...(body?.amount !== undefined ? { amount: body.amount } : {}) })
    const order = await options.store.orderView(id, options.view)
    if (order === undefined) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${id}`, { orderId: id })
    return order
  })
}

/**
 * `GET /api/v1/customers/:telegramId/activity`: the customer's recent actions, newest first
 * (DESIGN.md `list`: `?limit` 1–200, default 50, and `?cursor`). A non-numeric or non-positive id
 * is 400 ERR_VALIDATION; an unknown customer 404 ERR_NOT_FOUND.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { listCustomerActivity, type ActivityReader, type CustomerDirectory } from '../../../usecases/customer-activity.js'
import { ActivityEntry, ADMIN_PROBLEMS, CustomerParams, List, ListQuery } from '../../schemas/admin.js'

export interface CustomerRoutesOptions {
  activity: ActivityReader
  customers: CustomerDirectory
}

export async function customerRoutes (app: FastifyInstance, options: CustomerRoutesOptions): Promise<void> {
  app.get('/customers/:telegramId/activity', {
    schema: { params: CustomerParams, querystring: ListQuery, response: { 200: List(ActivityEntry), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const { telegramId } = request.params as Static<typeof CustomerParams>
    const query = request.query as Static<typeof ListQuery>
    return await listCustomerActivity(options, { telegramId: Number(telegramId), ...query })
  })
}

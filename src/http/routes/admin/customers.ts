/**
 * Customers of the admin API: `GET /api/v1/customers?q&language&blocked` (newest first),
 * `GET /api/v1/customers/:telegramId` (the profile with totals), `POST …/block | unblock`,
 * `POST …/messages {"text"}` (202: sent by the outbox), `POST …/forget` (personal data erased,
 * the ledger kept under an anonymous id) and `GET …/activity` (the recent actions in the bot,
 * newest first). A non-numeric or non-positive id is 400 ERR_VALIDATION; an unknown customer 404.
 */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import type { Clock } from '../../../domain/shared/clock.js'
import { listCustomerActivity, type ActivityReader, type CustomerDirectory } from '../../../usecases/customer-activity.js'
import { forgetCustomer, getCustomer, listCustomers, messageCustomer, setCustomerBlocked, type CustomerAdminStore, type CustomerProfile } from '../../../usecases/customers-admin.js'
import { ActivityEntry, ADMIN_PROBLEMS, Customer, CustomerParams, CustomerQuery, List, ListQuery, MessageBody } from '../../schemas/admin.js'

export interface CustomerRoutesOptions {
  activity: ActivityReader & { forget(id: number): Promise<void> }
  customers: CustomerDirectory
  store: CustomerAdminStore
  clock: Clock
  /** The bot's sessions, dropped when a customer is forgotten. */
  sessions?: { remove(id: number): Promise<void> }
}

export function renderCustomer (c: CustomerProfile): Static<typeof Customer> {
  return {
    telegramId: c.telegramId,
    name: c.name,
    ...(c.username !== undefined ? { username: c.username } : {}),
    language: c.language,
    blocked: c.blocked,
    botBlocked: c.botBlocked,
    ...(c.source !== undefined ? { source: c.source } : {}),
    firstSeen: new Date(c.firstSeen).toISOString(),
    lastSeen: new Date(c.lastSeen).toISOString(),
    orders: c.orders,
    spent: c.spent.map((m) => ({ amount: m.amount, currency: m.currency }))
  }
}

const Queued = Type.Object({ status: Type.Literal('queued') })
const Forgotten = Type.Object({ forgotten: Type.Literal(true), anonymousId: Type.Integer({ description: 'the id the orders are kept under' }) })

export async function customerRoutes (app: FastifyInstance, options: CustomerRoutesOptions): Promise<void> {
  const deps = () => ({ store: options.store, now: options.clock.now() })
  const idOf = (params: unknown): number => Number((params as Static<typeof CustomerParams>).telegramId)

  app.get('/customers', {
    schema: { operationId: 'listCustomers', tags: ['customers'], summary: 'List customers, newest first, by words in the name, language and block', querystring: CustomerQuery, response: { 200: List(Customer), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof CustomerQuery>
    const filter = {
      ...(query.q !== undefined ? { q: query.q } : {}),
      ...(query.language !== undefined ? { language: query.language } : {}),
      ...(query.blocked !== undefined ? { blocked: query.blocked } : {})
    }
    const page = await listCustomers(deps(), { filter, ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) })
    return { items: page.items.map(renderCustomer), nextCursor: page.nextCursor }
  })

  app.get('/customers/:telegramId', {
    schema: { operationId: 'getCustomer', tags: ['customers'], summary: 'A customer with their order count and spending', params: CustomerParams, response: { 200: Customer, ...ADMIN_PROBLEMS } }
  }, async (request) => renderCustomer(await getCustomer(deps(), idOf(request.params))))

  for (const [action, blocked] of [['block', true], ['unblock', false]] as const) {
    app.post(`/customers/:telegramId/${action}`, {
      schema: { operationId: `${action}Customer`, tags: ['customers'], summary: blocked ? 'Block a customer: the bot refuses them politely' : 'Unblock a customer', params: CustomerParams, response: { 200: Customer, ...ADMIN_PROBLEMS } },
      config: { audit: { target: 'customer', action: `customer.${action}ed` } }
    }, async (request) => renderCustomer(await setCustomerBlocked(deps(), idOf(request.params), blocked)))
  }

  app.post('/customers/:telegramId/messages', {
    schema: { operationId: 'messageCustomer', tags: ['customers'], summary: 'Send the customer a message from the shop (plain text, through the outbox)', params: CustomerParams, body: MessageBody, response: { 202: Queued, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'customer', action: 'customer.messaged' } }
  }, async (request, reply) => {
    await messageCustomer(deps(), idOf(request.params), (request.body as Static<typeof MessageBody>).text)
    return reply.code(202).send({ status: 'queued' })
  })

  app.post('/customers/:telegramId/forget', {
    schema: { operationId: 'forgetCustomer', tags: ['customers'], summary: 'Erase the customer\'s personal data; their orders stay under an anonymous id', params: CustomerParams, response: { 200: Forgotten, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'customer', action: 'customer.forgotten' } }
  }, async (request) => {
    const { anonymousId } = await forgetCustomer({ ...deps(), activity: options.activity, ...(options.sessions !== undefined ? { sessions: options.sessions } : {}) }, idOf(request.params))
    return { forgotten: true as const, anonymousId }
  })

  app.get('/customers/:telegramId/activity', {
    schema: { operationId: 'listCustomerActivity', tags: ['customers'], summary: 'A customer\'s recent actions in the bot, newest first', params: CustomerParams, querystring: ListQuery, response: { 200: List(ActivityEntry), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const query = request.query as Static<typeof ListQuery>
    return await listCustomerActivity(options, { telegramId: idOf(request.params), ...query })
  })
}

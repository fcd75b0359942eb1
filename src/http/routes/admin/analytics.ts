/**
 * The analytics routes of the admin API (DESIGN.md "The merchant's half", Analytics), read
 * scope: overview, timeseries, funnel, active, products, sources and payment failures. Each
 * parses its query, calls the use case and answers its JSON.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import {
  analyticsActive, analyticsFunnel, analyticsOverview, analyticsPaymentFailures, analyticsProducts, analyticsSources,
  analyticsTimeseries, type AnalyticsDeps
} from '../../../usecases/analytics.js'
import { ADMIN_PROBLEMS } from '../../schemas/admin.js'
import { Active, ActiveQuery, Funnel, Overview, PaymentFailures, Products, RangeQuery, Sources, Timeseries, TimeseriesQuery, TopQuery } from '../../schemas/analytics.js'

export type AnalyticsRoutesOptions = AnalyticsDeps

export async function analyticsRoutes (app: FastifyInstance, options: AnalyticsRoutesOptions): Promise<void> {
  const deps: AnalyticsDeps = { store: options.store, clock: options.clock, timezone: options.timezone }
  const schema = (operationId: string, summary: string, querystring: object, body: object) =>
    ({ operationId, tags: ['analytics'], summary, querystring, response: { 200: body, ...ADMIN_PROBLEMS } })

  app.get('/analytics/overview', {
    schema: schema('getAnalyticsOverview', 'Revenue per currency (gross, refunded, net, orders), new and active customers, average order', RangeQuery, Overview)
  }, async (request) => await analyticsOverview(deps, request.query as Static<typeof RangeQuery>))

  app.get('/analytics/timeseries', {
    schema: schema('getAnalyticsTimeseries', 'One metric per day of the range', TimeseriesQuery, Timeseries)
  }, async (request) => await analyticsTimeseries(deps, request.query as Static<typeof TimeseriesQuery>))

  app.get('/analytics/funnel', {
    schema: schema('getAnalyticsFunnel', 'Distinct customers per funnel step (start, catalog, product, checkout, paid)', RangeQuery, Funnel)
  }, async (request) => await analyticsFunnel(deps, request.query as Static<typeof RangeQuery>))

  app.get('/analytics/active', {
    schema: schema('getAnalyticsActive', 'Exact daily, weekly and monthly active customers ending on a day', ActiveQuery, Active)
  }, async (request) => await analyticsActive(deps, request.query as Static<typeof ActiveQuery>))

  app.get('/analytics/products', {
    schema: schema('getAnalyticsProducts', 'Top products of the paid orders by units and revenue', TopQuery, Products)
  }, async (request) => await analyticsProducts(deps, request.query as Static<typeof TopQuery>))

  app.get('/analytics/sources', {
    schema: schema('getAnalyticsSources', 'Per referral code (/start r_<code>): new customers, paid orders, net revenue', TopQuery, Sources)
  }, async (request) => await analyticsSources(deps, request.query as Static<typeof TopQuery>))

  app.get('/analytics/payment-failures', {
    schema: schema('getAnalyticsPaymentFailures', 'Failed payments per provider and reason', RangeQuery, PaymentFailures)
  }, async (request) => await analyticsPaymentFailures(deps, request.query as Static<typeof RangeQuery>))
}

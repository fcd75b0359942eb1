/**
 * The provider simulators' routes (DESIGN.md "The sandbox (contract)"): the Payme and Click
 * checkout pages the pay links redirect to, `POST /sandbox/pay/:provider` (JSON for scripts and
 * tests, a form post from the pages) making the provider's real calls for an outcome, and
 * `POST /sandbox/pay/:provider/refund` reversing a paid order from the provider's side. The
 * Stripe emulator's hosted pages are mounted under `/sandbox/stripe`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { DomainError } from '../../domain/shared/errors.js'
import type { StripeEmulator } from '../stripe/index.js'
import type { SimOutcome, SimResult } from '../pay/payme-simulator.js'
import { readPaymeCheckout } from '../pay/payme-simulator.js'
import { readClickCheckout } from '../pay/click-simulator.js'
import { renderCheckoutPage, renderOutcomePage } from './pay-pages.js'
import { PayBody, PayResult, Problem, ProviderParams, RefundBody } from './schemas.js'

/** One simulated provider: its checkout outcomes and its refund. */
export interface ProviderSimulator {
  checkout(url: string, outcome: SimOutcome): Promise<SimResult>
  refund(orderId: string): Promise<SimResult>
}

export interface PayRoutesOptions {
  /** `PUBLIC_URL` without a trailing slash. */
  publicUrl: string
  /** The simulated providers (a provider configured for real has none). */
  simulators: Partial<Record<'payme' | 'click' | 'stripe', ProviderSimulator>>
  payme?: { merchantId: string }
  click?: { serviceId: string }
  /** The Stripe emulator, mounted under `/sandbox/stripe` for its hosted pages. */
  stripe?: StripeEmulator
  /** An order's id and state, after the provider's calls. */
  orderState(orderId: string): Promise<{ id: string, state: string } | undefined>
}

const problems = { 400: Problem, 404: Problem }
const Html = Type.String({ description: 'text/html page' })

function firstValues (raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(raw)) if (!(key in out)) out[key] = value
  return out
}

/** Registers the simulator routes (encapsulated: their form parser stays here). */
export async function payRoutes (app: FastifyInstance, opts: PayRoutesOptions): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, firstValues(String(body)))
  })

  const simulatorOf = (provider: string): ProviderSimulator => {
    const simulator = opts.simulators[provider as 'payme']
    if (simulator === undefined) throw new DomainError('ERR_NOT_FOUND', `${provider} is not simulated in this sandbox (its real settings are configured).`)
    return simulator
  }
  const answer = async (result: SimResult, outcome: string): Promise<{ outcome: string, order: { id: string, state: string }, error?: SimResult['error'] }> => {
    const order = await opts.orderState(result.orderId)
    if (order === undefined) throw new DomainError('ERR_NOT_FOUND', `No order ${result.orderId}.`)
    return { outcome, order: { id: order.id, state: order.state }, ...(result.error !== undefined ? { error: result.error } : {}) }
  }
  const isForm = (request: FastifyRequest): boolean => String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')

  const page = (reply: FastifyReply, html: string): FastifyReply => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html)

  const payme = opts.payme
  if (opts.simulators.payme !== undefined && payme !== undefined) {
    // Payme's checkout URL is `<checkout>/<base64 of m=…;ac.order_id=…;a=…>` (specs/payme.md §9.1)
    app.get('/sandbox/pay/payme/*', { schema: { params: Type.Object({ '*': Type.String({ maxLength: 2048 }) }), response: { 200: Html, ...problems } } }, async (request, reply) => {
      const url = `${opts.publicUrl}${request.url}`
      const { orderId, amount } = readPaymeCheckout(url, payme.merchantId)
      return page(reply, renderCheckoutPage({ provider: 'payme', url, orderId, amountTiyin: amount }))
    })
  }
  const click = opts.click
  if (opts.simulators.click !== undefined && click !== undefined) {
    app.get('/sandbox/pay/click', { schema: { querystring: Type.Record(Type.String(), Type.String({ maxLength: 2048 })), response: { 200: Html, ...problems } } }, async (request, reply) => {
      const url = `${opts.publicUrl}${request.url}`
      const { orderId, amount } = readClickCheckout(url, click.serviceId)
      const [som, tiyin] = amount.split('.') as [string, string]
      return page(reply, renderCheckoutPage({ provider: 'click', url, orderId, amountTiyin: Number(som) * 100 + Number(tiyin) }))
    })
  }

  app.post('/sandbox/pay/:provider', { schema: { params: ProviderParams, body: PayBody, response: { 200: Type.Union([PayResult, Html]), ...problems } } }, async (request, reply) => {
    const { provider } = request.params as { provider: string }
    const { url, outcome } = request.body as { url: string, outcome: SimOutcome }
    const result = await answer(await simulatorOf(provider).checkout(url, outcome), outcome)
    if (!isForm(request)) return result
    return page(reply, renderOutcomePage({ provider, outcome, orderId: result.order.id, state: result.order.state, ...(result.error !== undefined ? { error: result.error.message } : {}) }))
  })

  app.post('/sandbox/pay/:provider/refund', { schema: { params: ProviderParams, body: RefundBody, response: { 200: PayResult, ...problems } } }, async (request) => {
    const { provider } = request.params as { provider: string }
    const { orderId } = request.body as { orderId: string }
    return await answer(await simulatorOf(provider).refund(orderId), 'refund')
  })

  const stripe = opts.stripe
  if (stripe !== undefined) {
    await app.register(async (mount) => {
      mount.removeAllContentTypeParsers()
      mount.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => { done(null, body) })
      mount.route({
        method: ['GET', 'POST'],
        url: '/sandbox/stripe/*',
        schema: { params: Type.Object({ '*': Type.String({ maxLength: 512 }) }) },
        handler: async (request, reply) => {
          reply.hijack()
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
          await stripe.handle(request.raw, reply.raw, body)
        }
      })
    })
  }
}

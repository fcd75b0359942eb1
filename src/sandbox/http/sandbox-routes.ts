/**
 * Every `/sandbox` route as one Fastify plugin (DESIGN.md "The sandbox (contract)"), built by
 * `compose.ts` in sandbox mode only and registered by `buildApp` (so with BOT_TOKEN set no
 * `/sandbox` route exists and each answers 404). The Stripe emulator's webhooks are pointed at
 * the app's own `/payments/stripe/webhook` once it listens.
 *
 * @example
 * const routes = createSandboxRoutes({ telegram, clock, publicUrl, orderState, payme, click, stripe })
 * await app.register(routes)
 */
import type { FastifyInstance } from 'fastify'
import type { OffsetClock } from '../offset-clock.js'
import type { StripeEmulator } from '../stripe/index.js'
import type { TelegramEmulator } from '../telegram/index.js'
import { createClickSimulator } from '../pay/click-simulator.js'
import { createPaymeSimulator } from '../pay/payme-simulator.js'
import { createSelfPost, listeningBase } from '../pay/self-client.js'
import { createStripeSimulator } from '../pay/stripe-simulator.js'
import { ChatLog } from './chat-log.js'
import { chatRoutes } from './chat-routes.js'
import { customerApiRoutes } from './customer-api.js'
import { payRoutes, type ProviderSimulator } from './pay-routes.js'

export interface SandboxRoutesOptions {
  telegram: TelegramEmulator
  clock: OffsetClock
  /** `PUBLIC_URL` without a trailing slash. */
  publicUrl: string
  /** An order's id and state (the simulators' answers). */
  orderState(orderId: string): Promise<{ id: string, state: string } | undefined>
  /** Runs after `POST /sandbox/api/clock` moved the clock: records the expiries now due. */
  afterClockAdvance?: () => Promise<void>
  /** Present when Payme is simulated: its sandbox credentials. */
  payme?: { merchantId: string, key: string }
  /** Present when Click is simulated. */
  click?: { serviceId: string, secretKey: string }
  /** Present when Stripe is simulated: the emulator and its loopback API base. */
  stripe?: { emulator: StripeEmulator, apiBase: string }
}

/** The plugin `buildApp` registers in sandbox mode. */
export type SandboxRoutes = (app: FastifyInstance) => Promise<void>

export function createSandboxRoutes (opts: SandboxRoutesOptions): SandboxRoutes {
  return async function sandboxRoutes (app: FastifyInstance): Promise<void> {
    const log = new ChatLog(opts.telegram, opts.clock)
    app.addHook('onClose', async () => { log.close() })
    const post = createSelfPost(app)
    const simulators: Partial<Record<'payme' | 'click' | 'stripe', ProviderSimulator>> = {}
    if (opts.payme !== undefined) simulators.payme = createPaymeSimulator({ ...opts.payme, clock: opts.clock, post })
    if (opts.click !== undefined) simulators.click = createClickSimulator({ ...opts.click, clock: opts.clock, post })
    const stripe = opts.stripe
    if (stripe !== undefined) {
      simulators.stripe = createStripeSimulator(stripe)
      app.addHook('onListen', async () => {
        const base = listeningBase(app)
        const url = `${base ?? ''}/payments/stripe/webhook`
        if (base !== undefined && !stripe.emulator.webhookEndpoints.some((e) => e.url === url)) stripe.emulator.addWebhookEndpoint(url)
      })
    }
    await app.register(chatRoutes)
    await app.register(customerApiRoutes, { telegram: opts.telegram, log, clock: opts.clock, ...(opts.afterClockAdvance !== undefined ? { afterClockAdvance: opts.afterClockAdvance } : {}) })
    await app.register(payRoutes, {
      publicUrl: opts.publicUrl,
      simulators,
      orderState: opts.orderState,
      ...(opts.payme !== undefined ? { payme: { merchantId: opts.payme.merchantId } } : {}),
      ...(opts.click !== undefined ? { click: { serviceId: opts.click.serviceId } } : {}),
      ...(stripe !== undefined ? { stripe: stripe.emulator } : {})
    })
  }
}

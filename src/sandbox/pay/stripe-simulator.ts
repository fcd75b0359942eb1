/**
 * Stripe's side of a sandbox payment (DESIGN.md "The sandbox", Outcomes): the customer's choice
 * on the Stripe emulator's hosted Checkout page, posted to the page over HTTP — a succeeding card
 * (`pay`), a declined one (`decline`, `card_declined`) or nothing (`cancel`: the session is
 * abandoned and expires with the order) — after which the emulator's signed webhooks are awaited.
 * `refund`: a refund from Stripe's side (`POST /v1/refunds`, as from its dashboard), whose
 * `charge.refunded` reaches the app's webhook.
 */
import { DomainError } from '../../domain/shared/errors.js'
import type { StripeEmulator } from '../stripe/index.js'
import type { SimOutcome, SimResult } from './payme-simulator.js'

export interface StripeSimulator {
  checkout(url: string, outcome: SimOutcome): Promise<SimResult>
  refund(orderId: string): Promise<SimResult>
}

const CARD: Record<Exclude<SimOutcome, 'cancel'>, string> = { pay: 'pm_card_visa', decline: 'pm_card_chargeDeclined' }

function orderIdOf (object: Record<string, unknown> | undefined): string | undefined {
  const metadata = object?.metadata as Record<string, unknown> | null | undefined
  const id = metadata?.order_id ?? object?.client_reference_id
  return typeof id === 'string' ? id : undefined
}

export function createStripeSimulator (deps: { emulator: StripeEmulator, apiBase: string }): StripeSimulator {
  const { emulator } = deps
  const invalid = (): DomainError => new DomainError('ERR_VALIDATION', 'The url is not a Checkout page of this sandbox\'s Stripe.', { errors: [{ field: 'url', message: 'is not a Stripe Checkout URL of this sandbox' }] })
  return {
    async checkout (url, outcome) {
      let path = ''
      try { path = new URL(url).pathname } catch { throw invalid() }
      const sessionId = /\/checkout\/(cs_[A-Za-z0-9_]{1,200})$/.exec(path)?.[1]
      const session = sessionId === undefined ? undefined : emulator.retrieve(sessionId)
      const orderId = orderIdOf(session)
      if (sessionId === undefined || orderId === undefined) throw invalid()
      if (outcome === 'cancel') return { orderId }
      const res = await fetch(`${deps.apiBase}/checkout/${sessionId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ payment_method: CARD[outcome] }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000)
      })
      await res.arrayBuffer()
      await emulator.idle()
      if (outcome === 'pay' && res.status >= 400) return { orderId, error: { code: res.status, message: 'Stripe refused the payment (the session is no longer open)' } }
      return { orderId }
    },
    async refund (orderId) {
      const paid = emulator.listEvents('payment_intent.succeeded').map((e) => e.data.object).find((pi) => orderIdOf(pi) === orderId)
      if (paid === undefined) throw new DomainError('ERR_NOT_FOUND', `No Stripe payment of order ${orderId} made through this sandbox.`)
      const res = await fetch(`${deps.apiBase}/v1/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${emulator.secretKey}` },
        body: new URLSearchParams({ payment_intent: String(paid.id) }).toString(),
        signal: AbortSignal.timeout(30_000)
      })
      const body = await res.json() as { error?: { code?: string, message?: string } }
      await emulator.idle()
      return res.ok ? { orderId } : { orderId, error: { code: body.error?.code ?? res.status, message: body.error?.message ?? '' } }
    }
  }
}

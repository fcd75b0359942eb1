/**
 * Payme's side of a sandbox payment (DESIGN.md "The sandbox", Outcomes): the Merchant API calls
 * Payme makes to `/payments/payme`, as JSON-RPC 2.0 with `Authorization: Basic
 * base64("Paycom:" + key)` (specs/payme.md). `pay`: CheckPerformTransaction, CreateTransaction,
 * PerformTransaction; `decline`: Check and Create, then CancelTransaction reason 2 (the card's
 * debit failed); `cancel`: Check only. `refund`: CancelTransaction reason 5 of the performed
 * transaction.
 */
import { randomBytes } from 'node:crypto'
import { paymeAuthHeader } from '../../adapters/payme/payme-auth.js'
import { parsePaymeCheckoutUrl } from '../../adapters/payme/payme-checkout-url.js'
import type { Clock } from '../../domain/shared/clock.js'
import { DomainError } from '../../domain/shared/errors.js'
import type { SelfPost } from './self-client.js'

export type SimOutcome = 'pay' | 'decline' | 'cancel'

/** What a simulated checkout did: the order it was for, and the provider's refusal if any. */
export interface SimResult { orderId: string, error?: { code: number | string, message: string } }

/** The order and amount a Payme checkout URL carries (amount in tiyin). */
export function readPaymeCheckout (url: string, merchantId: string): { orderId: string, amount: number } {
  let params: Record<string, string>
  try { params = parsePaymeCheckoutUrl(url) } catch { params = {} }
  const orderId = params['ac.order_id']
  const amount = Number(params.a)
  if (params.m !== merchantId || orderId === undefined || !/^[0-9]{1,18}$/.test(orderId) || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new DomainError('ERR_VALIDATION', 'The url is not a checkout URL of this sandbox\'s Payme.', { errors: [{ field: 'url', message: 'is not a Payme checkout URL of this sandbox' }] })
  }
  return { orderId, amount }
}

export interface PaymeSimulator {
  checkout(url: string, outcome: SimOutcome): Promise<SimResult>
  refund(orderId: string): Promise<SimResult>
}

interface RpcAnswer { result?: Record<string, unknown>, error?: { code: number, message: unknown } }

export function createPaymeSimulator (deps: { key: string, merchantId: string, clock: Clock, post: SelfPost }): PaymeSimulator {
  const performed = new Map<string, string>()
  let rpcId = 0
  const call = async (method: string, params: Record<string, unknown>): Promise<RpcAnswer> => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params })
    const res = await deps.post('/payments/payme', { 'content-type': 'application/json', authorization: paymeAuthHeader(deps.key) }, body)
    return JSON.parse(res.body) as RpcAnswer
  }
  const refused = (orderId: string, answer: RpcAnswer): SimResult => {
    const message = answer.error?.message
    const text = typeof message === 'string' ? message : typeof message === 'object' && message !== null ? String((message as { en?: unknown }).en ?? '') : ''
    return { orderId, error: { code: answer.error?.code ?? 0, message: text } }
  }

  return {
    async checkout (url, outcome) {
      const { orderId, amount } = readPaymeCheckout(url, deps.merchantId)
      const account = { order_id: orderId }
      const check = await call('CheckPerformTransaction', { amount, account })
      if (check.error !== undefined) return refused(orderId, check)
      if (outcome === 'cancel') return { orderId }
      // Payme's ids are 24 hex digits (a MongoDB ObjectId)
      const id = randomBytes(12).toString('hex')
      const created = await call('CreateTransaction', { id, time: deps.clock.now(), amount, account })
      if (created.error !== undefined) return refused(orderId, created)
      if (outcome === 'decline') {
        const cancelled = await call('CancelTransaction', { id, reason: 2 })
        return cancelled.error !== undefined ? refused(orderId, cancelled) : { orderId }
      }
      const perform = await call('PerformTransaction', { id })
      if (perform.error !== undefined) return refused(orderId, perform)
      performed.set(orderId, id)
      return { orderId }
    },
    async refund (orderId) {
      const id = performed.get(orderId)
      if (id === undefined) throw new DomainError('ERR_NOT_FOUND', `No Payme payment of order ${orderId} made through this sandbox.`)
      const cancelled = await call('CancelTransaction', { id, reason: 5 })
      return cancelled.error !== undefined ? refused(orderId, cancelled) : { orderId }
    }
  }
}

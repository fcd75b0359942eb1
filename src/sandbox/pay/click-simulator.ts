/**
 * Click's side of a sandbox payment (DESIGN.md "The sandbox", Outcomes): the SHOP API calls Click
 * makes to `/payments/click/prepare` and `/complete`, form-encoded and signed with `sign_string`
 * (specs/click.md §3). `pay`: prepare, then complete with `error = 0`; `decline`: prepare, then
 * complete with `error = -5017` (insufficient funds); `cancel`: nothing sent. `refund`: a
 * cancelling complete (`error = -5017`) of the confirmed payment.
 */
import { randomInt } from 'node:crypto'
import { clickSignString, type ClickSignFields } from '../../adapters/click/click-sign.js'
import type { Clock } from '../../domain/shared/clock.js'
import { DomainError } from '../../domain/shared/errors.js'
import type { SimOutcome, SimResult } from './payme-simulator.js'
import type { SelfPost } from './self-client.js'

/** Click's "insufficient funds" (its test suite's cancel code). */
export const CLICK_DECLINE_ERROR = -5017

/** Tashkent is UTC+5 all year: Click's `sign_time` is its local time. */
const TASHKENT_OFFSET_MS = 5 * 3_600_000

/** The order and amount (so'm with two decimals, as Click sends it) of a Click checkout URL. */
export function readClickCheckout (url: string, serviceId: string): { orderId: string, amount: string } {
  let query: URLSearchParams
  try { query = new URL(url).searchParams } catch { query = new URLSearchParams() }
  const orderId = query.get('transaction_param') ?? ''
  const amount = query.get('amount') ?? ''
  if (query.get('service_id') !== serviceId || !/^[0-9]{1,18}$/.test(orderId) || !/^[0-9]{1,15}\.[0-9]{2}$/.test(amount) || /^0+\.00$/.test(amount)) {
    throw new DomainError('ERR_VALIDATION', 'The url is not a checkout URL of this sandbox\'s Click.', { errors: [{ field: 'url', message: 'is not a Click checkout URL of this sandbox' }] })
  }
  return { orderId, amount }
}

interface ClickAnswer { error?: number, error_note?: string, merchant_prepare_id?: number | null }

interface ConfirmedPayment { clickTransId: string, paydocId: string, prepareId: string, amount: string }

export interface ClickSimulator {
  checkout(url: string, outcome: SimOutcome): Promise<SimResult>
  refund(orderId: string): Promise<SimResult>
}

const digits = (): string => String(randomInt(1_000_000_000, 9_999_999_999))

export function createClickSimulator (deps: { serviceId: string, secretKey: string, clock: Clock, post: SelfPost }): ClickSimulator {
  const confirmed = new Map<string, ConfirmedPayment>()
  const signTime = (): string => new Date(deps.clock.now() + TASHKENT_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ')
  const send = async (route: 'prepare' | 'complete', orderId: string, payment: Omit<ConfirmedPayment, 'prepareId'> & { prepareId?: string }, error: number): Promise<ClickAnswer> => {
    const fields: Record<string, string> & ClickSignFields = {
      click_trans_id: payment.clickTransId,
      service_id: deps.serviceId,
      click_paydoc_id: payment.paydocId,
      merchant_trans_id: orderId,
      amount: payment.amount,
      action: route === 'prepare' ? '0' : '1',
      error: String(error),
      error_note: error === 0 ? 'Success' : 'Insufficient funds',
      sign_time: signTime()
    }
    if (route === 'complete' && payment.prepareId !== undefined) fields.merchant_prepare_id = payment.prepareId
    fields.sign_string = clickSignString(fields, deps.secretKey)
    const res = await deps.post(`/payments/click/${route}`, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(fields).toString())
    return JSON.parse(res.body) as ClickAnswer
  }
  const refused = (orderId: string, answer: ClickAnswer): SimResult => ({ orderId, error: { code: answer.error ?? 0, message: answer.error_note ?? '' } })

  return {
    async checkout (url, outcome) {
      const { orderId, amount } = readClickCheckout(url, deps.serviceId)
      if (outcome === 'cancel') return { orderId }
      const payment = { clickTransId: digits(), paydocId: digits(), amount }
      const prepared = await send('prepare', orderId, payment, 0)
      if (prepared.error !== 0 || typeof prepared.merchant_prepare_id !== 'number') return refused(orderId, prepared)
      const prepareId = String(prepared.merchant_prepare_id)
      const completed = await send('complete', orderId, { ...payment, prepareId }, outcome === 'pay' ? 0 : CLICK_DECLINE_ERROR)
      if (outcome === 'decline') return { orderId }
      if (completed.error !== 0) return refused(orderId, completed)
      confirmed.set(orderId, { ...payment, prepareId })
      return { orderId }
    },
    async refund (orderId) {
      const payment = confirmed.get(orderId)
      if (payment === undefined) throw new DomainError('ERR_NOT_FOUND', `No Click payment of order ${orderId} made through this sandbox.`)
      // Click answers a cancel of a confirmed payment with -9; the app flags the order
      await send('complete', orderId, payment, CLICK_DECLINE_ERROR)
      confirmed.delete(orderId)
      return { orderId }
    }
  }
}

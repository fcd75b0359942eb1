/**
 * Stripe on the ledger (the {@link StripeLedger} port of usecases/stripe-payments.ts; refunds
 * and disputes: stripe-refunds.ts). Every method is one transaction that locks the order first,
 * then the Stripe rows, so concurrent webhooks, pay-link clicks and jobs change an order exactly
 * once (STYLE R4, R6). Stripe's own rows (Checkout Sessions and PaymentIntents as attempts) are
 * kept here; a payment's effect on its order goes through {@link applyPaymentEvent}: a succeeded
 * PaymentIntent is `captured` (`pay`; `late` for an order no longer payable: refunded
 * automatically; `mismatch`: flagged), a failed one or an abandoned session `failed`.
 *
 * @example
 * const ledger = createStripeLedger({ store: createPaymentStore(db), isUniqueViolation })
 * const outcome = await ledger.applyEvent(translateStripeEvent(event), clock.now())
 */
import { payStatus } from '../../domain/orders/hold.js'
import type { Order } from '../../domain/orders/order.js'
import { canReplayCreate, canReuseSession, checkoutExpiresAt } from '../../domain/payments/stripe-checkout.js'
import { DomainError } from '../../domain/shared/errors.js'
import { isOrderId } from '../../domain/shared/ids.js'
import { formatMoney, type Money } from '../../domain/shared/money.js'
import type { CardFailure } from '../ports-notifier.js'
import type { CardError, StripeAttempt, StripeEventOutcome, StripeLedger, StripeWebhookEvent } from '../ports-stripe.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import type { PaymentStore, PaymentTx } from './ports.js'
import { applyDispute, applyRefundStatus, outcome, STRIPE, stripeRefundMethods } from './stripe-refunds.js'

/** Payable by Stripe: pending and not held by a live Payme/Click transaction (an open Stripe session keeps it from expiring). */
async function isPayableByStripe (tx: PaymentTx, order: Order, now: number, checkExpiry: boolean): Promise<boolean> {
  if (order.state !== 'pending') return false
  const status = payStatus(order, await tx.holdCandidates(order.id), now)
  return status === 'payable' || (!checkExpiry && status === 'expired')
}

/** What the customer is told about a failed card payment (Stripe's code, then its decline code). */
function cardFailureOf (error: CardError | null): CardFailure {
  const codes = [error?.code, error?.declineCode]
  if (codes.includes('insufficient_funds')) return 'insufficient_funds'
  if (codes.includes('expired_card')) return 'expired_card'
  return 'declined'
}

interface PaymentInput { orderId: string | null, paymentIntentId: string, amount: Money, at: number, now: number, viaCheckout: boolean }

/**
 * Records a succeeded PaymentIntent once (a second signal for it is a no-op) and applies it as
 * `captured`: it pays a payable order, flags an amount mismatch, and starts an automatic refund
 * for an order no longer payable (paid by another provider or attempt, expired, cancelled).
 */
async function recordPayment (tx: PaymentTx, input: PaymentInput): Promise<StripeEventOutcome> {
  const order = await tx.lockOrder(input.orderId)
  if (order === null) return outcome(`unknown order ${String(input.orderId)} for ${input.paymentIntentId}`)
  if (await tx.payment(STRIPE, input.paymentIntentId, true) !== undefined) return outcome(`payment ${input.paymentIntentId} already recorded`)
  const payment = await tx.insertPayment({
    orderId: order.id, provider: STRIPE, providerId: input.paymentIntentId, state: 'succeeded', amount: input.amount.amount, currency: input.amount.currency, performedAt: input.at, createdAt: input.now
  }, input.now)
  await tx.updateAttempts({ orderId: order.id, paymentIntentId: input.paymentIntentId }, { status: 'complete' }, input.now)
  const ref = `Stripe payment ${input.paymentIntentId} of ${formatMoney(input.amount, 'en')}`
  const mismatch = input.amount.amount !== order.total.amount || input.amount.currency !== order.total.currency
  // a checkout payment is judged by state (the open session kept the order from expiring);
  // a direct PaymentIntent by the expiry rule at the moment it succeeded
  const payable = !mismatch && await isPayableByStripe(tx, order, input.viaCheckout ? input.now : input.at, !input.viaCheckout)
  const effect = await applyPaymentEvent(tx, order, {
    type: 'captured',
    provider: STRIPE,
    orderId: order.id,
    transactionId: payment.id,
    amount: input.amount,
    verdict: mismatch ? 'mismatch' : payable ? 'pay' : 'late',
    mismatch: { kind: 'flag', note: `${ref} does not match order ${order.id} (total ${formatMoney(order.total, 'en')}); it was not fulfilled. Check it in the Stripe Dashboard.` },
    late: {
      kind: 'refund',
      topic: null,
      reason: `order ${order.state} when the payment landed`,
      notice: `${ref} landed for order ${order.id}, which is ${order.state} and no longer payable by it; Bozor is refunding it automatically (refund {refundId}).`
    }
  }, input.now)
  if (mismatch) return outcome('amount mismatch')
  return effect.refundId === undefined ? outcome('paid') : outcome('refund started', [effect.refundId])
}

/** A session or PaymentIntent that ended unpaid: the customer hears of it while the order can still be paid. */
async function applyFailure (tx: PaymentTx, order: Order, notice: Extract<Parameters<typeof applyPaymentEvent>[2], { type: 'failed' }>['notice'], ref: string, now: number): Promise<void> {
  await applyPaymentEvent(tx, order, { type: 'failed', provider: STRIPE, orderId: order.id, transactionId: ref, notice }, now)
}

async function applyTyped (t: PaymentTx, event: StripeWebhookEvent, now: number): Promise<StripeEventOutcome> {
  switch (event.type) {
    case 'checkout.completed': {
      const order = await t.lockOrder(event.orderId)
      if (!event.paid || event.paymentIntentId === null || event.amount === null) {
        if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
        await t.updateAttempts({ sessionId: event.sessionId, statuses: ['creating', 'open'] }, { status: 'complete', paymentIntentId: event.paymentIntentId }, now)
        return outcome('completed unpaid: waiting for the delayed payment')
      }
      if (order !== null) await t.updateAttempts({ sessionId: event.sessionId }, { status: 'complete', paymentIntentId: event.paymentIntentId }, now)
      return await recordPayment(t, { orderId: event.orderId, paymentIntentId: event.paymentIntentId, amount: event.amount, at: event.at, now, viaCheckout: true })
    }
    case 'intent.succeeded': {
      const order = await t.lockOrder(event.orderId)
      const viaSession = order === null ? [] : await t.attempts({ orderId: order.id, kind: 'checkout', statuses: ['creating', 'open', 'complete'] })
      const direct = order === null ? [] : await t.attempts({ paymentIntentId: event.paymentIntentId, kind: 'payment_intent' })
      return await recordPayment(t, { orderId: event.orderId, paymentIntentId: event.paymentIntentId, amount: event.amount, at: event.at, now, viaCheckout: viaSession.length > 0 && direct.length === 0 })
    }
    case 'checkout.async_failed':
    case 'checkout.expired': {
      const order = await t.lockOrder(event.orderId)
      if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
      const status = event.type === 'checkout.expired' ? 'expired' : 'failed'
      const changed = await t.updateAttempts({ sessionId: event.sessionId, statuses: ['creating', 'open', 'complete'] }, { status, url: null }, now)
      if (order.state !== 'pending' || changed.length === 0) return outcome(`session ${event.sessionId} ${status}; order ${order.state}`)
      const live = await t.attempts({ orderId: order.id, statuses: ['creating', 'open'] })
      await applyFailure(t, order, live.length === 0 ? { kind: 'payment.not_completed' } : null, event.sessionId, now)
      return outcome(`session ${event.sessionId} ${status}; order stays pending`)
    }
    case 'intent.failed': {
      const order = await t.lockOrder(event.orderId)
      if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
      await t.updateAttempts({ paymentIntentId: event.paymentIntentId }, { lastError: event.error === null ? { code: 'unknown' } : { ...event.error } }, now)
      await applyFailure(t, order, { kind: 'payment.failed', reason: cardFailureOf(event.error) }, event.paymentIntentId, now)
      return outcome(`payment ${event.paymentIntentId} failed (${event.error?.code ?? 'unknown'}); order stays ${order.state}`)
    }
    case 'charge.refunded': {
      const order = await t.lockOrder(event.orderId)
      if (order === null || event.paymentIntentId === null) return outcome(`unknown order ${String(event.orderId)} for a refund`)
      const payment = await t.payment(STRIPE, event.paymentIntentId, true)
      if (payment === undefined) return outcome(`refund of unknown payment ${event.paymentIntentId}`)
      const known = (await t.refunds({ transactionId: payment.id, states: ['pending', 'succeeded'] })).reduce((sum, r) => sum + r.amount, 0)
      const delta = Math.min(event.amountRefunded.amount - known, payment.amount - payment.refundedAmount)
      if (delta <= 0) return outcome('refund already known')
      await applyPaymentEvent(t, order, {
        type: 'refunded', provider: STRIPE, orderId: order.id, transactionId: payment.id, amount: delta, origin: 'external', reason: 'refunded outside Bozor (Stripe Dashboard)'
      }, now)
      return outcome('external refund recorded')
    }
    case 'refund.status':
      return await applyRefundStatus(t, event, now)
    case 'dispute.created':
    case 'dispute.closed':
      return await applyDispute(t, event, now)
    case 'ignored':
      return outcome(`ignored ${event.eventType}`)
  }
}

async function assertPayable (t: PaymentTx, order: Order, now: number): Promise<void> {
  const status = payStatus(order, await t.holdCandidates(order.id), now)
  if (status === 'payable') return
  if (status === 'expired') throw new DomainError('ERR_ORDER_EXPIRED', `Order ${order.id} has expired`, { orderId: order.id })
  if (status === 'held') throw new DomainError('ERR_ORDER_HELD', `Order ${order.id} is being paid through another provider`, { orderId: order.id })
  throw new DomainError('ERR_ORDER_STATE', `Order ${order.id} is ${order.state}; only a pending order can be paid`, { orderId: order.id, state: order.state })
}

function notFound (orderId: string): Error {
  return new DomainError('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
}

async function newAttempt (t: PaymentTx, orderId: string, kind: StripeAttempt['kind'], previous: number, now: number, expiresAt: number | null): Promise<StripeAttempt> {
  const attempt = previous + 1
  const idempotencyKey = kind === 'checkout' ? `checkout:${orderId}:${attempt}` : `pi:${orderId}:${attempt}`
  return await t.insertAttempt({ orderId, kind, attempt, idempotencyKey, expiresAt }, now)
}

export interface StripeLedgerDeps {
  store: PaymentStore
  isUniqueViolation: (error: unknown) => boolean
}

export function createStripeLedger ({ store, isUniqueViolation }: StripeLedgerDeps): StripeLedger {
  async function applyEventOnce (event: StripeWebhookEvent, now: number): Promise<StripeEventOutcome> {
    return await store.transaction(async (t) => {
      const first = await t.recordProviderEvent(STRIPE, event.eventId, { type: event.type, orderId: 'orderId' in event ? event.orderId : null }, now)
      if (!first) return { duplicate: true, note: 'duplicate event', refundsToSend: [] }
      const result = await applyTyped(t, event, now)
      await t.setProviderEventResult(STRIPE, event.eventId, { note: result.note })
      return result
    })
  }

  return {
    async beginCheckout ({ orderId, now }) {
      return await store.transaction(async (t) => {
        const order = await t.lockOrder(orderId)
        if (order === null) return { kind: 'refuse', status: 'unknown' }
        const status = payStatus(order, await t.holdCandidates(order.id), now)
        if (status !== 'payable') return { kind: 'refuse', status }
        const last = await t.latestAttempt(order.id, 'checkout')
        const expires = last?.expiresAt ?? 0
        if (last !== undefined && last.status === 'open' && last.url !== null && canReuseSession(expires, now)) return { kind: 'reuse', url: last.url }
        if (last !== undefined && last.status === 'creating' && canReplayCreate(expires, now)) {
          return { kind: 'create', attempt: last, order, titles: await t.itemTitles(order.id) }
        }
        // an earlier attempt that may exist at Stripe but cannot be replayed any more stays
        // as it is; a payment through it still lands on this order (or is refunded)
        if (last?.status === 'creating') await t.updateAttempts({ id: last.id }, { status: 'failed', lastError: { code: 'abandoned' } }, now)
        const row = await newAttempt(t, order.id, 'checkout', last?.attempt ?? 0, now, checkoutExpiresAt(order.expiresAt, now))
        return { kind: 'create', attempt: row, order, titles: await t.itemTitles(order.id) }
      })
    },

    async checkoutCreated (attemptId, session, now) {
      await store.transaction(async (t) => {
        const row = await t.attemptById(attemptId, true)
        if (row === undefined) return
        // a webhook may have moved it on already
        const status = row.status === 'creating' || row.status === 'open' ? session.status : row.status
        await t.updateAttempts({ id: attemptId }, { status, sessionId: session.id, url: session.url, paymentIntentId: row.paymentIntentId ?? session.paymentIntentId, expiresAt: session.expiresAt }, now)
      })
    },

    async attemptFailed (attemptId, error, now) {
      await store.direct.updateAttempts({ id: attemptId, statuses: ['creating', 'open'] }, { status: 'failed', lastError: error }, now)
    },

    async attemptStatus (attemptId, status, now) {
      await store.direct.updateAttempts({ id: attemptId }, { status }, now)
    },

    async beginPaymentIntent ({ orderId, now, forceNew }) {
      return await store.transaction(async (t) => {
        const order = await t.lockOrder(orderId)
        if (order === null) throw notFound(orderId)
        const last = await t.latestAttempt(order.id, 'payment_intent')
        if (last !== undefined && forceNew !== true && (last.status === 'open' || last.status === 'complete') && last.paymentIntentId !== null) return { kind: 'reuse', attempt: last }
        await assertPayable(t, order, now)
        if (last !== undefined && forceNew !== true && last.status === 'creating') return { kind: 'create', attempt: last, order }
        if (last !== undefined && last.status !== 'failed' && last.status !== 'expired') await t.updateAttempts({ id: last.id }, { status: 'expired' }, now)
        const row = await newAttempt(t, order.id, 'payment_intent', last?.attempt ?? 0, now, null)
        return { kind: 'create', attempt: row, order }
      })
    },

    async intentCreated (attemptId, paymentIntentId, now) {
      await store.direct.updateAttempts({ id: attemptId, statuses: ['creating'] }, { status: 'open', paymentIntentId }, now)
    },

    async latestPaymentIntent (orderId) {
      if (!isOrderId(orderId)) return undefined
      const rows = await store.direct.attempts({ orderId, kind: 'payment_intent' })
      return rows.reduce<StripeAttempt | undefined>((latest, row) => latest === undefined || row.attempt > latest.attempt ? row : latest, undefined)
    },

    async applyEvent (event, now) {
      try {
        return await applyEventOnce(event, now)
      } catch (error) {
        // a concurrent first delivery of the same event committed between our insert and its
        // conflict check: this one is a repeat
        if (isUniqueViolation(error)) return { duplicate: true, note: 'duplicate event', refundsToSend: [] }
        throw error
      }
    },

    async recordCheckoutPayment (input) {
      return await store.transaction(async (t) => await recordPayment(t, { orderId: input.orderId, paymentIntentId: input.paymentIntentId, amount: input.amount, at: input.now, now: input.now, viaCheckout: true }))
    },

    async liveCheckoutsDue (now) {
      const result = []
      for (const attempt of await store.direct.liveCheckoutsDue(now, 100)) {
        const order = await store.direct.readOrder(attempt.orderId)
        if (order !== null) result.push({ attempt, order, titles: await store.direct.itemTitles(attempt.orderId) })
      }
      return result
    },

    ...stripeRefundMethods(store)
  }
}

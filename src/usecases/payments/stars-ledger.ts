/**
 * Telegram Stars on the ledger (specs/telegram.md §6, checklist 30–35): the bot's
 * {@link StarsPayments} port and the automatic refunds' {@link StarsRefundStore}. A
 * `successful_payment` is recorded once by its `telegram_payment_charge_id` (a `provider_event`
 * row and the payment's unique provider id) and goes through {@link applyPaymentEvent} as
 * `captured`: the order becomes paid in the same transaction, or — for an order that can no longer
 * take it — a pending `auto` refund and its `stars.refund` outbox row are written with it, so a
 * crash before the refund is sent delays it, never loses it (decision 0014). A refund of a charge
 * (ours, an admin's, or Telegram's `refunded_payment`) is `refunded`.
 *
 * @example
 * const stars = createStarsLedger(createPaymentStore(db))
 * await stars.recordPayment({ orderId: '1042', chargeId, amount: 150, currency: 'XTR', telegramId: 42, now, raw })
 */
import { findHold } from '../../domain/orders/hold.js'
import type { Order } from '../../domain/orders/order.js'
import { starsRefusal } from '../../domain/payments/stars-payment.js'
import type { StarsPaymentOutcome, StarsPayments } from '../bot-ports.js'
import type { StarsRefundStore } from '../stars-refund.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import type { PaymentStore, PaymentTx } from './ports.js'

const STARS = 'stars'

/** Records a refund of `chargeId` whole; a charge refunded already changes nothing. */
async function refundCharge (tx: PaymentTx, input: { chargeId: string, now: number, reason: string, origin: 'admin' | 'external' | 'auto', refundId?: string }): Promise<void> {
  const peek = await tx.payment(STARS, input.chargeId)
  if (peek === undefined) return
  const order = await tx.lockOrder(peek.orderId)
  const payment = await tx.payment(STARS, input.chargeId, true)
  if (payment === undefined || payment.state === 'refunded') {
    // Telegram's refunded_payment came first and settled it: our refund is done too
    if (input.refundId !== undefined && (await tx.refundById(input.refundId))?.state === 'pending') await tx.updateRefund(input.refundId, { state: 'succeeded', lastError: null, updatedAt: input.now })
    return
  }
  if (order !== null) {
    await applyPaymentEvent(tx, order, {
      type: 'refunded',
      provider: STARS,
      orderId: order.id,
      transactionId: payment.id,
      amount: payment.amount,
      origin: input.origin,
      reason: input.reason,
      ...(input.refundId !== undefined ? { refundId: input.refundId } : {}),
      // the customer hears of an automatic refund from its outbox row (jobs/stars-refund.ts)
      notifyUncounted: false,
      settlesPending: true
    }, input.now)
  }
  await tx.updatePayment(payment.id, { state: 'refunded', refundedAmount: payment.amount, cancelledAt: input.now, updatedAt: input.now })
}

/** The charge of the Stars payment that paid the order (not an extra one refunded automatically). */
async function payingCharge (tx: PaymentTx, orderId: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(orderId) || await tx.paidBy(orderId) !== STARS) return undefined
  const autos = new Set((await tx.refunds({ orderId, origin: 'auto' })).map((r) => r.transactionId))
  return (await tx.payments(orderId, STARS, 'succeeded')).find((p) => !autos.has(p.id))?.providerId
}

export function createStarsLedger (store: PaymentStore): StarsPayments {
  return {
    order: async (orderId) => (await store.direct.readOrder(orderId)) ?? undefined,

    async recordPayment (input): Promise<StarsPaymentOutcome> {
      return await store.transaction(async (tx) => {
        if (!await tx.recordProviderEvent(STARS, input.chargeId, input.raw, input.now)) return { outcome: 'duplicate' as const }
        const order = await tx.lockOrder(input.orderId)
        if (order === null) {
          // nothing in the ledger to settle: the outbox row alone refunds it and tells the customer
          await tx.enqueue('stars.refund', { orderId: input.orderId, chargeId: input.chargeId, telegramId: input.telegramId, amount: input.amount }, input.now)
          return { outcome: 'late' as const, reason: `no order ${input.orderId}` }
        }
        let refusal: string | undefined = starsRefusal(order, input, input.now)
        if (refusal === undefined) {
          // a Payme or Click payment in progress holds the order: the Stars payment is the extra one
          const hold = findHold(await tx.holdCandidates(order.id), input.now)
          if (hold !== undefined) refusal = `held by ${hold.provider}`
        }
        const payment = await tx.insertPayment({
          orderId: order.id, provider: STARS, providerId: input.chargeId, state: 'succeeded', amount: input.amount, currency: 'XTR', raw: input.raw, createdAt: input.now, performedAt: input.now
        }, input.now)
        const effect = await applyPaymentEvent(tx, order, {
          type: 'captured',
          provider: STARS,
          orderId: order.id,
          transactionId: payment.id,
          amount: { amount: input.amount, currency: 'XTR' },
          verdict: refusal === undefined ? 'pay' : 'late',
          late: { kind: 'refund', topic: 'stars.refund', payload: { chargeId: input.chargeId, telegramId: input.telegramId, amount: input.amount }, reason: `automatic refund: ${refusal ?? ''}` }
        }, input.now)
        return refusal === undefined ? { outcome: 'paid' as const, order: effect.order } : { outcome: 'late' as const, reason: refusal, order }
      })
    },

    async recordRefund (input) {
      await store.transaction(async (tx) => { await refundCharge(tx, { ...input, origin: input.origin ?? 'external' }) })
    },

    payingCharge: async (orderId) => await payingCharge(store.direct, orderId)
  }
}

/** Locks the refund's order, then the refund; undefined unless the refund is still pending. */
async function lockPending (tx: PaymentTx, refundId: string): Promise<{ order: Order, chargeId: string, transactionId: string, reason: string } | undefined> {
  const peek = await tx.refundById(refundId)
  if (peek === undefined || peek.provider !== STARS) return undefined
  const order = await tx.lockOrder(peek.orderId)
  const refund = await tx.refundById(refundId, true)
  const payment = refund === undefined ? undefined : await tx.paymentById(refund.transactionId)
  if (order === null || refund === undefined || payment === undefined || refund.state !== 'pending') return undefined
  return { order, chargeId: payment.providerId, transactionId: payment.id, reason: refund.reason ?? 'automatic refund' }
}

/**
 * The automatic Stars refunds' store for the `stars.refund` outbox handler; `txOf` opens the
 * payment operations on the outbox step's own transaction.
 */
export function createStarsRefundStore<Tx> (store: PaymentStore, txOf: (tx: Tx) => PaymentTx): StarsRefundStore<Tx> {
  return {
    async refund (refundId) {
      const refund = await store.direct.refundById(refundId)
      if (refund === undefined || refund.provider !== STARS) return undefined
      const payment = await store.direct.paymentById(refund.transactionId)
      const order = await store.direct.readOrder(refund.orderId)
      if (payment === undefined || order === null) return undefined
      return {
        state: refund.state,
        refundId: refund.id,
        orderId: refund.orderId,
        chargeId: payment.providerId,
        telegramId: order.customer.telegramId,
        amount: { amount: refund.amount, currency: refund.currency }
      }
    },

    async refundSucceeded (stepTx, refundId, now) {
      const tx = txOf(stepTx)
      const locked = await lockPending(tx, refundId)
      if (locked === undefined) return
      await refundCharge(tx, { chargeId: locked.chargeId, now, reason: locked.reason, origin: 'auto', refundId })
    },

    async refundFailed (stepTx, refundId, failure, now) {
      const tx = txOf(stepTx)
      const locked = await lockPending(tx, refundId)
      if (locked === undefined) return
      await applyPaymentEvent(tx, locked.order, {
        type: 'refund_failed',
        provider: STARS,
        orderId: locked.order.id,
        transactionId: locked.transactionId,
        refundId,
        error: { ...failure },
        ref: `Stars refund ${refundId}`,
        why: failure.message,
        note: `Order #${locked.order.id}: a Telegram Stars payment (${locked.chargeId}) arrived for an order that could not take it and its automatic refund failed (${failure.message}). Refund it by hand.`
      }, now)
    }
  }
}

/**
 * Click reversals on the ledger (the {@link ClickReversalLedger} port of
 * usecases/click-reversal.ts): `payment_refund` rows of provider `click`, written before the
 * Merchant API call. Every change locks the order first, then the refund row, so a reversal is
 * recorded once however often its outbox row or the admin request runs. Settling goes through
 * {@link applyPaymentEvent}: a reversal Click made is `refunded` (an admin one refunds the order;
 * an automatic one, of a payment the order could not take, tells the customer), a refused one
 * `refund_failed` (an automatic one flags the order).
 *
 * @example
 * const ledger = createClickRefundLedger(createPaymentStore(db))
 * const refundId = await ledger.beginReversal({ orderId: '1042', amount: 12_500_000, reason: 'customer asked', now })
 */
import { refundableAmount } from '../../domain/orders/order-state.js'
import type { Order } from '../../domain/orders/order.js'
import { DomainError } from '../../domain/shared/errors.js'
import { formatMoney } from '../../domain/shared/money.js'
import type { ClickReversalLedger } from '../click-reversal.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import type { PaymentRecord, PaymentStore, PaymentTx, RefundRecord } from './ports.js'

const CLICK = 'click'

/** Locks the refund's order, then the refund row, then its payment; undefined when one is missing. */
async function lockRefund (tx: PaymentTx, refundId: string): Promise<{ order: Order, refund: RefundRecord, payment: PaymentRecord } | undefined> {
  const peek = await tx.refundById(refundId)
  if (peek === undefined || peek.provider !== CLICK) return undefined
  const order = await tx.lockOrder(peek.orderId)
  const refund = await tx.refundById(refundId, true)
  if (order === null || refund === undefined) return undefined
  const payment = await tx.paymentById(refund.transactionId, true)
  return payment === undefined ? undefined : { order, refund, payment }
}

function notRefundable (order: Order, why: string): DomainError {
  return new DomainError('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has ${why}`, { orderId: order.id, state: order.state })
}

export function createClickRefundLedger (store: PaymentStore): ClickReversalLedger {
  return {
    async beginReversal ({ orderId, amount, reason, now }) {
      return await store.transaction(async (tx) => {
        const order = await tx.lockOrder(orderId)
        if (order === null) throw new DomainError('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
        const [pending] = await tx.refunds({ orderId: order.id, provider: CLICK, origin: 'admin', states: ['pending'] }, true)
        if (pending !== undefined) return pending.id
        const left = refundableAmount(order)
        if (left <= 0) throw notRefundable(order, 'nothing left to refund')
        const autos = new Set((await tx.refunds({ orderId: order.id, origin: 'auto' })).map((r) => r.transactionId))
        const paying = (await tx.payments(order.id, CLICK, 'succeeded')).find((p) => !autos.has(p.id))
        if (paying === undefined) throw notRefundable(order, 'no Click payment left to reverse')
        const whole = paying.amount - paying.refundedAmount
        if (paying.refundedAmount > 0 || amount !== whole || amount !== left) {
          throw new DomainError('ERR_REFUND_UNSUPPORTED',
            `Click reverses payment ${paying.clickPaydocId ?? paying.id} only whole (${paying.amount}); refund ${amount} of order ${order.id} in the Click merchant cabinet. The ledger is unchanged`,
            { orderId: order.id, provider: CLICK, refundable: left })
        }
        const refund = await tx.insertRefund({ orderId: order.id, transactionId: paying.id, provider: CLICK, origin: 'admin', state: 'pending', amount, currency: paying.currency, reason }, now)
        return refund.id
      })
    },

    async reversalToSend (refundId) {
      const refund = await store.direct.refundById(refundId)
      if (refund === undefined || refund.provider !== CLICK || refund.state !== 'pending') return undefined
      const payment = await store.direct.paymentById(refund.transactionId)
      if (payment === undefined) return undefined
      return {
        id: refund.id,
        orderId: refund.orderId,
        paymentId: payment.clickPaydocId ?? '',
        amount: { amount: refund.amount, currency: refund.currency },
        origin: refund.origin === 'admin' ? 'admin' : 'auto'
      }
    },

    async reversalSucceeded (refundId, clickPaymentId, now) {
      await store.transaction(async (tx) => {
        const locked = await lockRefund(tx, refundId)
        if (locked === undefined || locked.refund.state !== 'pending') return
        const { order, refund, payment } = locked
        await applyPaymentEvent(tx, order, {
          type: 'refunded',
          provider: CLICK,
          orderId: order.id,
          transactionId: payment.id,
          amount: refund.amount,
          origin: refund.origin,
          reason: refund.reason ?? 'reversed through Click',
          refundId: refund.id,
          providerRefundId: clickPaymentId
        }, now)
      })
    },

    async reversalFailed (refundId, failure, now) {
      await store.transaction(async (tx) => {
        const locked = await lockRefund(tx, refundId)
        if (locked === undefined || locked.refund.state !== 'pending') return
        const { order, refund, payment } = locked
        const amount = formatMoney({ amount: refund.amount, currency: refund.currency }, 'en')
        await applyPaymentEvent(tx, order, {
          type: 'refund_failed',
          provider: CLICK,
          orderId: order.id,
          transactionId: payment.id,
          refundId: refund.id,
          error: { ...failure },
          ref: `Click reversal ${refund.id} of ${amount}`,
          why: failure.message,
          note: refund.origin !== 'auto'
            ? null
            : `Bozor could not reverse Click payment ${payment.clickPaydocId ?? payment.id} of ${amount} (refund ${refund.id}), confirmed for order ${order.id} which is ${order.state}: ${failure.message}. Refund it to the customer in the Click merchant cabinet (if an earlier attempt got no answer, check there first whether it was reversed).`
        }, now)
      })
    }
  }
}

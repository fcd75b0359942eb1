/**
 * Click's SHOP API on the ledger (the {@link ClickLedger} port that
 * adapters/click/handle-click-request.ts calls after the form and its signature were checked).
 * Each call is one transaction: the order is locked first, then the attempt's row; the pure
 * deciders of domain/payments/click-decisions.ts plan; the attempt row is kept here, and the
 * order's side goes through {@link applyPaymentEvent}: Prepare → `hold`; Complete with
 * `error = 0` → `captured` (`pay`, or `late` for an order no longer payable: reversed
 * automatically through the Merchant API when CLICK_MERCHANT_USER_ID is set, otherwise flagged
 * for the merchant); Complete with an error → `released`; Click cancelling a confirmed payment →
 * `reversal` (the order keeps its state and is flagged). Attempts are unique by
 * `<click_trans_id>:<order_id>`.
 *
 * @example
 * const ledger = createClickLedger({ store: createPaymentStore(db), isUniqueViolation, autoReverse: true })
 * await handleClickRequest(form, { ledger, serviceId, secretKey, clock })
 */
import {
  clickOutcome, decideClickComplete, decideClickPrepare, type ClickOutcome
} from '../../domain/payments/click-decisions.js'
import type { ClickLedger } from '../../domain/payments/click-ledger.js'
import { clickStatusOf, clickTransactionState, type ClickPaymentRecord } from '../../domain/payments/click-payment.js'
import type { PaymentEvent } from '../../domain/payments/payment.js'
import { formatMoney } from '../../domain/shared/money.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import { auditedOutcome, type AuditInTx, type PaymentRecord, type PaymentStore, type PaymentTx } from './ports.js'

const CLICK = 'click'

/** A Click attempt's provider id: attempts are keyed by (click_trans_id, order). */
export function clickAttemptKey (clickTransId: string, orderId: string): string {
  return `${clickTransId}:${orderId}`
}

/** A stored Click payment as Click's record (`prepareId` is the row's `seq`). */
export function toClickRecord (row: PaymentRecord): ClickPaymentRecord {
  return {
    prepareId: row.seq,
    clickTransId: row.providerId.split(':')[0] ?? '',
    clickPaydocId: row.clickPaydocId ?? '',
    orderId: row.orderId,
    amount: row.amount,
    rawAmount: row.rawAmount ?? '',
    status: clickStatusOf(row),
    preparedAt: row.createdAt,
    confirmedAt: row.performedAt,
    cancelledAt: row.cancelledAt,
    cancelledAfterConfirm: row.cancelledAfterConfirmAt !== null
  }
}

async function saveRecord (tx: PaymentTx, row: PaymentRecord, record: ClickPaymentRecord, now: number): Promise<void> {
  await tx.updatePayment(row.id, {
    state: clickTransactionState(record.status),
    performedAt: record.confirmedAt,
    cancelledAt: record.cancelledAt,
    cancelledAfterConfirmAt: record.cancelledAfterConfirm ? now : null,
    updatedAt: now
  })
}

export interface ClickLedgerDeps {
  store: PaymentStore
  isUniqueViolation: (error: unknown) => boolean
  /** Reverse a payment confirmed for an order no longer payable through the Merchant API [false: flag it]. */
  autoReverse?: boolean
}

/**
 * The {@link ClickLedger} whose calls also take the call's audit row, written in their own
 * transaction (one commit per call; issue 18).
 */
export interface AuditedClickLedger extends ClickLedger {
  prepare(input: Parameters<ClickLedger['prepare']>[0], audit?: AuditInTx<ClickOutcome>): Promise<ClickOutcome>
  complete(input: Parameters<ClickLedger['complete']>[0], audit?: AuditInTx<ClickOutcome>): Promise<ClickOutcome>
}

export function createClickLedger ({ store, isUniqueViolation, autoReverse = false }: ClickLedgerDeps): AuditedClickLedger {
  async function prepareOnce (input: Parameters<ClickLedger['prepare']>[0], audit: AuditInTx<ClickOutcome> | undefined): Promise<ClickOutcome> {
    return await store.transaction(async (tx) => await auditedOutcome(tx, await prepareIn(tx, input), audit))
  }

  async function prepareIn (tx: PaymentTx, input: Parameters<ClickLedger['prepare']>[0]): Promise<ClickOutcome> {
    const order = await tx.lockOrder(input.orderId)
    const key = clickAttemptKey(input.clickTransId, input.orderId)
    const row = order === null ? undefined : await tx.payment(CLICK, key, true)
    const attempt = row === undefined ? null : toClickRecord(row)
    const others = await tx.holdCandidates(input.orderId, row?.id)
    const plan = decideClickPrepare({ input, order, attempt, others })
    if (plan.kind === 'cancel' && row !== undefined) await saveRecord(tx, row, plan.record, input.now)
    if (plan.kind !== 'insert' || order === null) return clickOutcome(plan)
    const inserted = await tx.insertPayment({
      orderId: order.id,
      provider: CLICK,
      providerId: key,
      state: 'pending',
      amount: plan.draft.amount,
      currency: order.total.currency,
      clickPaydocId: plan.draft.clickPaydocId,
      rawAmount: plan.draft.rawAmount,
      createdAt: input.now
    }, input.now)
    await applyPaymentEvent(tx, order, { type: 'hold', provider: CLICK, orderId: order.id, transactionId: inserted.id, amount: { amount: inserted.amount, currency: inserted.currency } }, input.now)
    return clickOutcome(plan, toClickRecord(inserted))
  }

  async function completeIn (tx: PaymentTx, input: Parameters<ClickLedger['complete']>[0]): Promise<ClickOutcome> {
    const order = await tx.lockOrder(input.orderId)
    const row = order === null ? undefined : await tx.paymentBySeq(CLICK, input.prepareId)
    const record = row === undefined ? null : toClickRecord(row)
    const others = await tx.holdCandidates(input.orderId, row?.id)
    const plan = decideClickComplete({ input, order, record, others })
    if (plan.kind === 'refuse' || order === null || row === undefined) return clickOutcome(plan)
    // Click cancelling a payment we reversed already: answered as cancelled, nothing changes
    if (plan.kind === 'cancel_confirmed' && row.state === 'refunded') return clickOutcome(plan)
    await saveRecord(tx, row, plan.record, input.now)
    const ref = `Click payment ${plan.record.clickTransId} (paydoc ${plan.record.clickPaydocId}, merchant_prepare_id ${plan.record.prepareId})`
    const base = { provider: CLICK, orderId: order.id, transactionId: row.id } as const
    const amount = { amount: row.amount, currency: row.currency }
    let event: PaymentEvent
    if (plan.kind === 'confirm') {
      event = {
        ...base,
        type: 'captured',
        amount,
        verdict: plan.orderEffect === 'pay' ? 'pay' : 'late',
        late: autoReverse
          ? {
              kind: 'refund',
              topic: 'click.reverse',
              reason: `order ${order.state} when the payment landed`,
              notice: `${ref} of ${formatMoney(amount, 'en')} was confirmed for order ${order.id}, which is ${order.state} and no longer payable by it; Bozor is reversing it automatically through Click (refund {refundId}).`
            }
          : { kind: 'flag', note: `${ref} was confirmed for order ${order.id}, which is ${order.state} and no longer payable by it. Reverse the payment in the Click merchant cabinet (payment/reversal).` }
      }
    } else if (plan.kind === 'cancel_confirmed') {
      event = { ...base, type: 'reversal', note: `Click cancelled ${ref} after it was confirmed; order ${order.id} stays ${order.state}. Check whether the goods must be taken back.` }
    } else {
      event = { ...base, type: 'released', reason: `Click Complete with error ${input.clickError}`, failure: input.clickError === -5017 ? 'insufficient_funds' : `click_error_${String(input.clickError)}` }
    }
    await applyPaymentEvent(tx, order, event, input.now)
    return clickOutcome(plan)
  }

  return {
    async prepare (input, audit) {
      try {
        return await prepareOnce(input, audit)
      } catch (error) {
        // a concurrent repeat of the same attempt inserted first: answer as a repeat
        if (!isUniqueViolation(error)) throw error
        return await prepareOnce(input, audit)
      }
    },

    async complete (input, audit) {
      return await store.transaction(async (tx) => await auditedOutcome(tx, await completeIn(tx, input), audit))
    }
  }
}

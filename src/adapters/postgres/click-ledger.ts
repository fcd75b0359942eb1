import { and, eq } from 'drizzle-orm'
import {
  clickOutcome, decideClickComplete, decideClickPrepare, type ClickOutcome
} from '../../domain/payments/click-decisions.js'
import type { ClickLedger } from '../../domain/payments/click-ledger.js'
import {
  clickTransactionState, type ClickPaymentRecord
} from '../../domain/payments/click-payment.js'
import { createId } from '../../domain/shared/ids.js'
import { clickStatusOf, loadHoldCandidates } from './hold-candidates.js'
import { dropPendingClickReversals, startClickReversal } from './click-refunds.js'
import type { Db } from './database.js'
import { isUniqueViolation } from './errors.js'
import { flagOrder, lockOrNull, markOrderPaid } from './order-ledger.js'
import { paymentTransaction } from './schema.js'

const CLICK = 'click'
const ACTOR = { kind: 'provider', provider: CLICK } as const

type PaymentRow = typeof paymentTransaction.$inferSelect

/** A Click attempt's `provider_transaction_id`: attempts are keyed by (click_trans_id, order). */
export function clickAttemptKey (clickTransId: string, orderId: string): string {
  return `${clickTransId}:${orderId}`
}

/** A stored Click row as the core's record (`prepareId` is the row's `seq`). */
export function toClickRecord (row: PaymentRow): ClickPaymentRecord {
  return {
    prepareId: row.seq,
    clickTransId: row.providerTransactionId.split(':')[0] ?? '',
    clickPaydocId: row.clickPaydocId ?? '',
    orderId: row.orderId,
    amount: row.amount,
    rawAmount: row.rawAmount ?? '',
    status: clickStatusOf(row),
    preparedAt: row.createdAt.getTime(),
    confirmedAt: row.performedAt?.getTime() ?? null,
    cancelledAt: row.cancelledAt?.getTime() ?? null,
    cancelledAfterConfirm: row.cancelledAfterConfirmAt !== null
  }
}

async function saveRecord (tx: Db, record: ClickPaymentRecord, now: number): Promise<void> {
  await tx.update(paymentTransaction).set({
    state: clickTransactionState(record.status),
    performedAt: record.confirmedAt === null ? null : new Date(record.confirmedAt),
    cancelledAt: record.cancelledAt === null ? null : new Date(record.cancelledAt),
    cancelledAfterConfirmAt: record.cancelledAfterConfirm ? new Date(now) : null,
    updatedAt: new Date(now)
  }).where(and(eq(paymentTransaction.provider, CLICK), eq(paymentTransaction.seq, record.prepareId)))
}

export interface ClickLedgerOptions {
  /** Reverse a payment confirmed for an order no longer payable through the Merchant API [false: flag it]. */
  autoReverse?: boolean
}

/**
 * The {@link ClickLedger} port on PostgreSQL/PGlite. Each call is one SQL transaction: the
 * order row is locked (`lockOrder`), then the attempt's row (`FOR UPDATE`); the pure decider
 * plans and the plan is applied: a confirmation marks the order paid with its fulfilment
 * outbox row once (`markOrderPaid`); a confirmation for an order no longer payable starts its
 * reversal (`startClickReversal`: a pending refund and a `click.reverse` outbox row, sent after
 * commit) when `autoReverse` is on (CLICK_MERCHANT_USER_ID set), and otherwise flags the order
 * `needs_attention` with a message to the merchant; Click cancelling a confirmed payment flags
 * the order (`flagOrder`). Attempts are unique by `<click_trans_id>:<order_id>`.
 *
 * @example
 * const ledger = createClickLedger(database.db, { autoReverse: config.click.merchantUserId !== undefined })
 * await handleClickRequest(form, { ledger, serviceId, secretKey, clock })
 */
export function createClickLedger (db: Db, options: ClickLedgerOptions = {}): ClickLedger {
  async function prepareOnce (input: Parameters<ClickLedger['prepare']>[0]): Promise<ClickOutcome> {
    return await db.transaction(async (tx) => {
      const order = await lockOrNull(tx, input.orderId)
      const key = clickAttemptKey(input.clickTransId, input.orderId)
      const [row] = order === null
        ? []
        : await tx.select().from(paymentTransaction)
          .where(and(eq(paymentTransaction.provider, CLICK), eq(paymentTransaction.providerTransactionId, key))).for('update')
      const attempt = row === undefined ? null : toClickRecord(row)
      const others = await loadHoldCandidates(tx, input.orderId, row?.id)
      const plan = decideClickPrepare({ input, order, attempt, others })
      if (plan.kind === 'cancel') await saveRecord(tx, plan.record, input.now)
      if (plan.kind !== 'insert' || order === null) return clickOutcome(plan)
      const at = new Date(input.now)
      const [inserted] = await tx.insert(paymentTransaction).values({
        id: createId('pay'),
        orderId: order.id,
        provider: CLICK,
        providerTransactionId: key,
        state: 'pending',
        amount: plan.draft.amount,
        currency: order.total.currency,
        clickPaydocId: plan.draft.clickPaydocId,
        rawAmount: plan.draft.rawAmount,
        createdAt: at,
        updatedAt: at
      }).returning()
      if (inserted === undefined) throw new Error(`Click Prepare ${key}: insert returned no row`)
      return clickOutcome(plan, toClickRecord(inserted))
    })
  }

  return {
    async prepare (input) {
      try {
        return await prepareOnce(input)
      } catch (error) {
        // a concurrent repeat of the same attempt inserted first: answer as a repeat
        if (!isUniqueViolation(error)) throw error
        return await prepareOnce(input)
      }
    },

    async complete (input) {
      return await db.transaction(async (tx) => {
        const order = await lockOrNull(tx, input.orderId)
        const [row] = order === null || !Number.isSafeInteger(input.prepareId)
          ? []
          : await tx.select().from(paymentTransaction)
            .where(and(eq(paymentTransaction.provider, CLICK), eq(paymentTransaction.seq, input.prepareId))).for('update')
        const record = row === undefined ? null : toClickRecord(row)
        const others = await loadHoldCandidates(tx, input.orderId, row?.id)
        const plan = decideClickComplete({ input, order, record, others })
        if (plan.kind === 'refuse' || order === null || row === undefined) return clickOutcome(plan)
        // Click cancelling a payment we reversed already: answered as cancelled, nothing changes
        if (plan.kind === 'cancel_confirmed' && row.state === 'refunded') return clickOutcome(plan)
        await saveRecord(tx, plan.record, input.now)
        const ref = `Click payment ${plan.record.clickTransId} (paydoc ${plan.record.clickPaydocId}, merchant_prepare_id ${plan.record.prepareId})`
        if (plan.kind === 'confirm' && plan.orderEffect === 'pay') {
          await markOrderPaid(tx, order, { provider: CLICK, transactionId: row.id, now: input.now, actor: ACTOR })
        } else if (plan.kind === 'confirm' && options.autoReverse === true) {
          await startClickReversal(tx, order, row, ref, input.now)
        } else if (plan.kind === 'confirm') {
          await flagOrder(tx, order, 'needs_attention', {
            now: input.now,
            note: `${ref} was confirmed for order ${order.id}, which is ${order.state} and no longer payable by it. Reverse the payment in the Click merchant cabinet (payment/reversal).`
          })
        } else if (plan.kind === 'cancel_confirmed') {
          await dropPendingClickReversals(tx, row.id, input.now)
          await flagOrder(tx, order, 'needs_attention', {
            now: input.now,
            note: `Click cancelled ${ref} after it was confirmed; order ${order.id} stays ${order.state}. Check whether the goods must be taken back.`
          })
        }
        return clickOutcome(plan)
      })
    }
  }
}

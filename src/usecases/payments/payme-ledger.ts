/**
 * Payme's Merchant API on the ledger (the {@link PaymeLedger} port that
 * adapters/payme/handle-payme-request.ts calls after the envelope, auth and parameters were
 * checked). Each mutating call is one transaction: the order is locked first, then the
 * transaction row; the pure deciders of domain/payments/payme-decisions.ts plan; Payme's own row
 * (its state 1, 2, −1, −2 and times) is kept here, and the order's side goes through
 * {@link applyPaymentEvent} as a payment event: Perform → `captured`, Cancel after Perform →
 * `refunded` (Payme returned the money: a `payment_refund` row of origin `external`), Cancel in
 * state 1 or a timeout → `released`, Create → `hold`. The unique indexes on the Payme id and on
 * "one live Payme transaction per order" make concurrent Creates safe: a violation re-runs the
 * call, which then answers as a repeat.
 *
 * @example
 * const ledger = createPaymeLedger({ store: createPaymentStore(db), isUniqueViolation })
 * await handlePaymeRequest(raw, auth, { ledger, key: config.payme.key, clock })
 */
import type { Order } from '../../domain/orders/order.js'
import {
  decidePaymeCancel, decidePaymeCheck, decidePaymeCreate, decidePaymePerform, paymeOutcome,
  type PaymeOutcome
} from '../../domain/payments/payme-decisions.js'
import type { PaymeCheckOutcome, PaymeCreateInput, PaymeLedger } from '../../domain/payments/payme-ledger.js'
import {
  paymeTransactionState, timeOutPayme, type PaymeState, type PaymeTransactionRecord
} from '../../domain/payments/payme-transaction.js'
import type { PaymentEvent } from '../../domain/payments/payment.js'
import { isOrderId } from '../../domain/shared/ids.js'
import { paymeReceiptDetail } from '../../domain/payments/payme-receipt.js'
import { applyPaymentEvent } from './apply-payment-event.js'
import { auditedOutcome, type AuditInTx, type PaymentRecord, type PaymentStore, type PaymentTx } from './ports.js'

const PAYME = 'payme'

/** A stored Payme payment as Payme's record (`transaction` is our `seq`). */
export function toPaymeRecord (row: PaymentRecord): PaymeTransactionRecord {
  return {
    paymeId: row.providerId,
    paymeTime: row.paymeTime ?? 0,
    amount: row.amount,
    orderId: row.orderId,
    transaction: String(row.seq),
    state: (row.providerState ?? 1) as PaymeState,
    createTime: row.providerCreatedAt ?? row.createdAt,
    performTime: row.performedAt,
    cancelTime: row.cancelledAt,
    reason: row.reason,
    receivers: null
  }
}

/** Writes Payme's fields of `record` onto its row. */
async function saveRecord (tx: PaymentTx, row: PaymentRecord, record: PaymeTransactionRecord): Promise<void> {
  await tx.updatePayment(row.id, {
    providerState: record.state,
    state: paymeTransactionState(record.state),
    performedAt: record.performTime,
    cancelledAt: record.cancelTime,
    reason: record.reason,
    updatedAt: record.cancelTime ?? record.performTime ?? record.createTime
  })
}

export interface PaymeLedgerDeps {
  store: PaymentStore
  /** True for the storage's unique-violation error (a concurrent insert won). */
  isUniqueViolation: (error: unknown) => boolean
}

/**
 * The {@link PaymeLedger} whose mutating calls also take the call's audit row, written in their
 * own transaction (one commit per call; issue 18).
 */
export interface AuditedPaymeLedger extends PaymeLedger {
  create(input: PaymeCreateInput, audit?: AuditInTx<PaymeOutcome>): Promise<PaymeOutcome>
  perform(input: { paymeId: string, now: number }, audit?: AuditInTx<PaymeOutcome>): Promise<PaymeOutcome>
  cancel(input: { paymeId: string, reason: number, now: number }, audit?: AuditInTx<PaymeOutcome>): Promise<PaymeOutcome>
}

export function createPaymeLedger ({ store, isUniqueViolation }: PaymeLedgerDeps): AuditedPaymeLedger {
  async function createOnce (input: PaymeCreateInput, audit: AuditInTx<PaymeOutcome> | undefined): Promise<PaymeOutcome> {
    return await store.transaction(async (tx) => await auditedOutcome(tx, await createIn(tx, input), audit))
  }

  async function createIn (tx: PaymentTx, input: PaymeCreateInput): Promise<PaymeOutcome> {
    const order = await tx.lockOrder(input.orderId)
    const row = await tx.payment(PAYME, input.paymeId, true)
    const existing = row === undefined ? null : toPaymeRecord(row)
    const payments = await tx.holdCandidates(input.orderId, row?.id)
    const plan = decidePaymeCreate({ input, existing, order, payments, now: input.now })
    if (plan.kind === 'time_out' && row !== undefined) await saveRecord(tx, row, plan.tx)
    if (plan.kind !== 'create' || order === null) return paymeOutcome(plan)
    for (const id of plan.timeOut) {
      const dead = await tx.payment(PAYME, id, true)
      if (dead !== undefined) {
        await saveRecord(tx, dead, timeOutPayme(toPaymeRecord(dead), input.now))
        await applyPaymentEvent(tx, order, { type: 'released', provider: PAYME, orderId: order.id, transactionId: dead.id, reason: 'timed out', failure: 'timed_out' }, input.now)
      }
    }
    const inserted = await tx.insertPayment({
      orderId: order.id,
      provider: PAYME,
      providerId: plan.draft.paymeId,
      state: 'pending',
      providerState: 1,
      amount: plan.draft.amount,
      currency: order.total.currency,
      paymeTime: plan.draft.paymeTime,
      providerCreatedAt: plan.draft.createTime,
      createdAt: input.now
    }, input.now)
    await applyPaymentEvent(tx, order, { type: 'hold', provider: PAYME, orderId: order.id, transactionId: inserted.id, amount: { amount: inserted.amount, currency: inserted.currency } }, input.now)
    return paymeOutcome(plan, toPaymeRecord(inserted))
  }

  /**
   * Locks the order of `paymeId`'s transaction (found and locked by one statement), then the
   * transaction row.
   */
  async function lockBoth (tx: PaymentTx, paymeId: string): Promise<{ row: PaymentRecord | undefined, order: Order | null }> {
    const order = await tx.lockOrderOfPayment(PAYME, paymeId)
    // a payment always has its order (foreign key): no order, no such payment
    if (order === null) return { row: undefined, order: null }
    return { row: await tx.payment(PAYME, paymeId, true), order }
  }

  return {
    async checkPerform (input): Promise<PaymeCheckOutcome> {
      // read-only and advisory (Create decides again under the order's lock): plain reads, no
      // transaction and no commit on the request path (issue 18, decision 0056)
      const tx = store.direct
      const order = isOrderId(input.orderId) ? await tx.readOrder(input.orderId) : null
      const holds = order === null ? [] : await tx.holdCandidates(input.orderId)
      const decision = decidePaymeCheck({ order, holds, amount: input.amount, now: input.now })
      if (!decision.ok || order === null) return decision
      // the fiscal receipt when every product carries its IKPU code (decision 0023)
      const detail = paymeReceiptDetail(await tx.fiscalItems(order.id), input.amount, order.total.currency)
      return detail === undefined ? decision : { ...decision, detail }
    },

    async create (input, audit) {
      try {
        return await createOnce(input, audit)
      } catch (error) {
        // A concurrent Create of the same id or of another id for the same order won the
        // insert; re-running answers as a repeat or as the conflict (specs/payme.md §6.2).
        if (!isUniqueViolation(error)) throw error
        return await createOnce(input, audit)
      }
    },

    async perform (input, audit) {
      return await store.transaction(async (tx) => {
        const { row, order } = await lockBoth(tx, input.paymeId)
        const plan = decidePaymePerform({ tx: row === undefined ? null : toPaymeRecord(row), order, now: input.now })
        if (plan.kind === 'time_out' && row !== undefined) await saveRecord(tx, row, plan.tx)
        if (plan.kind === 'perform' && order !== null && row !== undefined) {
          await saveRecord(tx, row, plan.tx)
          // the decider performs only for an order Payme may pay (its live transaction holds it)
          const event: PaymentEvent = {
            type: 'captured',
            provider: PAYME,
            orderId: order.id,
            transactionId: row.id,
            amount: { amount: row.amount, currency: row.currency },
            verdict: 'pay',
            late: { kind: 'flag', note: `Payme transaction ${plan.tx.transaction} was performed for order ${order.id}, which is ${order.state}. Refund it in the Payme merchant cabinet.` }
          }
          await applyPaymentEvent(tx, order, event, input.now)
        }
        return await auditedOutcome(tx, paymeOutcome(plan), audit)
      })
    },

    async cancel (input, audit) {
      return await store.transaction(async (tx) => {
        const { row, order } = await lockBoth(tx, input.paymeId)
        const plan = decidePaymeCancel({ tx: row === undefined ? null : toPaymeRecord(row), order, reason: input.reason, now: input.now })
        if (plan.kind === 'cancel' && row !== undefined) {
          await saveRecord(tx, row, plan.tx)
          if (order !== null) {
            const base = { provider: PAYME, orderId: order.id, transactionId: row.id } as const
            const event: PaymentEvent = plan.orderEffect === 'refund'
              ? { ...base, type: 'refunded', amount: plan.tx.amount, origin: 'external', reason: `payme transaction ${plan.tx.transaction} cancelled (reason ${input.reason})`, notifyUncounted: false }
              : { ...base, type: 'released', reason: `cancelled (reason ${input.reason})`, failure: paymeFailureOf(input.reason) }
            await applyPaymentEvent(tx, order, event, input.now)
          }
        }
        return await auditedOutcome(tx, paymeOutcome(plan), audit)
      })
    },

    async find (paymeId) {
      const row = await store.direct.payment(PAYME, paymeId)
      return row === undefined ? null : toPaymeRecord(row)
    },

    async statement (input) {
      return (await store.direct.paymentsByPaymeTime(input.from, input.to)).map(toPaymeRecord)
    },

    async setFiscalData (input) {
      return await store.direct.setPaymeFiscal(input.paymeId, input.type, input.data)
    }
  }
}

/** A Payme cancel reason (specs/payme.md) as analytics counts a failed payment. */
function paymeFailureOf (reason: number): string {
  if (reason === 2) return 'debit_failed'
  if (reason === 4) return 'timed_out'
  return `payme_cancel_${reason}`
}

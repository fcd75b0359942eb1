import { and, between, eq } from 'drizzle-orm'
import type { Order } from '../../domain/orders/order.js'
import { refundableAmount } from '../../domain/orders/order-state.js'
import {
  decidePaymeCancel, decidePaymeCheck, decidePaymeCreate, decidePaymePerform, paymeOutcome,
  type PaymeOutcome
} from '../../domain/payments/payme-decisions.js'
import type { PaymeCheckOutcome, PaymeCreateInput, PaymeLedger } from '../../domain/payments/payme-ledger.js'
import {
  paymeTransactionState, timeOutPayme, type PaymeState, type PaymeTransactionRecord
} from '../../domain/payments/payme-transaction.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { createId } from '../../domain/shared/ids.js'
import type { Db } from './database.js'
import { isUniqueViolation } from './errors.js'
import { lockOrNull, markOrderPaid, recordRefund } from './order-ledger.js'
import { paymentTransaction } from './schema.js'

const PAYME = 'payme'
const ACTOR = { kind: 'provider', provider: PAYME } as const

type PaymentRow = typeof paymentTransaction.$inferSelect

/** A stored Payme row as the core's record (`transaction` is our `seq`). */
export function toPaymeRecord (row: PaymentRow): PaymeTransactionRecord {
  return {
    paymeId: row.providerTransactionId,
    paymeTime: row.paymeTime ?? 0,
    amount: row.amount,
    orderId: row.orderId,
    transaction: String(row.seq),
    state: (row.providerState ?? 1) as PaymeState,
    createTime: row.providerCreatedAt ?? row.createdAt.getTime(),
    performTime: row.performedAt?.getTime() ?? null,
    cancelTime: row.cancelledAt?.getTime() ?? null,
    reason: row.reason,
    receivers: null
  }
}

/** The order, locked, or null for an id that is not an order's. */
async function findRow (db: Db, paymeId: string, lock: boolean): Promise<PaymentRow | undefined> {
  const query = db.select().from(paymentTransaction)
    .where(and(eq(paymentTransaction.provider, PAYME), eq(paymentTransaction.providerTransactionId, paymeId)))
  const rows = lock ? await query.for('update') : await query
  return rows[0]
}

/** Writes the mutable fields of `record` onto its row. */
async function saveRecord (tx: Db, record: PaymeTransactionRecord): Promise<void> {
  await tx.update(paymentTransaction).set({
    providerState: record.state,
    state: paymeTransactionState(record.state),
    performedAt: record.performTime === null ? null : new Date(record.performTime),
    cancelledAt: record.cancelTime === null ? null : new Date(record.cancelTime),
    reason: record.reason,
    updatedAt: new Date(record.cancelTime ?? record.performTime ?? record.createTime)
  }).where(and(eq(paymentTransaction.provider, PAYME), eq(paymentTransaction.providerTransactionId, record.paymeId)))
}

/**
 * The {@link PaymeLedger} port on PostgreSQL/PGlite. Every mutating call is one SQL
 * transaction: the order row is locked first (`lockOrder`), then the transaction row
 * (`FOR UPDATE`), the pure decider plans, and the plan is applied with the order change
 * (`markOrderPaid` writes the paid transition and the fulfilment outbox row once;
 * `recordRefund` for a cancel after perform). The unique indexes on the Payme id and on "one
 * live Payme transaction per order" make concurrent Creates safe: a violation re-runs the call,
 * which then answers as a repeat.
 *
 * @example
 * const ledger = createPaymeLedger(database.db)
 * await handlePaymeRequest(raw, auth, { ledger, key: config.payme.key, clock })
 */
export function createPaymeLedger (db: Db): PaymeLedger {
  async function createOnce (input: PaymeCreateInput): Promise<PaymeOutcome> {
    return await db.transaction(async (tx) => {
      const order = await lockOrNull(tx, input.orderId)
      const row = await findRow(tx, input.paymeId, true)
      const existing = row === undefined ? null : toPaymeRecord(row)
      const payments = await loadHoldCandidates(tx, input.orderId, row?.id)
      const plan = decidePaymeCreate({ input, existing, order, payments, now: input.now })
      if (plan.kind === 'time_out') await saveRecord(tx, plan.tx)
      if (plan.kind !== 'create' || order === null) return paymeOutcome(plan)
      for (const id of plan.timeOut) {
        const dead = await findRow(tx, id, true)
        if (dead !== undefined) await saveRecord(tx, timeOutPayme(toPaymeRecord(dead), input.now))
      }
      const at = new Date(input.now)
      const [inserted] = await tx.insert(paymentTransaction).values({
        id: createId('pay'),
        orderId: order.id,
        provider: PAYME,
        providerTransactionId: plan.draft.paymeId,
        state: 'pending',
        providerState: 1,
        amount: plan.draft.amount,
        currency: order.total.currency,
        paymeTime: plan.draft.paymeTime,
        providerCreatedAt: plan.draft.createTime,
        createdAt: at,
        updatedAt: at
      }).returning()
      if (inserted === undefined) throw new Error(`Payme CreateTransaction ${input.paymeId}: insert returned no row`)
      return paymeOutcome(plan, toPaymeRecord(inserted))
    })
  }

  /** Locks the order of `paymeId`'s transaction, then the transaction row. */
  async function lockBoth (tx: Db, paymeId: string): Promise<{ row: PaymentRow | undefined, order: Order | null }> {
    const peek = await findRow(tx, paymeId, false)
    if (peek === undefined) return { row: undefined, order: null }
    const order = await lockOrNull(tx, peek.orderId)
    return { row: await findRow(tx, paymeId, true), order }
  }

  return {
    async checkPerform (input): Promise<PaymeCheckOutcome> {
      // read-only; the lock only gives a consistent view of the order and its payments
      return await db.transaction(async (tx) => {
        const order = await lockOrNull(tx, input.orderId)
        const holds = await loadHoldCandidates(tx, input.orderId)
        return decidePaymeCheck({ order, holds, amount: input.amount, now: input.now })
      })
    },

    async create (input) {
      try {
        return await createOnce(input)
      } catch (error) {
        // A concurrent Create of the same id or of another id for the same order won the
        // insert; re-running answers as a repeat or as the conflict (specs/payme.md §6.2).
        if (!isUniqueViolation(error)) throw error
        return await createOnce(input)
      }
    },

    async perform (input) {
      return await db.transaction(async (tx) => {
        const { row, order } = await lockBoth(tx, input.paymeId)
        const plan = decidePaymePerform({ tx: row === undefined ? null : toPaymeRecord(row), order, now: input.now })
        if (plan.kind === 'time_out') await saveRecord(tx, plan.tx)
        if (plan.kind === 'perform' && order !== null && row !== undefined) {
          await saveRecord(tx, plan.tx)
          await markOrderPaid(tx, order, { provider: PAYME, transactionId: row.id, now: input.now, actor: ACTOR })
        }
        return paymeOutcome(plan)
      })
    },

    async cancel (input) {
      return await db.transaction(async (tx) => {
        const { row, order } = await lockBoth(tx, input.paymeId)
        const plan = decidePaymeCancel({ tx: row === undefined ? null : toPaymeRecord(row), order, reason: input.reason, now: input.now })
        if (plan.kind === 'cancel') {
          await saveRecord(tx, plan.tx)
          if (plan.orderEffect === 'refund' && order !== null && row !== undefined) {
            await tx.update(paymentTransaction).set({ refundedAmount: row.amount }).where(eq(paymentTransaction.id, row.id))
            // the order may already carry a partial refund made another way: refund what is left
            const amount = Math.min(plan.tx.amount, refundableAmount(order))
            if (amount > 0) await recordRefund(tx, order, { amount, reason: `payme transaction ${plan.tx.transaction} cancelled (reason ${input.reason})`, now: input.now, actor: ACTOR })
          }
        }
        return paymeOutcome(plan)
      })
    },

    async find (paymeId) {
      const row = await findRow(db, paymeId, false)
      return row === undefined ? null : toPaymeRecord(row)
    },

    async statement (input) {
      const rows = await db.select().from(paymentTransaction)
        .where(and(eq(paymentTransaction.provider, PAYME), between(paymentTransaction.paymeTime, input.from, input.to)))
        .orderBy(paymentTransaction.paymeTime)
      return rows.map(toPaymeRecord)
    },

    async setFiscalData (input) {
      const set = input.type === 'PERFORM' ? { fiscalPerform: input.data } : { fiscalCancel: input.data }
      const rows = await db.update(paymentTransaction).set(set)
        .where(and(eq(paymentTransaction.provider, PAYME), eq(paymentTransaction.providerTransactionId, input.paymeId)))
        .returning({ id: paymentTransaction.id })
      return rows.length > 0
    }
  }
}

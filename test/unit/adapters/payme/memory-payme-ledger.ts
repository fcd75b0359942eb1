import type { HoldCandidate } from '../../../../src/domain/orders/hold.js'
import type { Order } from '../../../../src/domain/orders/order.js'
import { applyRefund, transition } from '../../../../src/domain/orders/order-state.js'
import {
  decidePaymeCancel, decidePaymeCheck, decidePaymeCreate, decidePaymePerform, paymeOutcome,
  type PaymeOutcome
} from '../../../../src/domain/payments/payme-decisions.js'
import type { PaymeCheckOutcome, PaymeCreateInput, PaymeLedger } from '../../../../src/domain/payments/payme-ledger.js'
import { timeOutPayme, type PaymeTransactionRecord } from '../../../../src/domain/payments/payme-transaction.js'

const payme = { kind: 'provider', provider: 'payme' } as const

/**
 * The {@link PaymeLedger} port over plain maps, applying the pure deciders exactly as the
 * database implementation must (one call = one atomic step here). Test support only.
 */
export class MemoryPaymeLedger implements PaymeLedger {
  readonly orders = new Map<string, Order>()
  readonly txs = new Map<string, PaymeTransactionRecord>()
  /** Other providers' payments per order (e.g. a prepared Click attempt). */
  readonly otherPayments = new Map<string, HoldCandidate[]>()
  readonly fiscal = new Map<string, Record<string, unknown>>()
  /** Outbox stand-in: what the database would queue. */
  readonly effects: string[] = []
  failing = false
  #seq = 7300

  #candidates (orderId: string): HoldCandidate[] {
    const own: HoldCandidate[] = [...this.txs.values()].filter((t) => t.orderId === orderId)
      .map((t) => ({ provider: 'payme', id: t.paymeId, state: t.state, paymeTime: t.paymeTime }))
    return [...own, ...(this.otherPayments.get(orderId) ?? [])]
  }

  #guard (): void {
    if (this.failing) throw new Error('database unavailable')
  }

  async checkPerform (input: { orderId: string, amount: number, now: number }): Promise<PaymeCheckOutcome> {
    this.#guard()
    return decidePaymeCheck({ order: this.orders.get(input.orderId) ?? null, holds: this.#candidates(input.orderId), amount: input.amount, now: input.now })
  }

  async create (input: PaymeCreateInput): Promise<PaymeOutcome> {
    this.#guard()
    const existing = this.txs.get(input.paymeId) ?? null
    const plan = decidePaymeCreate({ input, existing, order: this.orders.get(input.orderId) ?? null, payments: this.#candidates(input.orderId), now: input.now })
    if (plan.kind === 'time_out') this.txs.set(plan.tx.paymeId, plan.tx)
    if (plan.kind !== 'create') return paymeOutcome(plan)
    for (const id of plan.timeOut) {
      const dead = this.txs.get(id)
      if (dead !== undefined) this.txs.set(id, timeOutPayme(dead, input.now))
    }
    const inserted: PaymeTransactionRecord = { ...plan.draft, transaction: String(++this.#seq) }
    this.txs.set(inserted.paymeId, inserted)
    return paymeOutcome(plan, inserted)
  }

  async perform (input: { paymeId: string, now: number }): Promise<PaymeOutcome> {
    this.#guard()
    const tx = this.txs.get(input.paymeId) ?? null
    const order = tx === null ? null : this.orders.get(tx.orderId) ?? null
    const plan = decidePaymePerform({ tx, order, now: input.now })
    if (plan.kind === 'time_out') this.txs.set(plan.tx.paymeId, plan.tx)
    if (plan.kind === 'perform' && order !== null) {
      this.txs.set(plan.tx.paymeId, plan.tx)
      this.orders.set(order.id, transition(order, 'paid', `payme ${plan.tx.paymeId} performed`, payme, input.now).order)
      this.effects.push(`fulfil ${order.id}`)
    }
    return paymeOutcome(plan)
  }

  async cancel (input: { paymeId: string, reason: number, now: number }): Promise<PaymeOutcome> {
    this.#guard()
    const tx = this.txs.get(input.paymeId) ?? null
    const order = tx === null ? null : this.orders.get(tx.orderId) ?? null
    const plan = decidePaymeCancel({ tx, order, reason: input.reason, now: input.now })
    if (plan.kind === 'cancel') {
      this.txs.set(plan.tx.paymeId, plan.tx)
      if (plan.orderEffect === 'refund' && order !== null) {
        this.orders.set(order.id, applyRefund(order, plan.tx.amount, `payme ${plan.tx.paymeId} cancelled`, payme, input.now).order)
        this.effects.push(`refunded ${order.id}`)
      }
    }
    return paymeOutcome(plan)
  }

  async find (paymeId: string): Promise<PaymeTransactionRecord | null> {
    this.#guard()
    return this.txs.get(paymeId) ?? null
  }

  async statement (input: { from: number, to: number }): Promise<PaymeTransactionRecord[]> {
    this.#guard()
    return [...this.txs.values()].filter((t) => t.paymeTime >= input.from && t.paymeTime <= input.to)
  }

  async setFiscalData (input: { paymeId: string, type: 'PERFORM' | 'CANCEL', data: Record<string, unknown> }): Promise<boolean> {
    this.#guard()
    if (!this.txs.has(input.paymeId)) return false
    this.fiscal.set(`${input.paymeId}:${input.type}`, input.data)
    return true
  }
}

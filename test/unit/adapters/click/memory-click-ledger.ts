import type { HoldCandidate } from '../../../../src/domain/orders/hold.js'
import type { Order } from '../../../../src/domain/orders/order.js'
import { addFlag, transition } from '../../../../src/domain/orders/order-state.js'
import {
  clickOutcome, decideClickComplete, decideClickPrepare,
  type ClickCompleteInput, type ClickOutcome, type ClickPrepareInput
} from '../../../../src/domain/payments/click-decisions.js'
import type { ClickLedger } from '../../../../src/domain/payments/click-ledger.js'
import type { ClickPaymentRecord } from '../../../../src/domain/payments/click-payment.js'

const click = { kind: 'provider', provider: 'click' } as const

/**
 * The {@link ClickLedger} port over plain maps, applying the pure deciders exactly as the
 * database implementation must. Test support only.
 */
export class MemoryClickLedger implements ClickLedger {
  readonly orders = new Map<string, Order>()
  readonly records = new Map<number, ClickPaymentRecord>()
  /** Other providers' payments per order (e.g. a live Payme transaction). */
  readonly otherPayments = new Map<string, HoldCandidate[]>()
  readonly effects: string[] = []
  failing = false
  #seq = 76

  #others (orderId: string, except: number | null): HoldCandidate[] {
    const own: HoldCandidate[] = [...this.records.values()]
      .filter((r) => r.orderId === orderId && r.prepareId !== except)
      .map((r) => ({ provider: 'click', id: String(r.prepareId), status: r.status, preparedAt: r.preparedAt }))
    return [...own, ...(this.otherPayments.get(orderId) ?? [])]
  }

  async prepare (input: ClickPrepareInput): Promise<ClickOutcome> {
    if (this.failing) throw new Error('database unavailable')
    const attempt = [...this.records.values()].find((r) => r.clickTransId === input.clickTransId && r.orderId === input.orderId) ?? null
    const plan = decideClickPrepare({ input, order: this.orders.get(input.orderId) ?? null, attempt, others: this.#others(input.orderId, attempt?.prepareId ?? null) })
    if (plan.kind === 'cancel') this.records.set(plan.record.prepareId, plan.record)
    if (plan.kind !== 'insert') return clickOutcome(plan)
    const inserted: ClickPaymentRecord = { ...plan.draft, prepareId: ++this.#seq }
    this.records.set(inserted.prepareId, inserted)
    return clickOutcome(plan, inserted)
  }

  async complete (input: ClickCompleteInput): Promise<ClickOutcome> {
    if (this.failing) throw new Error('database unavailable')
    const order = this.orders.get(input.orderId) ?? null
    const plan = decideClickComplete({ input, order, record: this.records.get(input.prepareId) ?? null, others: this.#others(input.orderId, input.prepareId) })
    if (plan.kind !== 'refuse') this.records.set(plan.record.prepareId, plan.record)
    if (order !== null && plan.kind === 'confirm') {
      if (plan.orderEffect === 'pay') {
        this.orders.set(order.id, transition(order, 'paid', `click ${plan.record.clickTransId} confirmed`, click, input.now).order)
        this.effects.push(`fulfil ${order.id}`)
      } else {
        this.effects.push(`reverse ${plan.record.clickTransId}`)
      }
    }
    if (order !== null && plan.kind === 'cancel_confirmed') {
      this.orders.set(order.id, addFlag(order, 'needs_attention'))
      this.effects.push(`notify merchant ${order.id}`)
    }
    return clickOutcome(plan)
  }
}

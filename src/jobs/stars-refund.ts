/**
 * The `stars.refund` outbox handler (usecases/stars-refund.ts): refunds a Telegram Stars payment
 * that landed for an order that could not take it. Step `refund` calls `refundStarPayment`
 * outside any transaction and records the answer in the step's own transaction (decision 0010);
 * step `notify` tells the customer once the refund succeeded. A row run again (a retry, a takeover
 * after a crash) finds the refund settled and calls Telegram no more.
 *
 * A row without `refundId` is a payment for an order Bozor does not know (no ledger row to
 * settle): it is refunded and the customer told in one step.
 *
 * @example
 * const handlers = { ...createOutboxHandlers(store), ...starsOutboxHandlers({ store: starsRefundStoreOf(db), gateway }) }
 */
import { money } from '../domain/shared/money.js'
import { refundLateStarsPayment, type StarsRefundGateway, type StarsRefundOutcome, type StarsRefundStore } from '../usecases/stars-refund.js'
import type { OutboxHandler } from './outbox-handlers.js'

export interface StarsOutboxOptions<Tx> {
  store: StarsRefundStore<Tx>
  /** Undefined when no bot runs: the row waits (and retries) until one does. */
  gateway: StarsRefundGateway | undefined
}

interface Payload { refundId?: string, orderId?: string, chargeId?: string, telegramId?: number, amount?: number }

export function starsRefundHandler<Tx> ({ store, gateway }: StarsOutboxOptions<Tx>): OutboxHandler<Tx> {
  return async (ctx) => {
    const p = ctx.payload as Payload
    if (gateway === undefined) throw new Error('no bot runs (BOT_TOKEN unset): the Stars refund waits for one')
    const notify = async (orderId: string, telegramId: number, amount: number): Promise<void> => {
      await ctx.notifier.sendToCustomer(telegramId, { kind: 'payment.refunded_late', orderId, amount: money(amount, 'XTR') })
    }
    if (p.refundId === undefined) {
      if (typeof p.chargeId !== 'string' || typeof p.telegramId !== 'number') return
      const { chargeId, telegramId } = p
      await ctx.step('refund', async () => {
        const result = await refundLateStarsPayment({ gateway }, { telegramId, chargeId })
        if (result.outcome === 'refunded') await notify(p.orderId ?? '', telegramId, p.amount ?? 0)
      })
      return
    }
    const refundId = p.refundId
    let result: StarsRefundOutcome | undefined
    await ctx.step('refund', async () => {
      const refund = await store.refund(refundId)
      result = refund?.state === 'pending' ? await refundLateStarsPayment({ gateway }, refund) : undefined
    }, async (tx) => {
      if (result?.outcome === 'refunded') await store.refundSucceeded(tx, refundId, ctx.now)
      else if (result?.outcome === 'refused') await store.refundFailed(tx, refundId, result.failure, ctx.now)
    })
    await ctx.step('notify', async () => {
      const refund = await store.refund(refundId)
      if (refund?.state === 'succeeded') await notify(refund.orderId, refund.telegramId, refund.amount.amount)
    })
  }
}

/** Outbox handlers Stars adds to the worker's table. */
export function starsOutboxHandlers<Tx> (options: StarsOutboxOptions<Tx>): Record<string, OutboxHandler<Tx>> {
  return { 'stars.refund': starsRefundHandler(options) }
}

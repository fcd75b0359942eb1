/**
 * The `click.reverse` outbox handler: sends a pending automatic Click refund as a Merchant API
 * reversal (usecases/click-reversal.ts). The Merchant API call runs outside any transaction
 * (decision 0010); the ledger records its outcome in its own short transaction, order locked
 * first. A refund no longer pending is skipped, so a row run again (a retry, a takeover after a
 * crash) reverses once; a refusal marks the refund failed and flags the order; a transient
 * failure throws, and the worker retries the row with backoff. Without a Merchant API client
 * (CLICK_MERCHANT_USER_ID unset since the row was written) the refund fails at once and the
 * order is flagged for a reversal in the cabinet.
 *
 * @example
 * const worker = createOutboxWorker({ queue, clock, notifier, logger, handlers: { ...createOutboxHandlers(store), ...clickOutboxHandlers({ ledger, gateway: api }) } })
 */
import { sendClickReversal, type ClickReversalGateway, type ClickReversalLedger } from '../usecases/click-reversal.js'
import type { OutboxHandler } from './outbox-handlers.js'

export interface ClickOutboxOptions {
  ledger: ClickReversalLedger
  /** Undefined: the Merchant API is not configured. */
  gateway: ClickReversalGateway | undefined
}

/** The `click.reverse` handler. */
export function clickReversalHandler<Tx> ({ ledger, gateway }: ClickOutboxOptions): OutboxHandler<Tx> {
  return async (ctx) => {
    const refundId = typeof ctx.payload.refundId === 'string' ? ctx.payload.refundId : ''
    if (gateway === undefined) {
      if (await ledger.reversalToSend(refundId) === undefined) return
      await ledger.reversalFailed(refundId, { code: 'ERR_REFUND_UNSUPPORTED', message: 'CLICK_MERCHANT_USER_ID is not set, so Bozor cannot call Click\'s payment/reversal' }, ctx.now)
      return
    }
    await sendClickReversal({ ledger, gateway, now: () => ctx.now }, refundId)
  }
}

/** Outbox handlers Click adds to the worker's table. */
export function clickOutboxHandlers<Tx> (options: ClickOutboxOptions): Record<string, OutboxHandler<Tx>> {
  return { 'click.reverse': clickReversalHandler(options) }
}

/**
 * A digital order is fulfilled once its goods are sent (DESIGN.md "States"). Runs inside the
 * transaction that records the outbox step "goods" as done, with the order row locked first as
 * for every state change; an order that is no longer `paid` (refunded meanwhile) is left as it is.
 *
 * @example
 * await ctx.step('goods', send, (tx) => fulfilDigitalOrder(store, tx, '1042', ctx.now))
 */
import type { FulfilmentStore } from './ports-outbox.js'

export async function fulfilDigitalOrder<Tx> (store: FulfilmentStore<Tx>, tx: Tx, orderId: string, now: number): Promise<void> {
  const order = await store.lockOrder(tx, orderId)
  if (order?.state === 'paid') await store.applyTransition(tx, order, 'fulfilled', { reason: 'digital goods sent', actor: { kind: 'system' }, now })
}

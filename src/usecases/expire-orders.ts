/**
 * Records expiry of pending orders past `expiresAt` (the expiry job calls it on an interval).
 */
import { isHeld } from '../domain/orders/hold.js'
import type { ShopStore } from './ports.js'

export const EXPIRY_BATCH = 100

export interface ExpireResult {
  /** Orders this run moved to expired. */
  expired: string[]
  /** Due orders skipped because a live transaction holds them. */
  held: string[]
}

/**
 * Expires every pending order with `expiresAt ≤ now` that no live transaction holds, releasing
 * its stock. `beforeExpire` runs first (outside any transaction) and names orders to keep. Orders are locked with SKIP LOCKED in batches, so several instances running it at
 * once expire each order exactly once.
 *
 * @example
 * const { expired } = await expireOrders({ store, now: clock.now() })
 */
export async function expireOrders (deps: { store: ShopStore, now: number, batch?: number, beforeExpire?: () => Promise<ReadonlySet<string>> }): Promise<ExpireResult> {
  const batch = deps.batch ?? EXPIRY_BATCH
  const result: ExpireResult = { expired: [], held: [] }
  // provider work that must happen before an order may expire (an open Stripe Checkout
  // Session is expired through the API first); orders it could not settle stay pending
  if (deps.beforeExpire !== undefined) result.held.push(...await deps.beforeExpire())
  for (;;) {
    const count = await deps.store.transaction(async (tx) => {
      const due = await tx.lockDueOrders(deps.now, batch, result.held)
      for (const order of due) {
        if (isHeld(await tx.holdCandidates(order.id), deps.now)) {
          result.held.push(order.id)
          continue
        }
        await tx.applyTransition(order, 'expired', { reason: 'not paid in time', actor: { kind: 'system' }, now: deps.now })
        result.expired.push(order.id)
      }
      return due.length
    })
    if (count < batch) return result
  }
}

/**
 * The rows the sandbox made (DESIGN.md "The sandbox (contract)"): customers, orders and analytics
 * events carry `sandbox = true`. Going live keeps them (and the catalog) and says how many
 * remain; `bozor sandbox clear` drops them.
 *
 * @example
 * const removed = await clearSandboxRows({ store, now: clock.now() })
 * // { customers: 2, orders: 3, events: 7, ... }
 */

/** How many sandbox rows of each kind there are (or were removed). */
export interface SandboxRowCounts {
  customers: number
  orders: number
  events: number
}

/** What a clear removed: the sandbox rows, and the rows that hung on its orders. */
export interface SandboxClearResult extends SandboxRowCounts {
  /** Payment transactions, refunds and Stripe attempts of the removed orders. */
  payments: number
  /** Outbox rows (done or pending) of the removed orders and customers. */
  outbox: number
}

/** Storage of the sandbox rows (src/adapters/postgres/sandbox-rows.ts). */
export interface SandboxRowStore {
  count(): Promise<SandboxRowCounts>
  /**
   * In one transaction: releases the stock that pending sandbox orders hold, deletes the sandbox
   * orders with everything that hangs on them (items, history, payment transactions, refunds,
   * Stripe attempts, provider events and audit rows, outbox rows), the sandbox customers that no
   * live order names (with their support threads and broadcast deliveries) and the sandbox
   * events. Never the catalog, never a live row.
   */
  clear(now: number): Promise<SandboxClearResult>
}

export const totalOf = (counts: SandboxRowCounts): number => counts.customers + counts.orders + counts.events

export async function countSandboxRows (deps: { store: SandboxRowStore }): Promise<SandboxRowCounts> {
  return await deps.store.count()
}

export async function clearSandboxRows (deps: { store: SandboxRowStore, now: number }): Promise<SandboxClearResult> {
  return await deps.store.clear(deps.now)
}

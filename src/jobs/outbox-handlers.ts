/**
 * What each outbox topic does. Handlers run outside any database transaction (decision 0010):
 * network calls go in `step` work, and a state change that follows one (the order becoming
 * fulfilled once its goods are sent) goes in the step's `commit`, which runs in a short
 * transaction with the step's recorded progress. `order.paid` runs in steps (confirm, goods,
 * admin), so a retry or a takeover repeats only the step that was not recorded done.
 */
import { type Language } from '../domain/shared/language.js'
import { formatMoney, type Money } from '../domain/shared/money.js'
import { fulfilDigitalOrder } from '../usecases/fulfil-order.js'
import type { CardFailure, CustomerMessage, Notifier } from '../usecases/ports-notifier.js'
import type { FulfilmentStore } from '../usecases/ports-outbox.js'

export interface HandlerContext<Tx> {
  /**
   * The storage's database handle; no transaction is open. A handler's own state change runs
   * through a store in its own short transaction, or in a step's `commit`.
   */
  db: Tx
  notifier: Notifier
  /** When the row was claimed (ms). */
  now: number
  payload: Record<string, unknown>
  /**
   * The language of the customer the payload names, when the claim read it (null: none stored,
   * the notifier's default); absent: look it up.
   */
  customerLanguage?: Language | null
  /**
   * Runs `work` unless step `name` is already done, outside any transaction; then, in one short
   * transaction, records the step done (only while this worker still holds the row's lease) and
   * runs `commit` — both are committed before the next step starts, or neither. When another
   * worker has taken the row over (this one's lease expired), `step` throws
   * `OutboxLeaseLostError` instead of running or recording anything: never catch what `step`
   * throws.
   */
  step(name: string, work: () => Promise<void>, commit?: (tx: Tx) => Promise<void>): Promise<void>
}

export type OutboxHandler<Tx> = (ctx: HandlerContext<Tx>) => Promise<void>

interface PaidPayload {
  orderId: string
  telegramId: number
  total: Money
  items: Array<{ productId: string, quantity: number, kind: 'digital' | 'physical' }>
}

/** The customer's language as the claim read it, else looked up; null: none stored. */
async function languageOf<Tx> (store: FulfilmentStore<Tx>, ctx: HandlerContext<Tx>, telegramId: number): Promise<Language | null> {
  if (ctx.customerLanguage !== undefined) return ctx.customerLanguage
  return await store.customerLanguage(telegramId) ?? null
}

async function orderPaid<Tx> (store: FulfilmentStore<Tx>, ctx: HandlerContext<Tx>): Promise<void> {
  const p = ctx.payload as unknown as PaidPayload
  // read with the claim or before the sends, so the notifier need not look it up
  const language = await languageOf(store, ctx, p.telegramId)
  const needsShipping = p.items.some((i) => i.kind === 'physical')
  await ctx.step('confirm', () => ctx.notifier.sendToCustomer(p.telegramId, { kind: 'order.paid', orderId: p.orderId, total: p.total, needsShipping }, language))
  const digital = p.items.filter((i) => i.kind === 'digital')
  if (digital.length > 0) {
    await ctx.step('goods', async () => {
      const rows = await store.productPayloads(digital.map((i) => i.productId))
      await ctx.notifier.sendDigitalGoods(p.telegramId, {
        orderId: p.orderId,
        ...(language !== null ? { language } : {}),
        items: rows.map((r) => ({ productId: r.id, title: r.title, payload: r.payload ?? '' }))
      })
    }, async (tx) => {
      if (digital.length === p.items.length) await fulfilDigitalOrder(store, tx, p.orderId, ctx.now)
    })
  }
  const physical = p.items.filter((i) => i.kind === 'physical')
  if (physical.length > 0) {
    await ctx.step('admin', () => ctx.notifier.notifyAdmin(`Order #${p.orderId} is paid (${formatMoney(p.total, 'en')}); ship: ` +
      physical.map((i) => `${i.productId} × ${i.quantity}`).join(', ')))
  }
}

async function adminNotify<Tx> (ctx: HandlerContext<Tx>): Promise<void> {
  await ctx.notifier.notifyAdmin(String(ctx.payload.text ?? ''))
}

const CARD_FAILURES: readonly string[] = ['declined', 'insufficient_funds', 'expired_card'] satisfies CardFailure[]

/** The message a `customer.notify` row carries; a row of an unknown kind falls back to its text. */
function customerMessageOf (p: { kind?: string, orderId?: string, amount?: Money, reason?: string, text?: string, note?: unknown }): CustomerMessage {
  const orderId = p.orderId ?? ''
  if (p.kind === 'order.refunded' && p.amount !== undefined) return { kind: 'order.refunded', orderId, amount: p.amount }
  if (p.kind === 'refund.failed' && p.amount !== undefined) return { kind: 'refund.failed', orderId, amount: p.amount }
  if (p.kind === 'payment.failed') return { kind: 'payment.failed', orderId, reason: CARD_FAILURES.includes(p.reason ?? '') ? p.reason as CardFailure : 'declined' }
  if (p.kind === 'payment.not_completed') return { kind: 'payment.not_completed', orderId }
  if (p.kind === 'order.fulfilled') return { kind: 'order.fulfilled', orderId, ...(typeof p.note === 'string' ? { note: p.note } : {}) }
  return { kind: 'text', text: String(p.text ?? '') }
}

async function customerNotify<Tx> (store: FulfilmentStore<Tx>, ctx: HandlerContext<Tx>): Promise<void> {
  const p = ctx.payload as { kind?: string, orderId?: string, telegramId?: number, amount?: Money, reason?: string, text?: string, note?: unknown }
  if (typeof p.telegramId !== 'number') return
  await ctx.notifier.sendToCustomer(p.telegramId, customerMessageOf(p), await languageOf(store, ctx, p.telegramId))
}

/**
 * The shop's outbox handlers by topic, over its fulfilment store; providers add their own
 * (`click.reverse`).
 *
 * @example
 * const handlers = { ...createOutboxHandlers(createFulfilmentStore(db)), ...clickOutboxHandlers({ ledger, gateway }) }
 */
export function createOutboxHandlers<Tx> (store: FulfilmentStore<Tx>): Record<string, OutboxHandler<Tx>> {
  return {
    'order.paid': (ctx) => orderPaid(store, ctx),
    'admin.notify': adminNotify,
    'customer.notify': (ctx) => customerNotify(store, ctx)
  }
}

/**
 * What each outbox topic does. Handlers run outside any database transaction (decision 0010):
 * network calls go in `step` work, and a state change that follows one (the order becoming
 * fulfilled once its goods are sent) goes in the step's `commit`, which runs in a short
 * transaction with the step's recorded progress. `order.paid` runs in steps (confirm, goods,
 * admin), so a retry or a takeover repeats only the step that was not recorded done.
 */
import { applyTransition, lockOrder } from '../adapters/postgres/order-ledger.js'
import { productPayloads } from '../adapters/postgres/catalog-store.js'
import type { Db } from '../adapters/postgres/database.js'
import { eq } from 'drizzle-orm'
import { customer } from '../adapters/postgres/schema.js'
import { LANGUAGES, type Language } from '../config.js'
import { formatMoney, type Money } from '../domain/shared/money.js'
import type { CardFailure, CustomerMessage, Notifier } from './notifier.js'

export interface HandlerContext {
  /**
   * The database; no transaction is open. A handler's own state change runs in its own short
   * transaction (`db.transaction`, order row locked first) or in a step's `commit`.
   */
  db: Db
  notifier: Notifier
  /** When the row was claimed (ms). */
  now: number
  payload: Record<string, unknown>
  /**
   * Runs `work` unless step `name` is already done, outside any transaction; then, in one short
   * transaction, records the step done (only while this worker still holds the row's lease) and
   * runs `commit` — both are committed before the next step starts, or neither. When another
   * worker has taken the row over (this one's lease expired), `step` throws
   * `OutboxLeaseLostError` instead of running or recording anything: never catch what `step`
   * throws.
   */
  step(name: string, work: () => Promise<void>, commit?: (tx: Db) => Promise<void>): Promise<void>
}

export type OutboxHandler = (ctx: HandlerContext) => Promise<void>

interface PaidPayload {
  orderId: string
  telegramId: number
  total: Money
  items: Array<{ productId: string, quantity: number, kind: 'digital' | 'physical' }>
}

/** The customer's language (read before the sends, so the notifier need not look it up). */
async function languageOf (ctx: HandlerContext, telegramId: number): Promise<Language | undefined> {
  const rows = await ctx.db.select({ language: customer.language }).from(customer).where(eq(customer.telegramId, telegramId)).limit(1)
  const language = rows[0]?.language
  return (LANGUAGES as readonly string[]).includes(language ?? '') ? language as Language : undefined
}

async function orderPaid (ctx: HandlerContext): Promise<void> {
  const p = ctx.payload as unknown as PaidPayload
  const language = await languageOf(ctx, p.telegramId)
  const needsShipping = p.items.some((i) => i.kind === 'physical')
  await ctx.step('confirm', () => ctx.notifier.sendToCustomer(p.telegramId, { kind: 'order.paid', orderId: p.orderId, total: p.total, needsShipping }, language))
  const digital = p.items.filter((i) => i.kind === 'digital')
  if (digital.length > 0) {
    await ctx.step('goods', async () => {
      const rows = await productPayloads(ctx.db, digital.map((i) => i.productId))
      await ctx.notifier.sendDigitalGoods(p.telegramId, {
        orderId: p.orderId,
        ...(language !== undefined ? { language } : {}),
        items: rows.map((r) => ({ productId: r.id, title: r.title, payload: r.payload ?? '' }))
      })
    }, async (tx) => {
      if (digital.length !== p.items.length) return
      // a digital order is fulfilled once its goods are sent (DESIGN.md "States"); the order is
      // locked as for every state change, and a refund meanwhile leaves it as it is
      const order = await lockOrder(tx, p.orderId)
      if (order?.state === 'paid') await applyTransition(tx, order, 'fulfilled', { reason: 'digital goods sent', actor: { kind: 'system' }, now: ctx.now })
    })
  }
  const physical = p.items.filter((i) => i.kind === 'physical')
  if (physical.length > 0) {
    await ctx.step('admin', () => ctx.notifier.notifyAdmin(`Order #${p.orderId} is paid (${formatMoney(p.total, 'en')}); ship: ` +
      physical.map((i) => `${i.productId} × ${i.quantity}`).join(', ')))
  }
}

async function adminNotify (ctx: HandlerContext): Promise<void> {
  await ctx.notifier.notifyAdmin(String(ctx.payload.text ?? ''))
}

const CARD_FAILURES: readonly string[] = ['declined', 'insufficient_funds', 'expired_card'] satisfies CardFailure[]

/** The message a `customer.notify` row carries; a row of an unknown kind falls back to its text. */
function customerMessageOf (p: { kind?: string, orderId?: string, amount?: Money, reason?: string, text?: string }): CustomerMessage {
  const orderId = p.orderId ?? ''
  if (p.kind === 'order.refunded' && p.amount !== undefined) return { kind: 'order.refunded', orderId, amount: p.amount }
  if (p.kind === 'payment.failed') return { kind: 'payment.failed', orderId, reason: CARD_FAILURES.includes(p.reason ?? '') ? p.reason as CardFailure : 'declined' }
  if (p.kind === 'payment.not_completed') return { kind: 'payment.not_completed', orderId }
  return { kind: 'text', text: String(p.text ?? '') }
}

async function customerNotify (ctx: HandlerContext): Promise<void> {
  const p = ctx.payload as { kind?: string, orderId?: string, telegramId?: number, amount?: Money, reason?: string, text?: string }
  if (typeof p.telegramId !== 'number') return
  await ctx.notifier.sendToCustomer(p.telegramId, customerMessageOf(p), await languageOf(ctx, p.telegramId))
}

/** Handlers by topic. */
export const DEFAULT_HANDLERS: Readonly<Record<string, OutboxHandler>> = {
  'order.paid': orderPaid,
  'admin.notify': adminNotify,
  'customer.notify': customerNotify
}

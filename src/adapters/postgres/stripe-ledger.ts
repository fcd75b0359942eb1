/**
 * The {@link StripeLedger} port on PostgreSQL/PGlite. Every method is one transaction that
 * locks the order first (`lockOrder`), then the Stripe rows, so concurrent webhooks, pay-link
 * clicks and jobs change an order exactly once (STYLE R4, R6). Payments become
 * `payment_transaction` rows keyed by the PaymentIntent id; refunds are `payment_refund` rows
 * (`led_…`) written before the API call.
 *
 * @example
 * const ledger = createStripeLedger(database.db)
 * const outcome = await ledger.applyEvent(translateStripeEvent(event), clock.now())
 */
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm'
import { payStatus } from '../../domain/orders/hold.js'
import { refundableAmount, revertRefund } from '../../domain/orders/order-state.js'
import type { Order } from '../../domain/orders/order.js'
import { canReplayCreate, canReuseSession, checkoutExpiresAt } from '../../domain/payments/stripe-checkout.js'
import { DomainError as DomainErrorCtor } from '../../domain/shared/errors.js'
import { createId, isOrderId } from '../../domain/shared/ids.js'
import { formatMoney, type Money } from '../../domain/shared/money.js'
import type { ProviderName } from '../../domain/payments/payment.js'
import type { RefundOrderStore } from '../../usecases/refund-order.js'
import type {
  CardError, StripeAttempt, StripeEventOutcome, StripeLedger, StripeWebhookEvent
} from '../../usecases/ports-stripe.js'
import { loadHoldCandidates } from './click-ledger.js'
import { readOrder } from './orders-rows.js'
import type { Db } from './database.js'
import { isUniqueViolation } from './errors.js'
import { flagOrder, lockOrder, markOrderPaid, recordRefund } from './order-ledger.js'
import { moveStock } from './orders-stock.js'
import { enqueueOutbox } from './outbox.js'
import type { CardFailure } from '../../usecases/ports-notifier.js'
import { orderItem, paymentRefund, paymentTransaction, product, providerEvent, shopOrder, stripeAttempt } from './schema.js'

const STRIPE = 'stripe'
const ACTOR = { kind: 'provider', provider: STRIPE } as const

type AttemptRow = typeof stripeAttempt.$inferSelect

function toAttempt (row: AttemptRow): StripeAttempt {
  return {
    id: row.id,
    orderId: row.orderId,
    kind: row.kind,
    attempt: row.attempt,
    idempotencyKey: row.idempotencyKey,
    status: row.status,
    sessionId: row.sessionId,
    paymentIntentId: row.paymentIntentId,
    url: row.url,
    expiresAt: row.expiresAt?.getTime() ?? null
  }
}

async function lockOrNull (tx: Db, orderId: string | null): Promise<Order | undefined> {
  return orderId !== null && isOrderId(orderId) ? await lockOrder(tx, orderId) : undefined
}

async function titlesOf (tx: Db, orderId: string): Promise<Map<string, string>> {
  const rows = await tx.select({ productId: orderItem.productId, title: orderItem.title }).from(orderItem).where(eq(orderItem.orderId, orderId))
  return new Map(rows.map((r) => [r.productId, r.title.en]))
}

async function latestAttempt (tx: Db, orderId: string, kind: StripeAttempt['kind']): Promise<AttemptRow | undefined> {
  const rows = await tx.select().from(stripeAttempt)
    .where(and(eq(stripeAttempt.orderId, orderId), eq(stripeAttempt.kind, kind)))
    .orderBy(desc(stripeAttempt.attempt)).limit(1).for('update')
  return rows[0]
}

async function insertAttempt (tx: Db, orderId: string, kind: StripeAttempt['kind'], previous: number, now: number, expiresAt: number | null): Promise<AttemptRow> {
  const attempt = previous + 1
  const key = kind === 'checkout' ? `checkout:${orderId}:${attempt}` : `pi:${orderId}:${attempt}`
  const [row] = await tx.insert(stripeAttempt).values({
    orderId, kind, attempt, idempotencyKey: key, status: 'creating', expiresAt: expiresAt === null ? null : new Date(expiresAt), createdAt: new Date(now), updatedAt: new Date(now)
  }).returning()
  return row!
}

async function setAttempt (tx: Db, id: number, set: Partial<typeof stripeAttempt.$inferInsert>, now: number): Promise<void> {
  await tx.update(stripeAttempt).set({ ...set, updatedAt: new Date(now) }).where(eq(stripeAttempt.id, id))
}

/** Payable by Stripe: pending and not held by a live Payme/Click transaction (an open Stripe session keeps it from expiring). */
async function isPayableByStripe (tx: Db, order: Order, now: number, checkExpiry: boolean): Promise<boolean> {
  if (order.state !== 'pending') return false
  const status = payStatus(order, await loadHoldCandidates(tx, order.id), now)
  return status === 'payable' || (!checkExpiry && status === 'expired')
}

/** What the customer is told about a failed card payment (Stripe's code, then its decline code). */
function cardFailureOf (error: CardError | null): CardFailure {
  const codes = [error?.code, error?.declineCode]
  if (codes.includes('insufficient_funds')) return 'insufficient_funds'
  if (codes.includes('expired_card')) return 'expired_card'
  return 'declined'
}

const outcome = (note: string, refundsToSend: string[] = []): StripeEventOutcome => ({ duplicate: false, note, refundsToSend })

interface PaymentInput { orderId: string | null, paymentIntentId: string, amount: Money, at: number, now: number, viaCheckout: boolean }

/**
 * Records a succeeded PaymentIntent once (a second signal for it is a no-op): pays a payable
 * order, flags an amount mismatch, and starts an automatic refund for an order that is no
 * longer payable (paid by another provider or attempt, expired, cancelled).
 */
async function recordPayment (tx: Db, input: PaymentInput): Promise<StripeEventOutcome> {
  const order = await lockOrNull(tx, input.orderId)
  if (order === undefined) return outcome(`unknown order ${String(input.orderId)} for ${input.paymentIntentId}`)
  const [existing] = await tx.select().from(paymentTransaction)
    .where(and(eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.providerTransactionId, input.paymentIntentId))).for('update')
  if (existing !== undefined) return outcome(`payment ${input.paymentIntentId} already recorded`)
  const at = new Date(input.now)
  const txnId = createId('pay')
  await tx.insert(paymentTransaction).values({
    id: txnId,
    orderId: order.id,
    provider: STRIPE,
    providerTransactionId: input.paymentIntentId,
    state: 'succeeded',
    amount: input.amount.amount,
    currency: input.amount.currency,
    performedAt: new Date(input.at),
    createdAt: at,
    updatedAt: at
  })
  await tx.update(stripeAttempt).set({ status: 'complete', updatedAt: at })
    .where(and(eq(stripeAttempt.orderId, order.id), eq(stripeAttempt.paymentIntentId, input.paymentIntentId)))
  const ref = `Stripe payment ${input.paymentIntentId} of ${formatMoney(input.amount, 'en')}`
  if (input.amount.amount !== order.total.amount || input.amount.currency !== order.total.currency) {
    await flagOrder(tx, order, 'needs_attention', { now: input.now, note: `${ref} does not match order ${order.id} (total ${formatMoney(order.total, 'en')}); it was not fulfilled. Check it in the Stripe Dashboard.` })
    return outcome('amount mismatch')
  }
  // a checkout payment is judged by state (the open session kept the order from expiring);
  // a direct PaymentIntent by the expiry rule at the moment it succeeded
  if (await isPayableByStripe(tx, order, input.viaCheckout ? input.now : input.at, !input.viaCheckout)) {
    await markOrderPaid(tx, order, { provider: STRIPE, transactionId: txnId, now: input.now, actor: ACTOR })
    return outcome('paid')
  }
  const refundId = createId('led')
  await tx.insert(paymentRefund).values({
    id: refundId,
    orderId: order.id,
    transactionId: txnId,
    provider: STRIPE,
    origin: 'auto',
    state: 'pending',
    amount: input.amount.amount,
    currency: input.amount.currency,
    reason: `order ${order.state} when the payment landed`,
    createdAt: at,
    updatedAt: at
  })
  await enqueueOutbox(tx, 'admin.notify', {
    orderId: order.id,
    text: `${ref} landed for order ${order.id}, which is ${order.state} and no longer payable by it; Bozor is refunding it automatically (refund ${refundId}).`
  }, input.now)
  return outcome('refund started', [refundId])
}

/** Effects of a succeeded refund on its transaction and order (in the caller's transaction). */
async function applyRefundEffects (tx: Db, order: Order, refund: typeof paymentRefund.$inferSelect, now: number): Promise<void> {
  await tx.update(paymentTransaction).set({
    refundedAmount: sql`least(${paymentTransaction.amount}, ${paymentTransaction.refundedAmount} + ${refund.amount})`,
    state: sql`case when ${paymentTransaction.refundedAmount} + ${refund.amount} >= ${paymentTransaction.amount} then 'refunded' else ${paymentTransaction.state} end`,
    updatedAt: new Date(now)
  }).where(eq(paymentTransaction.id, refund.transactionId))
  const amount = { amount: refund.amount, currency: refund.currency }
  const [txn] = await tx.select({ id: paymentTransaction.id }).from(paymentTransaction)
    .where(and(eq(paymentTransaction.orderId, order.id), eq(paymentTransaction.id, refund.transactionId)))
  // only the payment that paid the order counts towards the order's `refunded`
  const paidBy = await tx.select({ reason: sql<string>`1` }).from(shopOrder).where(and(eq(shopOrder.id, order.id), eq(shopOrder.provider, STRIPE)))
  const countsForOrder = txn !== undefined && paidBy.length > 0 && refund.origin !== 'auto' && (order.state === 'paid' || order.state === 'fulfilled')
  if (countsForOrder) {
    await recordRefund(tx, order, { amount: refund.amount, reason: refund.reason ?? 'refunded through Stripe', now, actor: refund.origin === 'external' ? ACTOR : { kind: 'system' } })
    return
  }
  await enqueueOutbox(tx, 'customer.notify', {
    kind: 'order.refunded', orderId: order.id, telegramId: order.customer.telegramId, amount, full: true
  }, now)
}

type RefundRow = typeof paymentRefund.$inferSelect
type RefundStatusEvent = Extract<StripeWebhookEvent, { type: 'refund.status' }>
type DisputeEvent = Extract<StripeWebhookEvent, { type: 'dispute.created' | 'dispute.closed' }>

/**
 * Our refund row for a Stripe Refund: by its `re_…` id, else by the `led_…` id we put in its
 * metadata, else (a Dashboard refund recorded from `charge.refunded`, which carries no refund
 * id) the one external row of the same payment and amount not linked yet.
 */
async function findRefundRow (t: Db, event: RefundStatusEvent): Promise<RefundRow | undefined> {
  const [byStripeId] = await t.select().from(paymentRefund).where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.providerRefundId, event.refundId)))
  if (byStripeId !== undefined) return byStripeId
  if (event.ledgerRefundId !== null) {
    const [byOurs] = await t.select().from(paymentRefund).where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.id, event.ledgerRefundId)))
    if (byOurs !== undefined && (byOurs.providerRefundId === null || byOurs.providerRefundId === event.refundId)) return byOurs
  }
  if (event.paymentIntentId === null) return undefined
  const [external] = await t.select({ refund: paymentRefund }).from(paymentRefund)
    .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
    .where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.origin, 'external'), sql`${paymentRefund.providerRefundId} is null`,
      eq(paymentRefund.amount, event.amount.amount), eq(paymentTransaction.providerTransactionId, event.paymentIntentId)))
    .orderBy(asc(paymentRefund.createdAt)).limit(1)
  return external?.refund
}

/**
 * Takes back the stock a full refund returned, when every item is still available
 * (`stock − reserved ≥ quantity`); otherwise changes nothing. Returns what it did, for the notice.
 */
async function retakeStock (t: Db, order: Order, now: number): Promise<string> {
  const items = [...order.items].sort((a, b) => a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)
  const short: string[] = []
  for (const item of items) {
    const [row] = await t.select({ stock: product.stock, reserved: product.reserved }).from(product).where(eq(product.id, item.productId)).for('update')
    if (row !== undefined && row.stock !== null && row.stock - row.reserved < item.quantity) short.push(`${item.productId} (${Math.max(row.stock - row.reserved, 0)} of ${item.quantity} available)`)
  }
  if (short.length > 0) return `The stock the refund returned could not be taken back (sold again since: ${short.join(', ')}); correct the stock by hand.`
  await moveStock(t, items, 'retake', now)
  return 'The stock the refund returned was taken back out.'
}

/**
 * A refund Stripe accepted or failed later (specs/stripe.md §10). Accepted (`succeeded`, or
 * `pending`, which the ledger counts at once) settles a row still pending here (our API call
 * timed out). Failed or canceled: a pending row becomes failed; a succeeded one is taken back —
 * the payment's and the order's refunded totals are lowered, the stock of a full refund is taken
 * back where it still can be, and the order is flagged with a notice to ADMIN_CHAT_ID. The
 * order state stays as it is (decision 0011). A failed row never changes again.
 */
async function applyRefundStatus (t: Db, event: RefundStatusEvent, now: number): Promise<StripeEventOutcome> {
  const peek = await findRefundRow(t, event)
  if (peek === undefined) {
    const accepted = event.status === 'succeeded' || event.status === 'pending'
    return outcome(accepted
      ? `refund ${event.refundId} not in the ledger (${event.status}); a Dashboard refund is recorded from charge.refunded`
      : `unknown refund ${event.refundId} (${event.status}); nothing changed`)
  }
  const order = await lockOrder(t, peek.orderId)
  const [refund] = await t.select().from(paymentRefund).where(eq(paymentRefund.id, peek.id)).for('update')
  if (order === undefined || refund === undefined) return outcome(`refund ${event.refundId}: order ${peek.orderId} missing`)
  const at = new Date(now)
  const linked = refund.providerRefundId ?? event.refundId
  if (event.status === 'succeeded' || event.status === 'pending') {
    if (refund.state !== 'pending') {
      if (refund.providerRefundId === null) await t.update(paymentRefund).set({ providerRefundId: linked, updatedAt: at }).where(eq(paymentRefund.id, refund.id))
      return outcome(`refund ${event.refundId} ${event.status}; ledger already ${refund.state}`)
    }
    const [done] = await t.update(paymentRefund).set({ state: 'succeeded', providerRefundId: linked, updatedAt: at }).where(eq(paymentRefund.id, refund.id)).returning()
    await applyRefundEffects(t, order, done!, now)
    return outcome(`refund ${event.refundId} settled from its event`)
  }
  if (event.status === 'requires_action') return outcome(`refund ${event.refundId} requires action`)
  if (refund.state === 'failed') return outcome(`refund ${event.refundId} already failed`)
  const why = event.failureReason ?? event.status
  await t.update(paymentRefund).set({ state: 'failed', providerRefundId: linked, lastError: { code: `refund_${event.status}`, failureReason: event.failureReason }, updatedAt: at })
    .where(eq(paymentRefund.id, refund.id))
  const amount = formatMoney({ amount: refund.amount, currency: refund.currency }, 'en')
  const ref = `Stripe refund ${event.refundId} (${refund.id}) of ${amount} for order ${order.id}`
  if (refund.state === 'pending') {
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} ${event.status} (${why}); it was never counted, the order is unchanged. Refund the customer again or another way.` })
    return outcome(`pending refund ${event.refundId} ${event.status}`)
  }
  // it had succeeded: take its effects back
  await t.update(paymentTransaction).set({
    refundedAmount: sql`greatest(${paymentTransaction.refundedAmount} - ${refund.amount}, 0)`,
    state: sql`case when ${paymentTransaction.state} = 'refunded' then 'succeeded' else ${paymentTransaction.state} end`,
    updatedAt: at
  }).where(eq(paymentTransaction.id, refund.transactionId))
  const [paidBy] = await t.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, order.id))
  const counted = refund.origin !== 'auto' && paidBy?.provider === STRIPE && order.refunded.amount >= refund.amount &&
    (order.state === 'paid' || order.state === 'fulfilled' || order.state === 'refunded')
  if (!counted) {
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} failed (${why}) after it had succeeded; the customer did not get the money back. Refund them again from the Stripe Dashboard or another way.` })
    return outcome(`refund ${event.refundId} failed; order totals unchanged`)
  }
  const reverted = revertRefund(order, refund.amount, now)
  const stock = order.state === 'refunded' ? ` The order stays refunded (a final state): refund the customer another way or settle it with them. ${await retakeStock(t, order, now)}` : ''
  await flagOrder(t, reverted, 'needs_attention', {
    now,
    note: `${ref} failed (${why}) after it had succeeded; the customer did not get the money back. The order's refunded total is back to ${formatMoney(reverted.refunded, 'en')} of ${formatMoney(order.total, 'en')}.${stock}`
  })
  return outcome(`refund ${event.refundId} failed; taken back`)
}

/**
 * A dispute (chargeback) on one of our payments: `created` flags the order with a notice naming
 * the amount, reason and evidence deadline; `closed` tells ADMIN_CHAT_ID the outcome. The ledger
 * is not changed (Stripe moves the disputed funds itself).
 */
async function applyDispute (t: Db, event: DisputeEvent, now: number): Promise<StripeEventOutcome> {
  if (event.paymentIntentId === null) return outcome(`dispute ${event.disputeId} on ${String(event.chargeId)} without a payment intent; not ours to match`)
  const [txn] = await t.select({ orderId: paymentTransaction.orderId }).from(paymentTransaction)
    .where(and(eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.providerTransactionId, event.paymentIntentId)))
  const order = txn === undefined ? undefined : await lockOrder(t, txn.orderId)
  if (order === undefined) return outcome(`dispute ${event.disputeId} for unknown payment ${event.paymentIntentId}`)
  const amount = formatMoney(event.amount, 'en')
  const ref = `Stripe dispute ${event.disputeId} on order ${order.id} (payment ${event.paymentIntentId})`
  if (event.type === 'dispute.created') {
    const due = event.dueBy === null ? '' : ` Evidence is due by ${new Date(event.dueBy).toISOString()}.`
    await flagOrder(t, order, 'needs_attention', { now, note: `${ref} opened: ${amount}, reason ${event.reason} (status ${event.status}). Respond in the Stripe Dashboard.${due}` })
    return outcome(`dispute ${event.disputeId} opened`)
  }
  const result = event.status === 'won'
    ? 'won: the disputed funds are returned to you'
    : event.status === 'lost' ? 'lost: the disputed funds stay with the customer' : `closed with status ${event.status}`
  await enqueueOutbox(t, 'admin.notify', { orderId: order.id, text: `${ref} of ${amount} (reason ${event.reason}) ${result}.` }, now)
  return outcome(`dispute ${event.disputeId} closed (${event.status})`)
}

export function createStripeLedger (db: Db): StripeLedger {
  const tx = <T>(work: (t: Db) => Promise<T>): Promise<T> => db.transaction((t) => work(t as unknown as Db))

  async function applyEventOnce (event: StripeWebhookEvent, now: number): Promise<StripeEventOutcome> {
    return await tx(async (t) => {
      const inserted = await t.insert(providerEvent).values({ provider: STRIPE, eventId: event.eventId, receivedAt: new Date(now), payload: { type: event.type, orderId: 'orderId' in event ? event.orderId : null } })
        .onConflictDoNothing().returning({ id: providerEvent.eventId })
      if (inserted.length === 0) return { duplicate: true, note: 'duplicate event', refundsToSend: [] }
      const result = await applyTyped(t, event, now)
      await t.update(providerEvent).set({ result: { note: result.note } })
        .where(and(eq(providerEvent.provider, STRIPE), eq(providerEvent.eventId, event.eventId)))
      return result
    })
  }

  async function applyTyped (t: Db, event: StripeWebhookEvent, now: number): Promise<StripeEventOutcome> {
    switch (event.type) {
      case 'checkout.completed': {
        if (!event.paid || event.paymentIntentId === null || event.amount === null) {
          const order = await lockOrNull(t, event.orderId)
          if (order === undefined) return outcome(`unknown order ${String(event.orderId)}`)
          await t.update(stripeAttempt).set({ status: 'complete', paymentIntentId: event.paymentIntentId, updatedAt: new Date(now) })
            .where(and(eq(stripeAttempt.sessionId, event.sessionId), inArray(stripeAttempt.status, ['creating', 'open'])))
          return outcome('completed unpaid: waiting for the delayed payment')
        }
        const order = await lockOrNull(t, event.orderId)
        if (order !== undefined) {
          await t.update(stripeAttempt).set({ status: 'complete', paymentIntentId: event.paymentIntentId, updatedAt: new Date(now) }).where(eq(stripeAttempt.sessionId, event.sessionId))
        }
        return await recordPayment(t, { orderId: event.orderId, paymentIntentId: event.paymentIntentId, amount: event.amount, at: event.at, now, viaCheckout: true })
      }
      case 'intent.succeeded': {
        const order = await lockOrNull(t, event.orderId)
        const [viaSession] = order === undefined
          ? []
          : await t.select({ id: stripeAttempt.id }).from(stripeAttempt)
            .where(and(eq(stripeAttempt.orderId, order.id), eq(stripeAttempt.kind, 'checkout'), inArray(stripeAttempt.status, ['creating', 'open', 'complete'])))
        const [direct] = order === undefined
          ? []
          : await t.select({ id: stripeAttempt.id }).from(stripeAttempt).where(and(eq(stripeAttempt.paymentIntentId, event.paymentIntentId), eq(stripeAttempt.kind, 'payment_intent')))
        return await recordPayment(t, { orderId: event.orderId, paymentIntentId: event.paymentIntentId, amount: event.amount, at: event.at, now, viaCheckout: viaSession !== undefined && direct === undefined })
      }
      case 'checkout.async_failed':
      case 'checkout.expired': {
        const order = await lockOrNull(t, event.orderId)
        if (order === undefined) return outcome(`unknown order ${String(event.orderId)}`)
        const status = event.type === 'checkout.expired' ? 'expired' : 'failed'
        const changed = await t.update(stripeAttempt).set({ status, url: null, updatedAt: new Date(now) })
          .where(and(eq(stripeAttempt.sessionId, event.sessionId), inArray(stripeAttempt.status, ['creating', 'open', 'complete'])))
          .returning({ id: stripeAttempt.id })
        if (order.state !== 'pending' || changed.length === 0) return outcome(`session ${event.sessionId} ${status}; order ${order.state}`)
        const live = await t.select({ id: stripeAttempt.id }).from(stripeAttempt)
          .where(and(eq(stripeAttempt.orderId, order.id), inArray(stripeAttempt.status, ['creating', 'open'])))
        if (live.length === 0 && now < order.expiresAt) {
          await enqueueOutbox(t, 'customer.notify', { kind: 'payment.not_completed', orderId: order.id, telegramId: order.customer.telegramId }, now)
        }
        return outcome(`session ${event.sessionId} ${status}; order stays pending`)
      }
      case 'intent.failed': {
        const order = await lockOrNull(t, event.orderId)
        if (order === undefined) return outcome(`unknown order ${String(event.orderId)}`)
        await t.update(stripeAttempt).set({ lastError: event.error === null ? { code: 'unknown' } : { ...event.error }, updatedAt: new Date(now) })
          .where(eq(stripeAttempt.paymentIntentId, event.paymentIntentId))
        // the customer is told why, in their language, while the order can still be paid
        // (another card on Stripe's page, or another provider from /orders)
        if (order.state === 'pending' && now < order.expiresAt) {
          await enqueueOutbox(t, 'customer.notify', { kind: 'payment.failed', orderId: order.id, telegramId: order.customer.telegramId, reason: cardFailureOf(event.error) }, now)
        }
        return outcome(`payment ${event.paymentIntentId} failed (${event.error?.code ?? 'unknown'}); order stays ${order.state}`)
      }
      case 'charge.refunded': {
        const order = await lockOrNull(t, event.orderId)
        if (order === undefined || event.paymentIntentId === null) return outcome(`unknown order ${String(event.orderId)} for a refund`)
        const [txn] = await t.select().from(paymentTransaction)
          .where(and(eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.providerTransactionId, event.paymentIntentId))).for('update')
        if (txn === undefined) return outcome(`refund of unknown payment ${event.paymentIntentId}`)
        const [known] = await t.select({ sum: sql<string>`coalesce(sum(${paymentRefund.amount}), 0)` }).from(paymentRefund)
          .where(and(eq(paymentRefund.transactionId, txn.id), inArray(paymentRefund.state, ['pending', 'succeeded'])))
        const delta = event.amountRefunded.amount - Number(known?.sum ?? 0)
        if (delta <= 0) return outcome('refund already known')
        const at = new Date(now)
        const [row] = await t.insert(paymentRefund).values({
          id: createId('led'),
          orderId: order.id,
          transactionId: txn.id,
          provider: STRIPE,
          origin: 'external',
          state: 'succeeded',
          amount: Math.min(delta, txn.amount - txn.refundedAmount),
          currency: txn.currency,
          reason: 'refunded outside Bozor (Stripe Dashboard)',
          createdAt: at,
          updatedAt: at
        }).returning()
        if (row === undefined || row.amount <= 0) return outcome('refund already known')
        await applyRefundEffects(t, order, row, now)
        return outcome('external refund recorded')
      }
      case 'refund.status':
        return await applyRefundStatus(t, event, now)
      case 'dispute.created':
      case 'dispute.closed':
        return await applyDispute(t, event, now)
      case 'ignored':
        return outcome(`ignored ${event.eventType}`)
    }
  }

  return {
    async beginCheckout ({ orderId, now }) {
      return await tx(async (t) => {
        const order = await lockOrNull(t, orderId)
        if (order === undefined) return { kind: 'refuse', status: 'unknown' }
        const status = payStatus(order, await loadHoldCandidates(t, order.id), now)
        if (status !== 'payable') return { kind: 'refuse', status }
        const last = await latestAttempt(t, order.id, 'checkout')
        const expires = last?.expiresAt?.getTime() ?? 0
        if (last !== undefined && last.status === 'open' && last.url !== null && canReuseSession(expires, now)) return { kind: 'reuse', url: last.url }
        if (last !== undefined && last.status === 'creating' && canReplayCreate(expires, now)) {
          return { kind: 'create', attempt: toAttempt(last), order, titles: await titlesOf(t, order.id) }
        }
        // an earlier attempt that may exist at Stripe but cannot be replayed any more stays
        // as it is; a payment through it still lands on this order (or is refunded)
        if (last?.status === 'creating') await setAttempt(t, last.id, { status: 'failed', lastError: { code: 'abandoned' } }, now)
        const row = await insertAttempt(t, order.id, 'checkout', last?.attempt ?? 0, now, checkoutExpiresAt(order.expiresAt, now))
        return { kind: 'create', attempt: toAttempt(row), order, titles: await titlesOf(t, order.id) }
      })
    },

    async checkoutCreated (attemptId, session, now) {
      await tx(async (t) => {
        const [row] = await t.select().from(stripeAttempt).where(eq(stripeAttempt.id, attemptId)).for('update')
        if (row === undefined) return
        // a webhook may have moved it on already
        const status = row.status === 'creating' || row.status === 'open' ? session.status : row.status
        await setAttempt(t, attemptId, { status, sessionId: session.id, url: session.url, paymentIntentId: row.paymentIntentId ?? session.paymentIntentId, expiresAt: new Date(session.expiresAt) }, now)
      })
    },

    async attemptFailed (attemptId, error, now) {
      await db.update(stripeAttempt).set({ status: 'failed', lastError: error, updatedAt: new Date(now) })
        .where(and(eq(stripeAttempt.id, attemptId), inArray(stripeAttempt.status, ['creating', 'open'])))
    },

    async attemptStatus (attemptId, status, now) {
      await db.update(stripeAttempt).set({ status, updatedAt: new Date(now) }).where(eq(stripeAttempt.id, attemptId))
    },

    async beginPaymentIntent ({ orderId, now, forceNew }) {
      return await tx(async (t) => {
        const order = await lockOrNull(t, orderId)
        if (order === undefined) throw notFound(orderId)
        const last = await latestAttempt(t, order.id, 'payment_intent')
        if (last !== undefined && forceNew !== true && (last.status === 'open' || last.status === 'complete') && last.paymentIntentId !== null) return { kind: 'reuse', attempt: toAttempt(last) }
        await assertPayable(t, order, now)
        if (last !== undefined && forceNew !== true && last.status === 'creating') return { kind: 'create', attempt: toAttempt(last), order }
        if (last !== undefined && last.status !== 'failed' && last.status !== 'expired') await setAttempt(t, last.id, { status: 'expired' }, now)
        const row = await insertAttempt(t, order.id, 'payment_intent', last?.attempt ?? 0, now, null)
        return { kind: 'create', attempt: toAttempt(row), order }
      })
    },

    async intentCreated (attemptId, paymentIntentId, now) {
      await db.update(stripeAttempt).set({ status: 'open', paymentIntentId, updatedAt: new Date(now) })
        .where(and(eq(stripeAttempt.id, attemptId), eq(stripeAttempt.status, 'creating')))
    },

    async latestPaymentIntent (orderId) {
      if (!isOrderId(orderId)) return undefined
      const rows = await db.select().from(stripeAttempt)
        .where(and(eq(stripeAttempt.orderId, orderId), eq(stripeAttempt.kind, 'payment_intent')))
        .orderBy(desc(stripeAttempt.attempt)).limit(1)
      return rows[0] === undefined ? undefined : toAttempt(rows[0])
    },

    async applyEvent (event, now) {
      try {
        return await applyEventOnce(event, now)
      } catch (error) {
        // a concurrent first delivery of the same event committed between our insert and its
        // conflict check: this one is a repeat
        if (isUniqueViolation(error)) return { duplicate: true, note: 'duplicate event', refundsToSend: [] }
        throw error
      }
    },

    async recordCheckoutPayment (input) {
      return await tx(async (t) => await recordPayment(t, { orderId: input.orderId, paymentIntentId: input.paymentIntentId, amount: input.amount, at: input.now, now: input.now, viaCheckout: true }))
    },

    async liveCheckoutsDue (now) {
      const rows = await db.select({ attempt: stripeAttempt }).from(stripeAttempt)
        .innerJoin(shopOrder, eq(shopOrder.id, stripeAttempt.orderId))
        .where(and(eq(shopOrder.state, 'pending'), lte(shopOrder.expiresAt, new Date(now)), eq(stripeAttempt.kind, 'checkout'), inArray(stripeAttempt.status, ['creating', 'open'])))
        .orderBy(asc(stripeAttempt.id)).limit(100)
      const result = []
      for (const { attempt } of rows) {
        const order = await readOrderFor(db, attempt.orderId)
        if (order !== undefined) result.push({ attempt: toAttempt(attempt), order, titles: await titlesOf(db, attempt.orderId) })
      }
      return result
    },

    async beginRefund ({ orderId, amount, reason, now }) {
      return await tx(async (t) => {
        const order = await lockOrNull(t, orderId)
        if (order === undefined) throw notFound(orderId)
        const [pending] = await t.select().from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.state, 'pending'), eq(paymentRefund.origin, 'admin'))).for('update')
        if (pending !== undefined) {
          if (amount === undefined || amount === pending.amount) return pending.id
          throw new DomainErrorCtor('ERR_REFUND_PENDING', `A refund of ${pending.amount} for order ${order.id} is still being sent; retry it or wait`, { orderId: order.id, refundId: pending.id })
        }
        const left = refundableAmount(order)
        if (left <= 0) throw new DomainErrorCtor('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} (${order.state}) has nothing left to refund`, { orderId: order.id, state: order.state })
        const value = amount ?? left
        if (!Number.isSafeInteger(value) || value <= 0 || value > left) {
          throw new DomainErrorCtor('ERR_ORDER_REFUND_AMOUNT', `Refund amount must be a whole number of minor units between 1 and ${left}`, { orderId: order.id, refundable: left, errors: [{ field: 'amount', message: `must be between 1 and ${left}` }] })
        }
        const txns = await t.select().from(paymentTransaction)
          .where(and(eq(paymentTransaction.orderId, order.id), eq(paymentTransaction.provider, STRIPE), eq(paymentTransaction.state, 'succeeded')))
          .orderBy(asc(paymentTransaction.createdAt))
        const autos = new Set((await t.select({ id: paymentRefund.transactionId }).from(paymentRefund)
          .where(and(eq(paymentRefund.orderId, order.id), eq(paymentRefund.origin, 'auto')))).map((r) => r.id))
        const paying = txns.find((r) => !autos.has(r.id) && r.amount - r.refundedAmount >= value)
        if (paying === undefined) throw new DomainErrorCtor('ERR_ORDER_NOTHING_REFUNDABLE', `Order ${order.id} has no Stripe payment with ${value} left to refund`, { orderId: order.id })
        const id = createId('led')
        const at = new Date(now)
        await t.insert(paymentRefund).values({
          id, orderId: order.id, transactionId: paying.id, provider: STRIPE, origin: 'admin', state: 'pending', amount: value, currency: paying.currency, reason, createdAt: at, updatedAt: at
        })
        return id
      })
    },

    async refundToSend (refundId) {
      const [row] = await db.select({ refund: paymentRefund, pi: paymentTransaction.providerTransactionId }).from(paymentRefund)
        .innerJoin(paymentTransaction, eq(paymentTransaction.id, paymentRefund.transactionId))
        .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.state, 'pending'), eq(paymentRefund.provider, STRIPE)))
      if (row === undefined) return undefined
      return { id: row.refund.id, orderId: row.refund.orderId, paymentIntentId: row.pi, amount: { amount: row.refund.amount, currency: row.refund.currency }, reason: row.refund.reason }
    },

    async refundSucceeded (refundId, providerRefundId, now) {
      await tx(async (t) => {
        const [peek] = await t.select({ orderId: paymentRefund.orderId }).from(paymentRefund).where(eq(paymentRefund.id, refundId))
        if (peek === undefined) return
        const order = await lockOrder(t, peek.orderId)
        const [refund] = await t.select().from(paymentRefund).where(eq(paymentRefund.id, refundId)).for('update')
        if (order === undefined || refund === undefined || refund.state !== 'pending') return
        const [done] = await t.update(paymentRefund).set({ state: 'succeeded', providerRefundId, updatedAt: new Date(now) }).where(eq(paymentRefund.id, refundId)).returning()
        await applyRefundEffects(t, order, done!, now)
      })
    },

    async refundFailed (refundId, error, now) {
      await tx(async (t) => {
        const [peek] = await t.select({ orderId: paymentRefund.orderId }).from(paymentRefund).where(eq(paymentRefund.id, refundId))
        if (peek === undefined) return
        const order = await lockOrder(t, peek.orderId)
        const [refund] = await t.update(paymentRefund).set({ state: 'failed', lastError: error, updatedAt: new Date(now) })
          .where(and(eq(paymentRefund.id, refundId), eq(paymentRefund.state, 'pending'))).returning()
        if (order !== undefined && refund !== undefined && refund.origin === 'auto') {
          await flagOrder(t, order, 'needs_attention', { now, note: `The automatic Stripe refund ${refundId} of order ${order.id} failed (${String(error.code ?? 'error')}); refund it in the Stripe Dashboard.` })
        }
      })
    },

    async pendingRefunds (olderThan, limit) {
      const rows = await db.select({ id: paymentRefund.id }).from(paymentRefund)
        .where(and(eq(paymentRefund.provider, STRIPE), eq(paymentRefund.state, 'pending'), lte(paymentRefund.createdAt, new Date(olderThan))))
        .orderBy(asc(paymentRefund.createdAt)).limit(limit)
      return rows.map((r) => r.id)
    }
  }
}

async function readOrderFor (db: Db, orderId: string): Promise<Order | undefined> {
  return await readOrder(db, orderId)
}

function notFound (orderId: string): Error {
  return new DomainErrorCtor('ERR_ORDER_NOT_FOUND', `No order ${orderId}`, { orderId })
}

async function assertPayable (t: Db, order: Order, now: number): Promise<void> {
  const status = payStatus(order, await loadHoldCandidates(t, order.id), now)
  if (status === 'payable') return
  if (status === 'expired') throw new DomainErrorCtor('ERR_ORDER_EXPIRED', `Order ${order.id} has expired`, { orderId: order.id })
  if (status === 'held') throw new DomainErrorCtor('ERR_ORDER_HELD', `Order ${order.id} is being paid through another provider`, { orderId: order.id })
  throw new DomainErrorCtor('ERR_ORDER_STATE', `Order ${order.id} is ${order.state}; only a pending order can be paid`, { orderId: order.id, state: order.state })
}

/** The refund use case's store: the order and the provider that paid it. */
export function createRefundStore (db: Db): RefundOrderStore {
  return {
    async readForRefund (orderId) {
      if (!isOrderId(orderId)) return undefined
      const order = await readOrder(db, orderId)
      if (order === undefined) return undefined
      const [row] = await db.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, orderId))
      return { order, provider: (row?.provider ?? null) as ProviderName | null }
    }
  }
}

/**
 * The {@link StripeLedger} port on PostgreSQL/PGlite (refunds and disputes: stripe-refunds.ts). Every method is one transaction that
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
import type { Order } from '../../domain/orders/order.js'
import { canReplayCreate, canReuseSession, checkoutExpiresAt } from '../../domain/payments/stripe-checkout.js'
import { DomainError as DomainErrorCtor } from '../../domain/shared/errors.js'
import { createId, isOrderId } from '../../domain/shared/ids.js'
import { formatMoney, type Money } from '../../domain/shared/money.js'
import type {
  CardError, StripeAttempt, StripeEventOutcome, StripeLedger, StripeWebhookEvent
} from '../../usecases/ports-stripe.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { readOrder } from './orders-rows.js'
import type { Db } from './database.js'
import { isUniqueViolation } from './errors.js'
import { flagOrder, lockOrNull, markOrderPaid } from './order-ledger.js'
import { enqueueOutbox } from './outbox.js'
import type { CardFailure } from '../../usecases/ports-notifier.js'
import { ACTOR, applyDispute, applyRefundEffects, applyRefundStatus, outcome, STRIPE, stripeRefundMethods } from './stripe-refunds.js'
import { orderItem, paymentRefund, paymentTransaction, providerEvent, shopOrder, stripeAttempt } from './schema.js'

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

interface PaymentInput { orderId: string | null, paymentIntentId: string, amount: Money, at: number, now: number, viaCheckout: boolean }

/**
 * Records a succeeded PaymentIntent once (a second signal for it is a no-op): pays a payable
 * order, flags an amount mismatch, and starts an automatic refund for an order that is no
 * longer payable (paid by another provider or attempt, expired, cancelled).
 */
async function recordPayment (tx: Db, input: PaymentInput): Promise<StripeEventOutcome> {
  const order = await lockOrNull(tx, input.orderId)
  if (order === null) return outcome(`unknown order ${String(input.orderId)} for ${input.paymentIntentId}`)
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

export { createRefundStore } from './stripe-refunds.js'

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
          if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
          await t.update(stripeAttempt).set({ status: 'complete', paymentIntentId: event.paymentIntentId, updatedAt: new Date(now) })
            .where(and(eq(stripeAttempt.sessionId, event.sessionId), inArray(stripeAttempt.status, ['creating', 'open'])))
          return outcome('completed unpaid: waiting for the delayed payment')
        }
        const order = await lockOrNull(t, event.orderId)
        if (order !== null) {
          await t.update(stripeAttempt).set({ status: 'complete', paymentIntentId: event.paymentIntentId, updatedAt: new Date(now) }).where(eq(stripeAttempt.sessionId, event.sessionId))
        }
        return await recordPayment(t, { orderId: event.orderId, paymentIntentId: event.paymentIntentId, amount: event.amount, at: event.at, now, viaCheckout: true })
      }
      case 'intent.succeeded': {
        const order = await lockOrNull(t, event.orderId)
        const [viaSession] = order === null
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
        if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
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
        if (order === null) return outcome(`unknown order ${String(event.orderId)}`)
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
        if (order === null || event.paymentIntentId === null) return outcome(`unknown order ${String(event.orderId)} for a refund`)
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
        if (order === null) return { kind: 'refuse', status: 'unknown' }
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
        if (order === null) throw notFound(orderId)
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
    ...stripeRefundMethods(db)
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

/**
 * The payment use cases' storage ({@link PaymentStore}, usecases/payments/ports.ts) on
 * PostgreSQL/PGlite: it stores and loads the ledger's rows and decides nothing (the rules live in
 * usecases/payments/ and the domain).
 *
 * @example
 * const store = createPaymentStore(database.db)
 * await store.transaction(async (tx) => await tx.lockOrder('1042'))
 */
import { and, asc, between, desc, eq, inArray, isNull, lte, sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { Order } from '../../domain/orders/order.js'
import type { ProviderName, TransactionState } from '../../domain/payments/payment.js'
import type { FiscalItem } from '../../domain/payments/payme-receipt.js'
import { createId } from '../../domain/shared/ids.js'
import type { StripeAttempt } from '../../usecases/ports-stripe.js'
import type {
  AttemptChange, AttemptFilter, NewPayment, NewRefund, PaymentChange, PaymentRecord, PaymentStore, PaymentTx, RefundChange, RefundFilter, RefundRecord
} from '../../usecases/payments/ports.js'
import type { Db } from './database.js'
import { loadHoldCandidates } from './hold-candidates.js'
import { insertHistory, lockOrNull, lockOrderOfPayment, writeState } from './order-ledger.js'
import { readOrder } from './orders-rows.js'
import { moveStock } from './orders-stock.js'
import { enqueueOutbox } from './outbox.js'
import { writeProviderAudit } from './provider-audit.js'
import { analyticsEvent, orderItem, paymentRefund, paymentTransaction, product, providerEvent, shopOrder, stripeAttempt } from './schema.js'

type PaymentRow = typeof paymentTransaction.$inferSelect
type RefundRow = typeof paymentRefund.$inferSelect
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

function attemptWhere (filter: AttemptFilter): SQL | undefined {
  if (Object.values(filter).every((v) => v === undefined)) throw new Error('a Stripe attempt filter needs at least one field')
  return and(
    filter.id === undefined ? undefined : eq(stripeAttempt.id, filter.id),
    filter.orderId === undefined ? undefined : eq(stripeAttempt.orderId, filter.orderId),
    filter.kind === undefined ? undefined : eq(stripeAttempt.kind, filter.kind),
    filter.sessionId === undefined ? undefined : eq(stripeAttempt.sessionId, filter.sessionId),
    filter.paymentIntentId === undefined ? undefined : eq(stripeAttempt.paymentIntentId, filter.paymentIntentId),
    filter.statuses === undefined ? undefined : inArray(stripeAttempt.status, [...filter.statuses])
  )
}

const ms = (d: Date | null): number | null => d === null ? null : d.getTime()
const date = (t: number | null | undefined): Date | null => t === null || t === undefined ? null : new Date(t)

/** A stored payment row as the use cases' record. */
export function toPaymentRecord (row: PaymentRow): PaymentRecord {
  return {
    id: row.id,
    orderId: row.orderId,
    provider: row.provider as ProviderName,
    providerId: row.providerTransactionId,
    state: row.state,
    providerState: row.providerState,
    amount: row.amount,
    currency: row.currency as PaymentRecord['currency'],
    refundedAmount: row.refundedAmount,
    reason: row.reason,
    createdAt: row.createdAt.getTime(),
    performedAt: ms(row.performedAt),
    cancelledAt: ms(row.cancelledAt),
    providerCreatedAt: row.providerCreatedAt,
    seq: row.seq,
    paymeTime: row.paymeTime,
    clickPaydocId: row.clickPaydocId,
    rawAmount: row.rawAmount,
    cancelledAfterConfirmAt: ms(row.cancelledAfterConfirmAt)
  }
}

function toRefundRecord (row: RefundRow): RefundRecord {
  return {
    id: row.id,
    orderId: row.orderId,
    transactionId: row.transactionId,
    provider: row.provider as ProviderName,
    providerRefundId: row.providerRefundId,
    origin: row.origin,
    state: row.state,
    amount: row.amount,
    currency: row.currency as RefundRecord['currency'],
    reason: row.reason,
    lastError: row.lastError ?? null,
    createdAt: row.createdAt.getTime()
  }
}

function refundWhere (filter: RefundFilter): SQL | undefined {
  const parts: Array<SQL | undefined> = [
    filter.orderId === undefined ? undefined : eq(paymentRefund.orderId, filter.orderId),
    filter.transactionId === undefined ? undefined : eq(paymentRefund.transactionId, filter.transactionId),
    filter.provider === undefined ? undefined : eq(paymentRefund.provider, filter.provider),
    filter.origin === undefined ? undefined : eq(paymentRefund.origin, filter.origin),
    filter.states === undefined ? undefined : inArray(paymentRefund.state, [...filter.states]),
    filter.providerRefundId === undefined ? undefined : eq(paymentRefund.providerRefundId, filter.providerRefundId),
    filter.unlinked === true ? isNull(paymentRefund.providerRefundId) : undefined,
    filter.amount === undefined ? undefined : eq(paymentRefund.amount, filter.amount),
    filter.createdBefore === undefined ? undefined : lte(paymentRefund.createdAt, new Date(filter.createdBefore))
  ]
  return and(...parts)
}

/** An order's items with their products' fiscal data (a query to run, or to prepare with a placeholder). */
function fiscalQuery (db: Db, orderId: string | Placeholder) {
  return db.select({
    title: orderItem.title, unitAmount: orderItem.unitAmount, quantity: orderItem.quantity, code: product.fiscalCode, packageCode: product.packageCode, vatPercent: product.vatPercent
  }).from(orderItem).innerJoin(product, eq(product.id, orderItem.productId))
    .where(eq(orderItem.orderId, orderId)).orderBy(asc(orderItem.productId))
}

function toFiscalItem (r: Awaited<ReturnType<typeof fiscalQuery>>[number]): FiscalItem {
  return {
    title: r.title,
    unitAmount: r.unitAmount,
    quantity: r.quantity,
    fiscal: r.code !== null && r.packageCode !== null && r.vatPercent !== null ? { code: r.code, packageCode: r.packageCode, vatPercent: r.vatPercent } : null
  }
}

/** The {@link PaymentTx} operations over `db` (a transaction, or the pool for single statements). */
export function paymentTx (db: Db): PaymentTx {
  return {
    lockOrder: async (orderId) => await lockOrNull(db, orderId),
    lockOrderOfPayment: async (provider, providerId) => (await lockOrderOfPayment(db, provider, providerId)) ?? null,
    readOrder: async (orderId) => /^\d{1,18}$/.test(orderId) ? (await readOrder(db, orderId)) ?? null : null,

    async paidBy (orderId) {
      const [row] = await db.select({ provider: shopOrder.provider }).from(shopOrder).where(eq(shopOrder.id, orderId))
      return (row?.provider ?? null) as ProviderName | null
    },

    async itemTitles (orderId) {
      const rows = await db.select({ productId: orderItem.productId, title: orderItem.title }).from(orderItem).where(eq(orderItem.orderId, orderId))
      return new Map(rows.map((r) => [r.productId, r.title.en]))
    },

    async fiscalItems (orderId) {
      return (await fiscalQuery(db, orderId)).map(toFiscalItem)
    },

    holdCandidates: async (orderId, except) => await loadHoldCandidates(db, orderId, except),

    async writeOrder (order: Order, write = {}) {
      await writeState(db, order, write.provider !== undefined ? { provider: write.provider } : {}, write.stamp ?? true)
      if (write.entry !== undefined && write.entry !== null) await insertHistory(db, order.id, write.entry)
    },

    moveStock: async (items, move, now) => { await moveStock(db, items, move, now) },

    async stockShort (items) {
      const sorted = [...items].sort((a, b) => a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)
      const short = []
      for (const item of sorted) {
        const [row] = await db.select({ stock: product.stock, reserved: product.reserved }).from(product).where(eq(product.id, item.productId)).for('update')
        if (row !== undefined && row.stock !== null && row.stock - row.reserved < item.quantity) {
          short.push({ productId: item.productId, available: Math.max(row.stock - row.reserved, 0), quantity: item.quantity })
        }
      }
      return short
    },

    enqueue: async (topic, payload, now) => { await enqueueOutbox(db, topic, payload, now) },

    async track (name, order, properties, now) {
      // an event about an order is the sandbox's when the order is (DESIGN.md "The sandbox")
      const sandbox = sql<boolean>`coalesce((select o.sandbox from shop_order o where o.id = ${order.id}), false)`
      await db.insert(analyticsEvent).values({ name, customerTelegramId: order.customer.telegramId, orderId: order.id, properties, at: new Date(now), sandbox })
    },

    async payment (provider, providerId, lock = false) {
      const query = db.select().from(paymentTransaction)
        .where(and(eq(paymentTransaction.provider, provider), eq(paymentTransaction.providerTransactionId, providerId)))
      const [row] = lock ? await query.for('update') : await query
      return row === undefined ? undefined : toPaymentRecord(row)
    },

    async paymentBySeq (provider, seq) {
      if (!Number.isSafeInteger(seq)) return undefined
      const [row] = await db.select().from(paymentTransaction)
        .where(and(eq(paymentTransaction.provider, provider), eq(paymentTransaction.seq, seq))).for('update')
      return row === undefined ? undefined : toPaymentRecord(row)
    },

    async paymentById (id, lock = false) {
      const query = db.select().from(paymentTransaction).where(eq(paymentTransaction.id, id))
      const [row] = lock ? await query.for('update') : await query
      return row === undefined ? undefined : toPaymentRecord(row)
    },

    async payments (orderId, provider, state: TransactionState) {
      const rows = await db.select().from(paymentTransaction)
        .where(and(eq(paymentTransaction.orderId, orderId), eq(paymentTransaction.provider, provider), eq(paymentTransaction.state, state)))
        .orderBy(asc(paymentTransaction.performedAt), asc(paymentTransaction.seq))
      return rows.map(toPaymentRecord)
    },

    async paymentsByPaymeTime (from, to) {
      const rows = await db.select().from(paymentTransaction)
        .where(and(eq(paymentTransaction.provider, 'payme'), between(paymentTransaction.paymeTime, from, to)))
        .orderBy(paymentTransaction.paymeTime)
      return rows.map(toPaymentRecord)
    },

    async insertPayment (p: NewPayment, now) {
      const at = new Date(now)
      const [row] = await db.insert(paymentTransaction).values({
        id: createId('pay'),
        orderId: p.orderId,
        provider: p.provider,
        providerTransactionId: p.providerId,
        state: p.state,
        providerState: p.providerState ?? null,
        amount: p.amount,
        currency: p.currency,
        paymeTime: p.paymeTime ?? null,
        providerCreatedAt: p.providerCreatedAt ?? null,
        clickPaydocId: p.clickPaydocId ?? null,
        rawAmount: p.rawAmount ?? null,
        performedAt: date(p.performedAt),
        raw: p.raw === undefined ? null : p.raw as object,
        createdAt: new Date(p.createdAt),
        updatedAt: at
      }).returning()
      if (row === undefined) throw new Error(`payment ${p.provider} ${p.providerId}: insert returned no row`)
      return toPaymentRecord(row)
    },

    async updatePayment (id, change: PaymentChange) {
      await db.update(paymentTransaction).set({
        ...(change.state !== undefined ? { state: change.state } : {}),
        ...(change.providerState !== undefined ? { providerState: change.providerState } : {}),
        ...(change.refundedAmount !== undefined ? { refundedAmount: change.refundedAmount } : {}),
        ...(change.reason !== undefined ? { reason: change.reason } : {}),
        ...(change.performedAt !== undefined ? { performedAt: date(change.performedAt) } : {}),
        ...(change.cancelledAt !== undefined ? { cancelledAt: date(change.cancelledAt) } : {}),
        ...(change.cancelledAfterConfirmAt !== undefined ? { cancelledAfterConfirmAt: date(change.cancelledAfterConfirmAt) } : {}),
        updatedAt: new Date(change.updatedAt)
      }).where(eq(paymentTransaction.id, id))
    },

    async setPaymeFiscal (paymeId, type, data) {
      const set = type === 'PERFORM' ? { fiscalPerform: data } : { fiscalCancel: data }
      const rows = await db.update(paymentTransaction).set(set)
        .where(and(eq(paymentTransaction.provider, 'payme'), eq(paymentTransaction.providerTransactionId, paymeId)))
        .returning({ id: paymentTransaction.id })
      return rows.length > 0
    },

    async refunds (filter, lock = false) {
      const ordered = db.select().from(paymentRefund).where(refundWhere(filter)).orderBy(asc(paymentRefund.createdAt), asc(paymentRefund.id))
      const query = filter.limit === undefined ? ordered : ordered.limit(filter.limit)
      const rows = lock ? await query.for('update') : await query
      return rows.map(toRefundRecord)
    },

    async refundById (id, lock = false) {
      const query = db.select().from(paymentRefund).where(eq(paymentRefund.id, id))
      const [row] = lock ? await query.for('update') : await query
      return row === undefined ? undefined : toRefundRecord(row)
    },

    async insertRefund (r: NewRefund, now, id) {
      const at = new Date(now)
      const [row] = await db.insert(paymentRefund).values({
        id: id ?? createId('led'),
        orderId: r.orderId,
        transactionId: r.transactionId,
        provider: r.provider,
        providerRefundId: r.providerRefundId ?? null,
        origin: r.origin,
        state: r.state,
        amount: r.amount,
        currency: r.currency,
        reason: r.reason,
        createdAt: at,
        updatedAt: at
      }).returning()
      if (row === undefined) throw new Error(`refund of ${r.transactionId}: insert returned no row`)
      return toRefundRecord(row)
    },

    async updateRefund (id, change: RefundChange) {
      const [row] = await db.update(paymentRefund).set({
        ...(change.state !== undefined ? { state: change.state } : {}),
        ...(change.providerRefundId !== undefined ? { providerRefundId: change.providerRefundId } : {}),
        ...(change.lastError !== undefined ? { lastError: change.lastError } : {}),
        updatedAt: new Date(change.updatedAt)
      }).where(eq(paymentRefund.id, id)).returning()
      return row === undefined ? undefined : toRefundRecord(row)
    },

    audit: async (entry, secrets) => { await writeProviderAudit(db, entry, secrets) },

    async recordProviderEvent (provider, eventId, payload, now) {
      const inserted = await db.insert(providerEvent).values({ provider, eventId, receivedAt: new Date(now), payload: payload as object })
        .onConflictDoNothing().returning({ id: providerEvent.eventId })
      return inserted.length > 0
    },

    async setProviderEventResult (provider, eventId, result) {
      await db.update(providerEvent).set({ result: result as object })
        .where(and(eq(providerEvent.provider, provider), eq(providerEvent.eventId, eventId)))
    },

    async latestAttempt (orderId, kind) {
      const [row] = await db.select().from(stripeAttempt)
        .where(and(eq(stripeAttempt.orderId, orderId), eq(stripeAttempt.kind, kind)))
        .orderBy(desc(stripeAttempt.attempt)).limit(1).for('update')
      return row === undefined ? undefined : toAttempt(row)
    },

    async attemptById (id, lock = false) {
      const query = db.select().from(stripeAttempt).where(eq(stripeAttempt.id, id))
      const [row] = lock ? await query.for('update') : await query
      return row === undefined ? undefined : toAttempt(row)
    },

    async attempts (filter) {
      const rows = await db.select().from(stripeAttempt).where(attemptWhere(filter)).orderBy(asc(stripeAttempt.id))
      return rows.map(toAttempt)
    },

    async insertAttempt (a, now) {
      const [row] = await db.insert(stripeAttempt).values({
        orderId: a.orderId, kind: a.kind, attempt: a.attempt, idempotencyKey: a.idempotencyKey, status: 'creating', expiresAt: date(a.expiresAt), createdAt: new Date(now), updatedAt: new Date(now)
      }).returning()
      if (row === undefined) throw new Error(`Stripe attempt ${a.idempotencyKey}: insert returned no row`)
      return toAttempt(row)
    },

    async updateAttempts (filter, change: AttemptChange, now) {
      const rows = await db.update(stripeAttempt).set({
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.sessionId !== undefined ? { sessionId: change.sessionId } : {}),
        ...(change.paymentIntentId !== undefined ? { paymentIntentId: change.paymentIntentId } : {}),
        ...(change.url !== undefined ? { url: change.url } : {}),
        ...(change.expiresAt !== undefined ? { expiresAt: date(change.expiresAt) } : {}),
        ...(change.lastError !== undefined ? { lastError: change.lastError } : {}),
        updatedAt: new Date(now)
      }).where(attemptWhere(filter)).returning({ id: stripeAttempt.id })
      return rows.map((r) => r.id)
    },

    async liveCheckoutsDue (now, limit) {
      const rows = await db.select({ attempt: stripeAttempt }).from(stripeAttempt)
        .innerJoin(shopOrder, eq(shopOrder.id, stripeAttempt.orderId))
        .where(and(eq(shopOrder.state, 'pending'), lte(shopOrder.expiresAt, new Date(now)), eq(stripeAttempt.kind, 'checkout'), inArray(stripeAttempt.status, ['creating', 'open'])))
        .orderBy(asc(stripeAttempt.id)).limit(limit)
      return rows.map((r) => toAttempt(r.attempt))
    }
  }
}

/**
 * The hot reads of the callbacks outside a transaction (CheckTransaction's lookup,
 * CheckPerformTransaction's fiscal items) as prepared statements on the pool: built once instead
 * of through the query builder on every call, and parsed once per connection by PostgreSQL
 * (issue 18; the profile showed the builder's cost per call).
 */
function preparedReads (db: Db): Pick<PaymentTx, 'payment' | 'fiscalItems'> {
  const byProviderId = db.select().from(paymentTransaction)
    .where(and(eq(paymentTransaction.provider, sql.placeholder('provider')), eq(paymentTransaction.providerTransactionId, sql.placeholder('providerId'))))
    .prepare('bozor_payment_by_provider_id')
  const fiscal = fiscalQuery(db, sql.placeholder('orderId')).prepare('bozor_order_fiscal_items')
  const locking = paymentTx(db)
  return {
    async payment (provider, providerId, lock = false) {
      if (lock) return await locking.payment(provider, providerId, true)
      const [row] = await byProviderId.execute({ provider, providerId })
      return row === undefined ? undefined : toPaymentRecord(row)
    },
    fiscalItems: async (orderId) => (await fiscal.execute({ orderId })).map(toFiscalItem)
  }
}

/** The {@link PaymentStore} over `db`. */
export function createPaymentStore (db: Db): PaymentStore {
  return {
    transaction: async (work) => await db.transaction(async (t) => await work(paymentTx(t as unknown as Db))),
    direct: { ...paymentTx(db), ...preparedReads(db) }
  }
}

/**
 * `applyPaymentEvent`: the one place a payment changes an order (issue 13, decision 0017). Every
 * provider's use case (Payme, Click, Stripe, Stars: usecases/payments/) translates its protocol
 * into a {@link PaymentEvent} and hands it here inside the transaction that locked the order; this
 * owns the order transition, the ledger rows (`payment_refund`, a payment's refunded total),
 * stock and the outbox rows. The rules (DESIGN.md "States"):
 * - a captured payment the order takes: pending → paid once, stock consumed, `order.paid` outbox
 *   row (confirm, deliver digital goods, tell the merchant of physical ones), an analytics event;
 * - a captured payment the order cannot take: an automatic refund (a pending `auto` refund row and
 *   the provider's outbox row) where the provider refunds by API, else `needs_attention`;
 * - a refund that succeeds counts for the order when it refunds the payment that paid it: the
 *   refunded total rises, a full refund makes the order `refunded` and returns its stock, the
 *   customer is told; a refund of an extra payment tells the customer only;
 * - a refund that fails: a pending one is marked failed (the merchant told where it was
 *   automatic); one that had succeeded is taken back (decision 0011);
 * - a provider's own reversal of a captured payment or a dispute flags the order.
 *
 * @example
 * await store.transaction(async (tx) => {
 *   const order = await tx.lockOrder('1042')
 *   if (order !== null) await applyPaymentEvent(tx, order, { type: 'captured', provider: 'payme', orderId: '1042', transactionId: 'pay_…', amount, verdict: 'pay', late }, now)
 * })
 */
import { addFlag, applyRefund, refundableAmount, revertRefund, transition } from '../../domain/orders/order-state.js'
import type { Actor, Order, OrderFlag } from '../../domain/orders/order.js'
import type { LatePayment, PaymentEvent, ProviderName } from '../../domain/payments/payment.js'
import { createId } from '../../domain/shared/ids.js'
import { formatMoney } from '../../domain/shared/money.js'
import { providerActor, type PaymentTx, type RefundRecord } from './ports.js'

/** What applying an event did. */
export interface PaymentEffect {
  /** The order after the event. */
  order: Order
  /** A short account for logs and the provider event's stored result. */
  note: string
  /** The automatic refund it started, to be sent (Stripe sends its own after the commit). */
  refundId?: string
}

/** Where a merchant refunds a provider's payment by hand. */
const CABINET: Record<ProviderName, string> = {
  stripe: 'the Stripe Dashboard',
  payme: 'the Payme merchant cabinet',
  click: 'the Click merchant cabinet',
  stars: 'Telegram'
}

/**
 * Applies `event` to `order`, locked FOR UPDATE in `tx` by the caller (which also stored its
 * own protocol rows). An `ignored` event changes nothing.
 */
export async function applyPaymentEvent (tx: PaymentTx, order: Order, event: PaymentEvent, now: number): Promise<PaymentEffect> {
  switch (event.type) {
    case 'ignored':
      return { order, note: `ignored: ${event.reason}` }
    case 'hold':
      return { order, note: `held by ${event.provider} payment ${event.transactionId}` }
    case 'released':
      // a hold that ended without money is a failed attempt (a Payme debit that failed, a Click error)
      await tx.track('payment.failed', order, { provider: event.provider, reason: event.failure ?? 'not_completed' }, now)
      return { order, note: `${event.provider} payment ${event.transactionId} released (${event.reason}); order stays ${order.state}` }
    case 'captured':
      if (event.verdict === 'pay') return { order: await markPaid(tx, order, event.provider, event.transactionId, now), note: 'paid' }
      return await handleLate(tx, order, event, event.verdict === 'mismatch' && event.mismatch !== undefined ? event.mismatch : event.late, now)
    case 'failed':
      await tx.track('payment.failed', order, { provider: event.provider, reason: event.notice?.kind === 'payment.failed' ? event.notice.reason : 'not_completed' }, now)
      // the customer is told why while the order can still be paid (another card, another provider)
      if (event.notice !== null && order.state === 'pending' && now < order.expiresAt) {
        await tx.enqueue('customer.notify', { ...event.notice, orderId: order.id, telegramId: order.customer.telegramId }, now)
      }
      return { order, note: `payment ${event.transactionId} failed; order stays ${order.state}` }
    case 'refunded':
      return await settleRefund(tx, order, event, now)
    case 'refund_failed':
      return await failRefund(tx, order, event, now)
    case 'reversal': {
      // a refund still pending for it is moot: the provider has the money back already
      for (const refund of await tx.refunds({ transactionId: event.transactionId, states: ['pending'] }, true)) {
        await tx.updateRefund(refund.id, { state: 'failed', lastError: { code: `cancelled_by_${event.provider}`, message: `${event.provider} cancelled the payment before it was refunded` }, updatedAt: now })
      }
      return { order: await flag(tx, order, 'needs_attention', event.note, now), note: `${event.provider} reversed payment ${event.transactionId}; order flagged` }
    }
    case 'dispute':
      if (event.phase === 'opened') return { order: await flag(tx, order, 'needs_attention', event.note, now), note: 'dispute opened' }
      await tx.enqueue('admin.notify', { orderId: order.id, text: event.note }, now)
      return { order, note: 'dispute closed' }
  }
}

/**
 * pending → paid: sets `provider`, consumes the reserved stock, writes the `order.paid` outbox
 * row and analytics event. An order already paid or fulfilled is returned unchanged.
 */
export async function markPaid (tx: PaymentTx, order: Order, provider: ProviderName, transactionId: string, now: number): Promise<Order> {
  if (order.state === 'paid' || order.state === 'fulfilled') return order
  const moved = transition(order, 'paid', `paid through ${provider} (${transactionId})`, providerActor(provider), now)
  await tx.writeOrder(moved.order, { entry: moved.entry, provider })
  await tx.moveStock(order.items, 'consume', now)
  await tx.enqueue('order.paid', {
    orderId: order.id,
    telegramId: order.customer.telegramId,
    provider,
    transactionId,
    total: { ...order.total },
    items: order.items.map((i) => ({ productId: i.productId, quantity: i.quantity, kind: i.kind })),
    steps: []
  }, now)
  await tx.track('order.paid', order, { provider, amount: order.total.amount, currency: order.total.currency }, now)
  return moved.order
}

/** Raises `flag` and writes an `admin.notify` row with `note` (even when the flag was up: each event deserves its message). */
export async function flag (tx: PaymentTx, order: Order, name: OrderFlag, note: string, now: number): Promise<Order> {
  const flagged = { ...addFlag(order, name), updatedAt: now }
  await tx.writeOrder(flagged, { stamp: false })
  await tx.enqueue('admin.notify', { orderId: order.id, flag: name, text: note }, now)
  return flagged
}

async function handleLate (tx: PaymentTx, order: Order, event: Extract<PaymentEvent, { type: 'captured' }>, handling: LatePayment, now: number): Promise<PaymentEffect> {
  if (handling.kind === 'flag') return { order: await flag(tx, order, 'needs_attention', handling.note, now), note: `${event.verdict}: flagged` }
  const refundId = createId('led')
  await tx.insertRefund({
    orderId: order.id,
    transactionId: event.transactionId,
    provider: event.provider,
    origin: 'auto',
    state: 'pending',
    amount: event.amount.amount,
    currency: event.amount.currency,
    reason: handling.reason
  }, now, refundId)
  if (handling.topic !== null) await tx.enqueue(handling.topic, { refundId, orderId: order.id, ...handling.payload }, now)
  if (handling.notice !== undefined) await tx.enqueue('admin.notify', { orderId: order.id, text: handling.notice.replaceAll('{refundId}', refundId) }, now)
  return { order, note: 'refund started', refundId }
}

/** A refund succeeded: its row, its payment's refunded total, and the order when it counts. */
async function settleRefund (tx: PaymentTx, order: Order, event: Extract<PaymentEvent, { type: 'refunded' }>, now: number): Promise<PaymentEffect> {
  let refund: RefundRecord | undefined
  // a provider's notice of a whole-payment refund (Stars) settles a pending one of ours for the
  // same payment and amount (ours was sent and the notice came first), never a second row
  const refundId = event.refundId ?? (event.settlesPending === true
    ? (await tx.refunds({ transactionId: event.transactionId, states: ['pending'], amount: event.amount }, true))[0]?.id
    : undefined)
  if (refundId !== undefined) {
    const row = await tx.refundById(refundId, true)
    if (row === undefined || row.state !== 'pending') return { order, note: `refund ${refundId} already ${row?.state ?? 'unknown'}` }
    refund = await tx.updateRefund(row.id, { state: 'succeeded', providerRefundId: event.providerRefundId ?? row.providerRefundId, lastError: null, updatedAt: now })
  } else {
    refund = await tx.insertRefund({
      orderId: order.id,
      transactionId: event.transactionId,
      provider: event.provider,
      origin: event.origin,
      state: 'succeeded',
      amount: event.amount,
      currency: order.total.currency,
      reason: event.reason,
      providerRefundId: event.providerRefundId ?? null
    }, now)
  }
  if (refund === undefined) return { order, note: 'refund vanished' }
  const payment = await tx.paymentById(refund.transactionId, true)
  if (payment !== undefined) {
    const refunded = Math.min(payment.amount, payment.refundedAmount + refund.amount)
    await tx.updatePayment(payment.id, { refundedAmount: refunded, state: refunded >= payment.amount ? 'refunded' : payment.state, updatedAt: now })
  }
  if (await countsForOrder(tx, order, refund)) {
    const amount = Math.min(refund.amount, refundableAmount(order))
    if (amount <= 0) return { order, note: 'refund recorded; nothing left on the order' }
    const actor = refund.origin === 'external' ? providerActor(refund.provider) : { kind: 'system' as const }
    return { order: await recordOrderRefund(tx, order, { amount, reason: refund.reason ?? `refunded through ${refund.provider}`, actor, now }), note: 'refund recorded' }
  }
  if (event.notifyUncounted ?? true) {
    await tx.enqueue('customer.notify', {
      kind: 'order.refunded', orderId: order.id, telegramId: order.customer.telegramId, amount: { amount: refund.amount, currency: refund.currency }, full: true
    }, now)
  }
  return { order, note: 'refund of a payment that did not pay the order' }
}

/**
 * A refund that counts for a locked paid or fulfilled order: raises `refunded`; when it reaches
 * the total the order becomes `refunded` and its stock returns (a partial refund keeps it); the
 * customer is told. Throws `ERR_ORDER_NOTHING_REFUNDABLE` (409) or `ERR_ORDER_REFUND_AMOUNT`
 * (400) as the domain decides.
 */
export async function recordOrderRefund (tx: PaymentTx, order: Order, input: { amount: number, reason: string, actor: Actor, now: number }): Promise<Order> {
  const result = applyRefund(order, input.amount, input.reason, input.actor, input.now)
  await tx.writeOrder(result.order, { entry: result.entry })
  if (result.fullyRefunded) await tx.moveStock(order.items, 'return', input.now)
  await tx.track('order.refunded', order, { amount: input.amount, currency: order.total.currency, full: result.fullyRefunded }, input.now)
  await tx.enqueue('customer.notify', {
    kind: 'order.refunded', orderId: order.id, telegramId: order.customer.telegramId, amount: { amount: input.amount, currency: order.total.currency }, full: result.fullyRefunded
  }, input.now)
  return result.order
}

/**
 * Whether a refund changes the order: it must not be automatic, must refund a payment of the
 * provider that paid the order that has no automatic refund (an extra payment is refunded on its
 * own), and the order must be paid, fulfilled or (for a take-back) refunded.
 */
async function countsForOrder (tx: PaymentTx, order: Order, refund: RefundRecord, states: readonly Order['state'][] = ['paid', 'fulfilled']): Promise<boolean> {
  if (refund.origin === 'auto' || !states.includes(order.state)) return false
  if (await tx.paidBy(order.id) !== refund.provider) return false
  const autos = await tx.refunds({ transactionId: refund.transactionId, origin: 'auto' })
  return autos.length === 0
}

/** A refund was refused or failed later (decision 0011). */
async function failRefund (tx: PaymentTx, order: Order, event: Extract<PaymentEvent, { type: 'refund_failed' }>, now: number): Promise<PaymentEffect> {
  const refund = await tx.refundById(event.refundId, true)
  if (refund === undefined || refund.state === 'failed') return { order, note: `refund ${event.refundId} already failed` }
  await tx.updateRefund(refund.id, { state: 'failed', providerRefundId: event.providerRefundId ?? refund.providerRefundId, lastError: event.error, updatedAt: now })
  if (refund.state === 'pending') {
    const flagged = event.note === null ? order : await flag(tx, order, 'needs_attention', event.note, now)
    return { order: flagged, note: `pending refund ${refund.id} failed` }
  }
  // it had succeeded: the payment's and (when it counted) the order's refunded totals go back down
  const payment = await tx.paymentById(refund.transactionId, true)
  if (payment !== undefined) {
    await tx.updatePayment(payment.id, { refundedAmount: Math.max(payment.refundedAmount - refund.amount, 0), state: payment.state === 'refunded' ? 'succeeded' : payment.state, updatedAt: now })
  }
  // the customer was told the money was coming back: now they are told it is not
  await tx.enqueue('customer.notify', {
    kind: 'refund.failed', orderId: order.id, telegramId: order.customer.telegramId, amount: { amount: refund.amount, currency: refund.currency }
  }, now)
  const again = `Refund them again from ${CABINET[refund.provider]} or another way.`
  const counted = order.refunded.amount >= refund.amount && await countsForOrder(tx, order, refund, ['paid', 'fulfilled', 'refunded'])
  if (!counted) {
    const note = `${event.ref} failed (${event.why}) after it had succeeded; the customer did not get the money back. ${again}`
    return { order: await flag(tx, order, 'needs_attention', note, now), note: `refund ${refund.id} failed; order totals unchanged` }
  }
  const reverted = revertRefund(order, refund.amount, now)
  const stock = order.state === 'refunded'
    ? ` The order stays refunded (a final state): refund the customer another way or settle it with them. ${await retakeStock(tx, order, now)}`
    : ''
  const note = `${event.ref} failed (${event.why}) after it had succeeded; the customer did not get the money back. The order's refunded total is back to ${formatMoney(reverted.refunded, 'en')} of ${formatMoney(order.total, 'en')}.${stock}`
  return { order: await flag(tx, reverted, 'needs_attention', note, now), note: `refund ${refund.id} failed; taken back` }
}

/** Takes back the stock a full refund returned when every item is still available; otherwise changes nothing. */
async function retakeStock (tx: PaymentTx, order: Order, now: number): Promise<string> {
  const short = await tx.stockShort(order.items)
  if (short.length > 0) {
    return `The stock the refund returned could not be taken back (sold again since: ${short.map((s) => `${s.productId} (${s.available} of ${s.quantity} available)`).join(', ')}); correct the stock by hand.`
  }
  await tx.moveStock(order.items, 'retake', now)
  return 'The stock the refund returned was taken back out.'
}

import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  canPaymeTransition, cancelPayme, isPaymeLive, isPaymeTimedOut, PAYME_MAX_FUTURE_MS, PAYME_TIMEOUT_MS, paymeTransactionState, performPayme,
  timeOutPayme, type PaymeState, type PaymeTransactionRecord
} from '../../../../src/domain/payments/payme-transaction.js'
import { clickTransactionState, isClickStale, CLICK_PREPARE_STALE_MS } from '../../../../src/domain/payments/click-payment.js'
import { decidePaymeCancel, decidePaymeCreate, paymeOutcome } from '../../../../src/domain/payments/payme-decisions.js'
import { decideClickComplete } from '../../../../src/domain/payments/click-decisions.js'
import { ProviderError } from '../../../../src/domain/payments/payment.js'
import { makeOrder } from '../orders/make-order.js'

const TIME = 1715682615123
const tx: PaymeTransactionRecord = {
  paymeId: '6650a3f1c2e4b8a1d3f09e77',
  paymeTime: TIME,
  amount: 12_500_000,
  orderId: '1042',
  transaction: '7301',
  state: 1,
  createTime: TIME + 1333,
  performTime: null,
  cancelTime: null,
  reason: null,
  receivers: null
}

test('Payme transitions: only none→1, 1→2, 1→−1, 2→−2', () => {
  const states: Array<PaymeState | null> = [null, 1, 2, -1, -2]
  const allowed = new Set(['null>1', '1>2', '1>-1', '2>-2'])
  for (const from of states) {
    for (const to of [1, 2, -1, -2] as PaymeState[]) {
      assert.equal(canPaymeTransition(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`)
    }
  }
})

test('the 12-hour rule is strictly greater than 43 200 000 ms after Payme\'s time', () => {
  assert.equal(PAYME_TIMEOUT_MS, 43_200_000)
  assert.equal(isPaymeTimedOut(tx, 1715725815123), false)
  assert.equal(isPaymeTimedOut(tx, 1715725815124), true)
  assert.equal(isPaymeLive(tx, 1715725815123), true)
  assert.equal(isPaymeLive({ ...tx, state: 2 }, TIME), false)
  const dead = timeOutPayme(tx, 1715725815200)
  assert.deepEqual([dead.state, dead.reason, dead.cancelTime, dead.performTime], [-1, 4, 1715725815200, null])
})

test('perform then cancel keeps perform_time and gives −2', () => {
  const performed = performPayme(tx, TIME + 20_000)
  const refunded = cancelPayme(performed, 5, TIME + 90_000)
  assert.deepEqual([refunded.state, refunded.performTime, refunded.cancelTime, refunded.reason], [-2, TIME + 20_000, TIME + 90_000, 5])
  assert.equal(cancelPayme(tx, 3, TIME + 1).state, -1)
})

test('ledger states of Payme and Click', () => {
  assert.deepEqual(([1, 2, -1, -2] as PaymeState[]).map(paymeTransactionState), ['pending', 'succeeded', 'cancelled', 'refunded'])
  assert.deepEqual((['prepared', 'confirmed', 'cancelled'] as const).map(clickTransactionState), ['pending', 'succeeded', 'cancelled'])
  assert.equal(isClickStale({ status: 'prepared', preparedAt: 0 }, CLICK_PREPARE_STALE_MS), true)
  assert.equal(isClickStale({ status: 'confirmed', preparedAt: 0 }, CLICK_PREPARE_STALE_MS), false)
})

test('Create times out the order\'s dead state-1 transactions before inserting', () => {
  const order = makeOrder({}, TIME)
  const now = TIME + 43_200_001
  const plan = decidePaymeCreate({
    input: { paymeId: 'b', paymeTime: now - 1000, amount: 12_500_000, orderId: '1042' },
    existing: null,
    order: { ...order, expiresAt: now + 60_000 },
    payments: [{ provider: 'payme', id: tx.paymeId, state: 1, paymeTime: TIME }],
    now
  })
  assert.equal(plan.kind, 'create')
  assert.deepEqual(plan.kind === 'create' && plan.timeOut, [tx.paymeId])
  assert.throws(() => paymeOutcome(plan), /inserted/)
})

test('Create refuses a time more than 10 minutes ahead of our clock (-31008), accepts up to 10 minutes', () => {
  const order = makeOrder({}, TIME)
  const now = TIME
  const create = (paymeTime: number) => decidePaymeCreate({
    input: { paymeId: 'future', paymeTime, amount: 12_500_000, orderId: '1042' },
    existing: null,
    order: { ...order, expiresAt: now + 60_000 },
    payments: [],
    now
  })
  assert.equal(PAYME_MAX_FUTURE_MS, 600_000)
  assert.equal(create(now + 600_000).kind, 'create', 'exactly 10 minutes ahead: a clock skew Payme may have')
  assert.deepEqual(create(now + 600_001), { kind: 'refuse', refusal: 'state_conflict' })
  assert.deepEqual(create(now + 3 * 365 * 86_400_000), { kind: 'refuse', refusal: 'state_conflict' }, 'years ahead would hold the order past its expiry')
  assert.equal(create(now - 5000).kind, 'create')
})

test('Cancel of a performed transaction refunds the order unless it is non-refundable and fulfilled', () => {
  const performed = performPayme(tx, TIME + 1)
  const order = makeOrder({ state: 'paid' }, TIME)
  const plan = decidePaymeCancel({ tx: performed, order, reason: 5, now: TIME + 2 })
  assert.deepEqual(plan.kind === 'cancel' && [plan.orderEffect, plan.tx.state], ['refund', -2])
  const locked = { ...order, state: 'fulfilled' as const, items: order.items.map((i) => ({ ...i, refundable: false })) }
  assert.deepEqual(decidePaymeCancel({ tx: performed, order: locked, reason: 5, now: TIME + 2 }), { kind: 'refuse', refusal: 'not_cancellable' })
})

test('a successful Click Complete for an order paid meanwhile is confirmed and marked for refund', () => {
  const record = { prepareId: 77, clickTransId: '1', clickPaydocId: '2', orderId: '1042', amount: 12_500_000, rawAmount: '125000.00', status: 'prepared' as const, preparedAt: TIME, confirmedAt: null, cancelledAt: null, cancelledAfterConfirm: false }
  const plan = decideClickComplete({
    input: { clickTransId: '1', orderId: '1042', prepareId: 77, amount: 12_500_000, rawAmount: '125000.00', clickError: 0, now: TIME + 5 },
    order: makeOrder({ state: 'paid' }, TIME),
    record,
    others: []
  })
  assert.deepEqual(plan.kind === 'confirm' && [plan.orderEffect, plan.record.status, plan.record.confirmedAt], ['refund', 'confirmed', TIME + 5])
})

test('ProviderError is a DomainError with provider, code and cause', () => {
  const cause = new Error('ECONNRESET')
  const error = new ProviderError('click', 'Click reversal failed for order 1042', { cause, details: { orderId: '1042' } })
  assert.equal(error.name, 'ProviderError')
  assert.equal(error.code, 'ERR_PAYMENT_PROVIDER')
  assert.equal(error.status, 503)
  assert.equal(error.cause, cause)
  assert.deepEqual(error.details, { provider: 'click', orderId: '1042' })
  assert.equal(new ProviderError('payme', 'Refund in the Payme cabinet', { code: 'ERR_REFUND_UNSUPPORTED' }).status, 409)
})

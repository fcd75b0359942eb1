import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  addFlag, applyRefund, canTransition, isExpired, isRefundAllowed, ORDER_TRANSITIONS, refundableAmount,
  removeFlag, revertRefund, transition
} from '../../../../src/domain/orders/order-state.js'
import { ORDER_STATES, type OrderState } from '../../../../src/domain/orders/order.js'
import { DomainError } from '../../../../src/domain/shared/errors.js'
import { money } from '../../../../src/domain/shared/money.js'
import { makeOrder } from './make-order.js'

const T0 = Date.UTC(2026, 0, 1)
const LATER = T0 + 31 * 60_000
const system = { kind: 'system' } as const

const ALLOWED = new Set(['pending>paid', 'pending>cancelled', 'pending>expired', 'paid>fulfilled', 'paid>refunded', 'fulfilled>refunded'])

test('the transition table is exactly the one of DESIGN.md', () => {
  const table = ORDER_STATES.flatMap((from) => ORDER_TRANSITIONS[from].map((to) => `${from}>${to}`))
  assert.deepEqual(new Set(table), ALLOWED)
})

for (const from of ORDER_STATES) {
  for (const to of ORDER_STATES) {
    const key = `${from}>${to}`
    if (ALLOWED.has(key)) {
      test(`allowed: ${from} → ${to}`, () => {
        const order = makeOrder({ state: from }, T0)
        const { order: next, entry } = transition(order, to, 'test', system, LATER)
        assert.equal(next.state, to)
        assert.equal(next.updatedAt, LATER)
        assert.deepEqual(entry, { from, to, at: LATER, reason: 'test', actor: system })
        assert.equal(order.state, from, 'the input is not mutated')
        assert.equal(canTransition(from, to), true)
      })
    } else {
      test(`forbidden: ${from} → ${to}`, () => {
        assert.equal(canTransition(from, to), false)
        assert.throws(() => transition(makeOrder({ state: from }, T0), to as OrderState, 'test', system, LATER),
          (e: unknown) => e instanceof DomainError && e.code === 'ERR_ORDER_STATE' && e.status === 409)
      })
    }
  }
}

test('expiry: now ≥ expiresAt is the one rule, and expiring early is refused', () => {
  const order = makeOrder({}, T0)
  assert.equal(isExpired(order, order.expiresAt - 1), false)
  assert.equal(isExpired(order, order.expiresAt), true)
  assert.throws(() => transition(order, 'expired', 'job', system, order.expiresAt - 1), { code: 'ERR_ORDER_STATE' })
  assert.equal(transition(order, 'expired', 'job', system, order.expiresAt).order.state, 'expired')
})

test('a partial refund only raises refunded; reaching the total moves to refunded', () => {
  const paid = makeOrder({ state: 'paid' }, T0)
  const first = applyRefund(paid, 2_500_000, 'partial', system, LATER)
  assert.equal(first.order.state, 'paid')
  assert.deepEqual(first.order.refunded, money(2_500_000, 'UZS'))
  assert.equal(first.entry, null)
  assert.equal(first.fullyRefunded, false)
  assert.equal(refundableAmount(first.order), 10_000_000)
  const rest = applyRefund(first.order, 10_000_000, 'rest', system, LATER)
  assert.equal(rest.order.state, 'refunded')
  assert.equal(rest.fullyRefunded, true)
  assert.equal(rest.entry?.from, 'paid')
  assert.throws(() => applyRefund(rest.order, 1, 'more', system, LATER), { code: 'ERR_ORDER_NOTHING_REFUNDABLE', status: 409 })
})

test('refund amounts outside 1..left and refunds of unpaid orders are refused', () => {
  const fulfilled = makeOrder({ state: 'fulfilled' }, T0)
  assert.throws(() => applyRefund(fulfilled, 0, 'x', system, LATER), { code: 'ERR_ORDER_REFUND_AMOUNT' })
  assert.throws(() => applyRefund(fulfilled, 12_500_001, 'x', system, LATER), { code: 'ERR_ORDER_REFUND_AMOUNT' })
  assert.throws(() => applyRefund(fulfilled, 1.5, 'x', system, LATER), { code: 'ERR_ORDER_REFUND_AMOUNT' })
  assert.throws(() => applyRefund(makeOrder({}, T0), 1, 'x', system, LATER), { code: 'ERR_ORDER_NOTHING_REFUNDABLE' })
  assert.equal(applyRefund(fulfilled, 12_500_000, 'all', system, LATER).order.state, 'refunded')
})

test('a refund that later fails is taken back and flags the order', () => {
  const partly = applyRefund(makeOrder({ state: 'paid' }, T0), 1000, 'x', system, LATER).order
  const back = revertRefund(partly, 1000, LATER)
  assert.deepEqual(back.refunded, money(0, 'UZS'))
  assert.deepEqual(back.flags, ['needs_attention'])
  assert.equal(back.state, 'paid')
})

test('flags are a set', () => {
  const flagged = addFlag(addFlag(makeOrder(), 'needs_attention'), 'needs_attention')
  assert.deepEqual(flagged.flags, ['needs_attention'])
  assert.deepEqual(removeFlag(flagged, 'needs_attention').flags, [])
})

test('refund is allowed unless a fulfilled order has a non-refundable item', () => {
  const base = makeOrder({ state: 'fulfilled' })
  const item = base.items[0]!
  assert.equal(isRefundAllowed(base), true)
  assert.equal(isRefundAllowed({ ...base, items: [{ ...item, refundable: false }] }), false)
  assert.equal(isRefundAllowed({ ...base, state: 'paid', items: [{ ...item, refundable: false }] }), true)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { findHold, isHeld, payStatus, type HoldCandidate } from '../../../../src/domain/orders/hold.js'
import { CLICK_PREPARE_STALE_MS } from '../../../../src/domain/payments/click-payment.js'
import { PAYME_TIMEOUT_MS } from '../../../../src/domain/payments/payme-transaction.js'
import { makeOrder } from './make-order.js'

const T0 = Date.UTC(2026, 0, 1)

test('only a live Payme state-1 transaction or a fresh prepared Click payment holds an order', () => {
  const payme = (state: 1 | 2 | -1 | -2): HoldCandidate => ({ provider: 'payme', id: 'p', state, paymeTime: T0 })
  const click = (status: 'prepared' | 'confirmed' | 'cancelled'): HoldCandidate => ({ provider: 'click', id: '7', status, preparedAt: T0 })
  assert.equal(isHeld([payme(1)], T0 + PAYME_TIMEOUT_MS), true)
  assert.equal(isHeld([payme(1)], T0 + PAYME_TIMEOUT_MS + 1), false)
  for (const s of [2, -1, -2] as const) assert.equal(isHeld([payme(s)], T0), false)
  assert.equal(isHeld([click('prepared')], T0 + CLICK_PREPARE_STALE_MS - 1), true)
  assert.equal(isHeld([click('prepared')], T0 + CLICK_PREPARE_STALE_MS), false)
  assert.equal(isHeld([click('confirmed'), click('cancelled')], T0), false)
  assert.equal(findHold([payme(-1), click('prepared')], T0)?.provider, 'click')
  assert.equal(isHeld([], T0), false)
})

test('pay status follows state, expiry and holds', () => {
  const order = makeOrder({}, T0)
  const hold: HoldCandidate = { provider: 'payme', id: 'p', state: 1, paymeTime: T0 }
  assert.equal(payStatus(order, [], T0), 'payable')
  assert.equal(payStatus(order, [], order.expiresAt), 'expired')
  assert.equal(payStatus(order, [hold], order.expiresAt + 1000), 'held')
  assert.equal(payStatus({ ...order, state: 'paid' }, [], T0), 'paid')
  assert.equal(payStatus({ ...order, state: 'fulfilled' }, [], T0), 'paid')
  assert.equal(payStatus({ ...order, state: 'cancelled' }, [], T0), 'cancelled')
  assert.equal(payStatus({ ...order, state: 'expired' }, [], T0), 'expired')
  assert.equal(payStatus({ ...order, state: 'refunded' }, [], T0), 'refunded')
})

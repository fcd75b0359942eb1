// Stripe's edge: minor units per currency (zero-decimal, three-decimal, ISK, MGA), bounds refused
// before any call, metadata limits, decline messages and the session expiry window.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromStripeAmount, toStripeAmount } from '../../../../src/adapters/stripe/stripe-amount.js'
import { declineMessage } from '../../../../src/adapters/stripe/stripe-errors.js'
import { buildMetadata } from '../../../../src/adapters/stripe/stripe-metadata.js'
import { checkoutExpiresAt } from '../../../../src/domain/payments/stripe-checkout.js'
import { ProviderError } from '../../../../src/domain/payments/payment.js'
import { money } from '../../../../src/domain/shared/money.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn() } catch (error) { return error instanceof ProviderError ? error.code : 'other' }
  return undefined
}

test('stripe amounts: minor units per currency and back', () => {
  assert.deepEqual(toStripeAmount(money(1234, 'USD'), {}), { amount: 1234, currency: 'usd' })
  assert.deepEqual(toStripeAmount(money(500, 'JPY'), {}), { amount: 500, currency: 'jpy' })
  assert.deepEqual(toStripeAmount(money(1_000_000, 'UZS'), {}), { amount: 1_000_000, currency: 'uzs' })
  assert.deepEqual(toStripeAmount(money(5_000, 'KWD'), { KWD: 1000 }), { amount: 5_000, currency: 'kwd' })
  assert.equal(codeOf(() => toStripeAmount(money(5_005, 'KWD'), { KWD: 1000 })), 'ERR_PAYMENT_AMOUNT_INVALID')
  assert.deepEqual(toStripeAmount(money(700, 'ISK'), { ISK: 100 }), { amount: 70_000, currency: 'isk' })
  assert.deepEqual(fromStripeAmount(70_000, 'isk'), money(700, 'ISK'))
  assert.deepEqual(fromStripeAmount(1999, 'usd'), money(1999, 'USD'))
})

test('stripe amounts: below the minimum and above eight digits are refused', () => {
  assert.equal(codeOf(() => toStripeAmount(money(49, 'USD'), {})), 'ERR_PAYMENT_AMOUNT_TOO_SMALL')
  assert.equal(codeOf(() => toStripeAmount(money(999_999, 'UZS'), {})), 'ERR_PAYMENT_AMOUNT_TOO_SMALL')
  assert.equal(codeOf(() => toStripeAmount(money(100, 'USD'), { USD: 200 })), 'ERR_PAYMENT_AMOUNT_TOO_SMALL')
  assert.equal(codeOf(() => toStripeAmount(money(100_000_000, 'USD'), {})), 'ERR_PAYMENT_AMOUNT_TOO_LARGE')
  assert.equal(codeOf(() => toStripeAmount(money(99_999_999, 'USD'), {})), undefined)
  assert.equal(codeOf(() => toStripeAmount(money(10_000, 'PEN'), {})), 'ERR_PAYMENT_AMOUNT_TOO_SMALL', 'no known minimum: not offered')
})

test('stripe metadata: limits are checked before sending', () => {
  assert.deepEqual(buildMetadata({ order_id: '1042' }), { order_id: '1042' })
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']))
  assert.throws(() => buildMetadata(many))
  assert.throws(() => buildMetadata({ ['k'.repeat(41)]: 'v' }))
  assert.throws(() => buildMetadata({ 'a[b]': 'v' }))
  assert.throws(() => buildMetadata({ k: 'v'.repeat(501) }))
})

test('stripe declines: reason-specific messages in the customer language, lost and stolen cards said as declined', () => {
  assert.match(declineMessage('card_declined', 'insufficient_funds', 'en'), /insufficient funds/)
  assert.match(declineMessage('card_declined', 'insufficient_funds', 'ru'), /недостаточно средств/)
  assert.match(declineMessage('expired_card', null, 'uz'), /muddati tugagan/)
  assert.equal(declineMessage('card_declined', 'stolen_card', 'en'), declineMessage('card_declined', 'generic_decline', 'en'))
})

test('stripe sessions: expires_at follows the order inside Stripe window', () => {
  const now = Date.UTC(2026, 0, 1, 10)
  assert.equal(checkoutExpiresAt(now + 2 * 3600_000, now), now + 2 * 3600_000)
  assert.equal(checkoutExpiresAt(now + 30 * 60_000, now), now + 31 * 60_000)
  assert.equal(checkoutExpiresAt(now + 48 * 3600_000, now), now + 24 * 3600_000 - 60_000)
})

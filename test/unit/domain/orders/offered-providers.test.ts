import { test } from 'node:test'
import assert from 'node:assert/strict'
import { offeredProviders, STRIPE_MAX_AMOUNT, type OfferConfig } from '../../../../src/domain/orders/offered-providers.js'
import { money } from '../../../../src/domain/shared/money.js'

const ALL: OfferConfig = { configured: ['payme', 'click', 'stripe', 'stars'] }

const TABLE: Array<[string, number, string, OfferConfig, string[]]> = [
  ['UZS within Stripe bounds', 12_500_000, 'UZS', ALL, ['payme', 'click', 'stripe']],
  ['UZS at the Stripe minimum', 1_000_000, 'UZS', ALL, ['payme', 'click', 'stripe']],
  ['UZS below the Stripe minimum', 999_999, 'UZS', ALL, ['payme', 'click']],
  ['UZS at the 8-digit cap', STRIPE_MAX_AMOUNT, 'UZS', ALL, ['payme', 'click', 'stripe']],
  ['UZS above the 8-digit cap', STRIPE_MAX_AMOUNT + 1, 'UZS', ALL, ['payme', 'click']],
  ['UZS with a configured lower minimum', 500_000, 'UZS', { ...ALL, stripeMinAmounts: { UZS: 100_000 } }, ['payme', 'click', 'stripe']],
  ['UZS with only Click configured', 12_500_000, 'UZS', { configured: ['click'] }, ['click']],
  ['USD within bounds', 50, 'USD', ALL, ['stripe']],
  ['USD below the minimum', 49, 'USD', ALL, []],
  ['USD above the cap', 100_000_000, 'USD', ALL, []],
  ['JPY at its minimum', 50, 'JPY', ALL, ['stripe']],
  ['USD with a configured minimum', 100, 'USD', { ...ALL, stripeMinAmounts: { USD: 200 } }, []],
  ['a currency without a known minimum', 100_000, 'KZT', ALL, []],
  ['the same currency once configured', 100_000, 'KZT', { ...ALL, stripeMinAmounts: { KZT: 25_000 } }, ['stripe']],
  ['XTR', 1, 'XTR', ALL, ['stars']],
  ['XTR without Stars configured', 1, 'XTR', { configured: ['payme', 'click', 'stripe'] }, []],
  ['USD without Stripe configured', 5000, 'USD', { configured: ['payme', 'click', 'stars'] }, []],
  ['a zero total', 0, 'UZS', ALL, []]
]

for (const [name, amount, currency, config, expected] of TABLE) {
  test(`offer: ${name}`, () => {
    assert.deepEqual(offeredProviders({ total: money(amount, currency) }, config), expected)
  })
}

test('offer: digital goods outside XTR get nothing with DIGITAL_GOODS_STARS_ONLY', () => {
  const config = { ...ALL, digitalGoodsStarsOnly: true }
  assert.deepEqual(offeredProviders({ total: money(12_500_000, 'UZS'), hasDigital: true }, config), [])
  assert.deepEqual(offeredProviders({ total: money(12_500_000, 'UZS'), hasDigital: false }, config), ['payme', 'click', 'stripe'])
  assert.deepEqual(offeredProviders({ total: money(10, 'XTR'), hasDigital: true }, config), ['stars'])
})

test('physical goods are never offered Telegram Stars', () => {
  assert.deepEqual(offeredProviders({ total: money(500, 'XTR'), hasPhysical: true }, { configured: ['stars', 'payme', 'click', 'stripe'] }), [])
  assert.deepEqual(offeredProviders({ total: money(500, 'XTR'), hasDigital: true }, { configured: ['stars'] }), ['stars'])
})

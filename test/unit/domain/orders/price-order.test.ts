import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MAX_QUANTITY, priceOrder, type ProductSnapshot } from '../../../../src/domain/orders/price-order.js'
import { money } from '../../../../src/domain/shared/money.js'

function product (id: string, amount: number, currency = 'UZS', extra: Partial<ProductSnapshot> = {}): ProductSnapshot {
  return { id, price: money(amount, currency), kind: 'physical', stock: null, active: true, refundable: true, ...extra }
}

test('prices items once in integer minor units', () => {
  const priced = priceOrder([
    { product: product('prd_a', 1_500_000), quantity: 2 },
    { product: product('prd_b', 999), quantity: 3 }
  ])
  assert.deepEqual(priced.total, money(3_002_997, 'UZS'))
  assert.deepEqual(priced.items.map((i) => [i.productId, i.quantity, i.lineTotal.amount]), [['prd_a', 2, 3_000_000], ['prd_b', 3, 2997]])
  assert.deepEqual(priced.items[0]?.price, money(1_500_000, 'UZS'))
})

test('lines of the same product are merged before the stock check', () => {
  const p = product('prd_a', 100, 'USD', { stock: 3 })
  const priced = priceOrder([{ product: p, quantity: 1 }, { product: p, quantity: 2 }])
  assert.equal(priced.items.length, 1)
  assert.equal(priced.items[0]?.quantity, 3)
  assert.throws(() => priceOrder([{ product: p, quantity: 2 }, { product: p, quantity: 2 }]),
    { code: 'ERR_ORDER_OUT_OF_STOCK', status: 409 })
})

test('refuses a currency mix with 400', () => {
  assert.throws(() => priceOrder([{ product: product('prd_a', 100, 'UZS'), quantity: 1 }, { product: product('prd_b', 100, 'USD'), quantity: 1 }]),
    { code: 'ERR_ORDER_CURRENCY_MIX', status: 400 })
})

test('validates quantities and stock', () => {
  for (const quantity of [0, -1, 1.5, MAX_QUANTITY + 1, Number.NaN]) {
    assert.throws(() => priceOrder([{ product: product('prd_a', 100), quantity }]), { code: 'ERR_ORDER_QUANTITY', status: 400 }, String(quantity))
  }
  assert.throws(() => priceOrder([{ product: product('prd_a', 100, 'UZS', { stock: 0 }), quantity: 1 }]), { code: 'ERR_ORDER_OUT_OF_STOCK' })
  assert.equal(priceOrder([{ product: product('prd_a', 100, 'UZS', { stock: 5 }), quantity: 5 }]).total.amount, 500)
  assert.throws(() => priceOrder([]), { code: 'ERR_ORDER_EMPTY', status: 400 })
  assert.throws(() => priceOrder([{ product: product('prd_a', 100, 'UZS', { active: false }), quantity: 1 }]), { code: 'ERR_PRODUCT_INACTIVE' })
})

test('digital goods must be priced in XTR when DIGITAL_GOODS_STARS_ONLY is set', () => {
  const digital = product('prd_d', 100, 'UZS', { kind: 'digital' })
  assert.throws(() => priceOrder([{ product: digital, quantity: 1 }], { digitalGoodsStarsOnly: true }), { code: 'ERR_PRODUCT_DIGITAL_NOT_STARS', status: 400 })
  assert.equal(priceOrder([{ product: digital, quantity: 1 }]).total.amount, 100)
  assert.equal(priceOrder([{ product: product('prd_s', 50, 'XTR', { kind: 'digital' }), quantity: 2 }], { digitalGoodsStarsOnly: true }).total.amount, 100)
})

test('refuses a total past the largest exact integer', () => {
  assert.throws(() => priceOrder([{ product: product('prd_a', 2 ** 50), quantity: 10 }]), { code: 'ERR_MONEY_OVERFLOW' })
})

test('property: the total equals the sum of integer unit price × quantity', () => {
  const line = fc.record({ id: fc.constantFrom('prd_a', 'prd_b', 'prd_c', 'prd_d'), price: fc.integer({ min: 0, max: 10_000_000_000 }), quantity: fc.integer({ min: 1, max: 50 }) })
  fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
    // One price per product id (the first one wins), as the catalog would give.
    const prices = new Map<string, number>()
    for (const l of lines) if (!prices.has(l.id)) prices.set(l.id, l.price)
    const priced = priceOrder(lines.map((l) => ({ product: product(l.id, prices.get(l.id) as number), quantity: l.quantity })))
    const expected = lines.reduce((sum, l) => sum + (prices.get(l.id) as number) * l.quantity, 0)
    assert.equal(priced.total.amount, expected)
    assert.equal(priced.items.reduce((s, i) => s + i.lineTotal.amount, 0), expected)
    assert.ok(Number.isSafeInteger(priced.total.amount))
  }))
})

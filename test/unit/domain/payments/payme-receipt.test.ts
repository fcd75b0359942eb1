import { test } from 'node:test'
import assert from 'node:assert/strict'
import { paymeReceiptDetail, type FiscalItem } from '../../../../src/domain/payments/payme-receipt.js'

const FISCAL = { code: '10899001001000000', packageCode: '1513216', vatPercent: 12 }
const tea: FiscalItem = { title: { en: 'Tea', ru: 'Чай', uz: 'Choy' }, unitAmount: 500_000, quantity: 2, fiscal: FISCAL }
const cup: FiscalItem = { title: { en: 'Cup', ru: 'Чашка' }, unitAmount: 250_000, quantity: 1, fiscal: { ...FISCAL, vatPercent: 0 } }

test('Payme receipt: one line per item in Uzbek (else Russian, else English), adding up exactly to the amount', () => {
  assert.deepEqual(paymeReceiptDetail([tea, cup], 1_250_000, 'UZS'), {
    receipt_type: 0,
    items: [
      { title: 'Choy', price: 500_000, count: 2, code: FISCAL.code, package_code: FISCAL.packageCode, vat_percent: 12 },
      { title: 'Чашка', price: 250_000, count: 1, code: FISCAL.code, package_code: FISCAL.packageCode, vat_percent: 0 }
    ]
  })
})

test('Payme receipt: omitted when an item has no fiscal data, the lines would not add up, or the order is not in UZS', () => {
  assert.equal(paymeReceiptDetail([tea, { ...cup, fiscal: null }], 1_250_000, 'UZS'), undefined)
  assert.equal(paymeReceiptDetail([tea], 999_999, 'UZS'), undefined)
  assert.equal(paymeReceiptDetail([tea], 1_000_000, 'USD'), undefined)
  assert.equal(paymeReceiptDetail([], 0, 'UZS'), undefined)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  addMoney, compareMoney, currencyExponent, equalsMoney, exponentOf, formatMoney, isKnownCurrency, isSafeAmount,
  money, moneyFromDecimal, multiplyMoney, parseDecimal, subtractMoney, sumMoney, toDecimalString, zeroMoney
} from '../../../../src/domain/shared/money.js'
import { DomainError } from '../../../../src/domain/shared/errors.js'

const NB = '\u00a0'

test('currency exponents: UZS 2, XTR 0, zero- and three-decimal ISO currencies', () => {
  assert.equal(currencyExponent('UZS'), 2)
  assert.equal(currencyExponent('USD'), 2)
  assert.equal(currencyExponent('XTR'), 0)
  for (const c of ['JPY', 'KRW', 'VND', 'CLP', 'XOF', 'ISK']) assert.equal(currencyExponent(c), 0, c)
  for (const c of ['KWD', 'BHD', 'JOD', 'OMR', 'TND']) assert.equal(currencyExponent(c), 3, c)
  assert.equal(currencyExponent('usd'), undefined)
  assert.equal(isKnownCurrency('ABC'), false)
  assert.throws(() => exponentOf('ABC'), (e: unknown) => e instanceof DomainError && e.code === 'ERR_MONEY_CURRENCY' && e.status === 400)
})

test('money() accepts safe integers only', () => {
  assert.deepEqual(money(1_500_000, 'UZS'), { amount: 1_500_000, currency: 'UZS' })
  for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.throws(() => money(bad, 'UZS'), { code: 'ERR_MONEY_AMOUNT' })
  }
  assert.equal(isSafeAmount(2 ** 53 - 1), true)
  assert.equal(isSafeAmount(2 ** 53), false)
  assert.equal(isSafeAmount('1'), false)
})

test('add, subtract, multiply and sum stay exact and refuse currency mixes and overflow', () => {
  assert.deepEqual(addMoney(money(10, 'USD'), money(20, 'USD')), money(30, 'USD'))
  assert.deepEqual(subtractMoney(money(10, 'USD'), money(25, 'USD')), money(-15, 'USD'))
  assert.deepEqual(multiplyMoney(money(1999, 'USD'), 3), money(5997, 'USD'))
  assert.deepEqual(sumMoney([money(1, 'XTR'), money(2, 'XTR')], 'XTR'), money(3, 'XTR'))
  assert.deepEqual(sumMoney([], 'UZS'), zeroMoney('UZS'))
  assert.throws(() => addMoney(money(1, 'USD'), money(1, 'EUR')), { code: 'ERR_MONEY_CURRENCY_MISMATCH' })
  assert.throws(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD')), { code: 'ERR_MONEY_OVERFLOW' })
  assert.throws(() => multiplyMoney(money(2 ** 52, 'USD'), 4), { code: 'ERR_MONEY_OVERFLOW' })
  assert.throws(() => multiplyMoney(money(1, 'USD'), 1.5), { code: 'ERR_MONEY_AMOUNT' })
  assert.equal(compareMoney(money(1, 'USD'), money(2, 'USD')), -1)
  assert.equal(equalsMoney(money(1, 'USD'), money(1, 'EUR')), false)
})

test('decimal strings per currency use the currency exponent', () => {
  assert.equal(toDecimalString(money(1_500_000, 'UZS')), '15000.00')
  assert.equal(toDecimalString(money(5, 'USD')), '0.05')
  assert.equal(toDecimalString(money(-150, 'USD')), '-1.50')
  assert.equal(toDecimalString(money(500, 'JPY')), '500')
  assert.equal(toDecimalString(money(1234, 'KWD')), '1.234')
  assert.equal(toDecimalString(money(15, 'XTR')), '15')
  assert.deepEqual(moneyFromDecimal('19.99', 'USD'), money(1999, 'USD'))
  assert.deepEqual(moneyFromDecimal('125000', 'UZS'), money(12_500_000, 'UZS'))
  assert.deepEqual(moneyFromDecimal('1.500', 'USD'), money(150, 'USD'))
  assert.throws(() => moneyFromDecimal('1.505', 'USD'), { code: 'ERR_MONEY_AMOUNT' })
  assert.throws(() => moneyFromDecimal('1.5', 'JPY'), { code: 'ERR_MONEY_AMOUNT' })
  assert.deepEqual(parseDecimal('abc', 2), { ok: false, reason: 'malformed' })
  assert.deepEqual(parseDecimal('99999999999999999', 2), { ok: false, reason: 'range' })
})

test('formatting per language', () => {
  assert.equal(formatMoney(money(1_500_000, 'UZS'), 'uz'), `15${NB}000,00${NB}so'm`)
  assert.equal(formatMoney(money(1_500_000, 'UZS'), 'ru'), `15${NB}000,00${NB}сум`)
  assert.equal(formatMoney(money(1_500_000, 'UZS'), 'en'), 'UZS 15,000.00'.replace(' ', NB))
  assert.equal(formatMoney(money(1500, 'USD'), 'en'), '$15.00')
  assert.equal(formatMoney(money(-150, 'USD'), 'en'), '-$1.50')
  assert.equal(formatMoney(money(1500, 'USD'), 'ru'), `15,00${NB}$`)
  assert.equal(formatMoney(money(500, 'JPY'), 'en'), '¥500')
  assert.equal(formatMoney(money(1500, 'XTR'), 'en'), `1,500${NB}⭐`)
  assert.equal(formatMoney(money(1500, 'XTR'), 'ru'), `1${NB}500${NB}⭐`)
  assert.equal(formatMoney(money(123_456_789, 'EUR'), 'uz'), `1${NB}234${NB}567,89${NB}€`)
})

test('property: decimal string and minor units round-trip for every known exponent', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom('UZS', 'USD', 'JPY', 'KWD', 'XTR', 'CLF'),
    (amount, currency) => {
      const text = toDecimalString(money(amount, currency))
      assert.deepEqual(moneyFromDecimal(text, currency), money(amount, currency))
    }
  ))
})

test('property: formatting never loses digits', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom('en', 'ru', 'uz') as fc.Arbitrary<'en' | 'ru' | 'uz'>, (amount, lang) => {
    const digits = formatMoney(money(amount, 'UZS'), lang).replace(/\D/g, '')
    assert.equal(digits, String(amount).padStart(3, '0').replace(/^0+(?=\d{3})/, ''))
  }))
})

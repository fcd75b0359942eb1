import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatClickAmount, parseClickAmount } from '../../../../src/adapters/click/click-amount.js'
import { buildClickCheckoutUrl } from '../../../../src/adapters/click/click-checkout-url.js'
import { CLICK_ERROR, CLICK_ERRORS, clickErrorNote } from '../../../../src/adapters/click/click-errors.js'
import { clickMerchantAuth, clickSignString, isClickSignatureValid } from '../../../../src/adapters/click/click-sign.js'
import { money } from '../../../../src/domain/shared/money.js'

const SECRET = 'SeCrEtKeY123'
const PREPARE = { click_trans_id: '2387417364', service_id: '12345', merchant_trans_id: '1042', amount: '125000.00', action: '0', sign_time: '2024-05-14 10:30:15' }

test('sign_string of the spec Prepare example and its amount variants', () => {
  assert.equal(clickSignString(PREPARE, SECRET), '0affe202f96baebd814f59e4f9c4cde8')
  assert.equal(clickSignString({ ...PREPARE, amount: '125000' }, SECRET), '421e07e9d21ff998cdb0055f20deff55')
  assert.equal(clickSignString({ ...PREPARE, amount: '125000.0' }, SECRET), '38dc79e3efc32e0df07b975cec3cdd01')
  assert.equal(clickSignString(PREPARE, 'WRONG'), '03c55aeb425222dd911ad52ec752837d')
  assert.equal(clickSignString({ ...PREPARE, click_trans_id: '9223372036854775807' }, SECRET), '09961026f6e06d9b9d9c3a51b2f0045f')
})

test('sign_string of the spec Complete examples includes merchant_prepare_id', () => {
  const complete = { ...PREPARE, merchant_prepare_id: '77', action: '1', sign_time: '2024-05-14 10:30:42' }
  assert.equal(clickSignString(complete, SECRET), '11c44e985b4650cd0f0b3e3e660f8a0d')
  const cancel = { click_trans_id: '2387417365', service_id: '12345', merchant_trans_id: '1043', merchant_prepare_id: '78', amount: '50000.00', action: '1', sign_time: '2024-05-14 11:02:07' }
  assert.equal(clickSignString(cancel, SECRET), 'ca3f10df26edaec898de3730295191e7')
  assert.notEqual(clickSignString({ ...complete, merchant_prepare_id: undefined }, SECRET), '11c44e985b4650cd0f0b3e3e660f8a0d')
})

test('signature check is case-insensitive and rejects anything else', () => {
  assert.equal(isClickSignatureValid(PREPARE, '0affe202f96baebd814f59e4f9c4cde8', SECRET), true)
  assert.equal(isClickSignatureValid(PREPARE, '0AFFE202F96BAEBD814F59E4F9C4CDE8', SECRET), true)
  assert.equal(isClickSignatureValid(PREPARE, '03c55aeb425222dd911ad52ec752837d', SECRET), false)
  assert.equal(isClickSignatureValid(PREPARE, '0affe202', SECRET), false)
  assert.equal(isClickSignatureValid(PREPARE, '', SECRET), false)
})

test('Merchant API Auth header of the spec example', () => {
  assert.equal(clickMerchantAuth('4321', SECRET, 1715682615), '4321:529be8ef7f0076f7e02fbbb485402f491c681011:1715682615')
})

test('sum parsing: exact tiyin from so\'m strings', () => {
  const ok: Array<[string, number]> = [
    ['125000', 12_500_000], ['125000.00', 12_500_000], ['125000.0', 12_500_000], ['125000.5', 12_500_050],
    ['125000.50', 12_500_050], ['125000.500', 12_500_050], ['0.1', 10], ['0.01', 1], ['1000', 100_000], ['007.00', 700]
  ]
  for (const [raw, tiyin] of ok) assert.deepEqual(parseClickAmount(raw), { ok: true, tiyin }, raw)
  for (const raw of ['125000.505', '0', '0.00', '0.001', '-5', '-125000.00', '99999999999999999']) {
    assert.deepEqual(parseClickAmount(raw), { ok: false, reason: 'invalid' }, raw)
  }
  for (const raw of ['', 'abc', '1e5', '12,5', '.5', '5.', ' 5', '0x10', 'NaN']) {
    assert.deepEqual(parseClickAmount(raw), { ok: false, reason: 'malformed' }, raw)
  }
})

test('tiyin format as so\'m with two decimals', () => {
  assert.equal(formatClickAmount(12_500_000), '125000.00')
  assert.equal(formatClickAmount(5), '0.05')
  assert.equal(formatClickAmount(12_500_050), '125000.50')
  assert.throws(() => formatClickAmount(1.5))
})

test('property: tiyin to so\'m string and back is the identity', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (tiyin) => {
    assert.deepEqual(parseClickAmount(formatClickAmount(tiyin)), { ok: true, tiyin })
  }))
})

test('Click error table: 0 and -1..-9 with canonical notes', () => {
  assert.deepEqual(Object.keys(CLICK_ERRORS).map(Number).sort((a, b) => b - a), [0, -1, -2, -3, -4, -5, -6, -7, -8, -9])
  assert.deepEqual(
    Object.values(CLICK_ERROR).map(clickErrorNote),
    ['Success', 'SIGN CHECK FAILED!', 'Incorrect parameter amount', 'Action not found', 'Already paid', 'User does not exist',
      'Transaction does not exist', 'Failed to update user', 'Error in request from click', 'Transaction cancelled']
  )
})

test('checkout URL of the spec example', () => {
  const url = buildClickCheckoutUrl({ checkoutUrl: 'https://my.click.uz/services/pay', serviceId: '12345', merchantId: '6789', orderId: '1042', amount: money(12_500_000, 'UZS'), returnUrl: 'https://t.me/example_shop_bot' })
  assert.equal(url, 'https://my.click.uz/services/pay?service_id=12345&merchant_id=6789&amount=125000.00&transaction_param=1042&return_url=https%3A%2F%2Ft.me%2Fexample_shop_bot')
  const bare = new URL(buildClickCheckoutUrl({ checkoutUrl: 'http://127.0.0.1:3000/sandbox/click/pay', serviceId: '1', merchantId: '2', orderId: '7', amount: money(5, 'UZS') }))
  assert.deepEqual(Object.fromEntries(bare.searchParams), { service_id: '1', merchant_id: '2', amount: '0.05', transaction_param: '7' })
  assert.throws(() => buildClickCheckoutUrl({ checkoutUrl: 'https://x', serviceId: '1', merchantId: '2', orderId: '7', amount: money(5, 'USD') }), { code: 'ERR_PAYMENT_PROVIDER_NOT_OFFERED' })
})

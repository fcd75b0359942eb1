import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isPaymeAuthorized, paymeAuthHeader } from '../../../../src/adapters/payme/payme-auth.js'
import { buildPaymeCheckoutUrl, parsePaymeCheckoutUrl } from '../../../../src/adapters/payme/payme-checkout-url.js'
import { fromPaymeAmount, toPaymeAmount } from '../../../../src/adapters/payme/payme-amount.js'
import { PAYME_ERROR, PAYME_ERRORS, paymeErrorBody, type PaymeErrorCode } from '../../../../src/adapters/payme/payme-errors.js'
import { money } from '../../../../src/domain/shared/money.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const HEADER = 'Basic UGF5Y29tOlpxOCNIbjIhVnQ1JkxtOUBSYzQlWHc3XkJwMSpLczYkRGczSg=='

test('Basic auth: the spec example header is accepted', () => {
  assert.equal(paymeAuthHeader(KEY), HEADER)
  assert.equal(isPaymeAuthorized(HEADER, KEY), true)
  assert.equal(isPaymeAuthorized(HEADER.replace('Basic', 'basic'), KEY), true)
})

test('Basic auth: missing, other scheme, bad base64, wrong login or key are refused', () => {
  assert.equal(isPaymeAuthorized(undefined, KEY), false)
  assert.equal(isPaymeAuthorized('', KEY), false)
  assert.equal(isPaymeAuthorized('Bearer ' + HEADER.slice(6), KEY), false)
  assert.equal(isPaymeAuthorized('Basic !!!notbase64', KEY), false)
  assert.equal(isPaymeAuthorized(paymeAuthHeader(KEY, 'Paycom2'), KEY), false)
  assert.equal(isPaymeAuthorized(paymeAuthHeader(KEY + 'x'), KEY), false)
  assert.equal(isPaymeAuthorized(paymeAuthHeader(KEY.slice(0, -1)), KEY), false)
  assert.equal(isPaymeAuthorized(paymeAuthHeader(' ' + KEY), KEY), false)
  assert.equal(isPaymeAuthorized('Basic ' + Buffer.from('Paycom' + KEY).toString('base64'), KEY), false)
  assert.equal(isPaymeAuthorized(paymeAuthHeader(''), ''), false)
})

test('Basic auth: the password is everything after the first colon', () => {
  const key = 'a:b:c#1'
  assert.equal(isPaymeAuthorized(paymeAuthHeader(key), key), true)
  assert.equal(isPaymeAuthorized(paymeAuthHeader('a'), key), false)
})

test('checkout URL matches the spec example byte for byte', () => {
  const url = buildPaymeCheckoutUrl({
    checkoutUrl: 'https://checkout.paycom.uz',
    merchantId: '5e730e8e0b852a417aa49ceb',
    orderId: '1042',
    amount: money(12_500_000, 'UZS'),
    language: 'uz',
    returnUrl: 'https://t.me/example_shop_bot'
  })
  assert.equal(url, 'https://checkout.paycom.uz/bT01ZTczMGU4ZTBiODUyYTQxN2FhNDljZWI7YWMub3JkZXJfaWQ9MTA0MjthPTEyNTAwMDAwO2w9dXo7Yz1odHRwczovL3QubWUvZXhhbXBsZV9zaG9wX2JvdA==')
  const encoded = url.split('/').pop() as string
  assert.equal(Buffer.from(encoded, 'base64').toString('utf8'), 'm=5e730e8e0b852a417aa49ceb;ac.order_id=1042;a=12500000;l=uz;c=https://t.me/example_shop_bot')
  assert.deepEqual(parsePaymeCheckoutUrl(url), { m: '5e730e8e0b852a417aa49ceb', 'ac.order_id': '1042', a: '12500000', l: 'uz', c: 'https://t.me/example_shop_bot' })
})

test('checkout URL: the docs cross-check, a trailing slash and forbidden semicolons', () => {
  const url = buildPaymeCheckoutUrl({ checkoutUrl: 'https://test.paycom.uz/', merchantId: '587f72c72cac0d162c722ae2', orderId: '197', amount: money(500, 'UZS') })
  assert.equal(url, 'https://test.paycom.uz/bT01ODdmNzJjNzJjYWMwZDE2MmM3MjJhZTI7YWMub3JkZXJfaWQ9MTk3O2E9NTAw')
  assert.throws(() => buildPaymeCheckoutUrl({ checkoutUrl: 'https://x', merchantId: 'm', orderId: '1', amount: money(500, 'UZS'), returnUrl: 'https://a;b' }), { code: 'ERR_VALIDATION' })
  assert.throws(() => buildPaymeCheckoutUrl({ checkoutUrl: 'https://x', merchantId: 'm', orderId: '1', amount: money(500, 'USD') }), { code: 'ERR_PAYMENT_PROVIDER_NOT_OFFERED' })
})

test('Payme amounts are tiyin: the identity on UZS, refused otherwise', () => {
  assert.equal(toPaymeAmount(money(12_500_000, 'UZS')), 12_500_000)
  assert.deepEqual(fromPaymeAmount(12_500_000), money(12_500_000, 'UZS'))
  assert.throws(() => toPaymeAmount(money(100, 'XTR')))
  assert.throws(() => toPaymeAmount(money(0, 'UZS')))
})

test('every Payme error code has ru, uz and en messages', () => {
  const codes = Object.values(PAYME_ERROR)
  assert.equal(codes.length, 13)
  for (const code of codes) {
    const { message } = PAYME_ERRORS[code]
    for (const lang of ['ru', 'uz', 'en'] as const) assert.ok(message[lang].length > 3, `${code} ${lang}`)
    assert.notEqual(message.ru, message.en)
    assert.notEqual(message.uz, message.en)
  }
})

test('Payme messages of the spec examples are exact', () => {
  assert.deepEqual(paymeErrorBody(-31001), { code: -31001, message: { ru: 'Неверная сумма', uz: "Noto'g'ri summa", en: 'Incorrect amount' } })
  assert.deepEqual(paymeErrorBody(-31050), { code: -31050, message: { ru: 'Заказ не найден', uz: 'Buyurtma topilmadi', en: 'Order not found' }, data: 'order_id' })
  assert.deepEqual(paymeErrorBody(-31008), { code: -31008, message: { ru: 'Невозможно выполнить операцию', uz: "Amalni bajarib bo'lmaydi", en: 'Operation cannot be performed' } })
})

test('Payme data rules: account errors name order_id, -32601 names the method, others omit it', () => {
  for (const code of Object.values(PAYME_ERROR) as PaymeErrorCode[]) {
    const body = paymeErrorBody(code, 'Foo')
    if (code <= -31050 && code >= -31099) assert.equal(body.data, 'order_id', String(code))
    else if (code === -32601) assert.equal(body.data, 'Foo')
    else assert.equal('data' in body, false, String(code))
  }
})

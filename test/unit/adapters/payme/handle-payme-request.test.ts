import { test } from 'node:test'
import assert from 'node:assert/strict'
import { handlePaymeRequest, type PaymeResponse } from '../../../../src/adapters/payme/handle-payme-request.js'
import { paymeAuthHeader } from '../../../../src/adapters/payme/payme-auth.js'
import { FakeClock } from '../../../../src/domain/shared/clock.js'
import { money } from '../../../../src/domain/shared/money.js'
import { makeOrder } from '../../domain/orders/make-order.js'
import { MemoryPaymeLedger } from './memory-payme-ledger.js'

const KEY = 'Zq8#Hn2!Vt5&Lm9@Rc4%Xw7^Bp1*Ks6$Dg3J'
const AUTH = paymeAuthHeader(KEY)
const TX_A = '6650a3f1c2e4b8a1d3f09e77'
const TX_B = '6650a3f1c2e4b8a1d3f09e78'
const TIME = 1715682615123
const T = 12_500_000

function setup (): { ledger: MemoryPaymeLedger, clock: FakeClock, call: (method: string, params: unknown, id?: number, auth?: string) => Promise<PaymeResponse> } {
  const clock = new FakeClock(1715682616456)
  const ledger = new MemoryPaymeLedger()
  ledger.orders.set('1042', makeOrder({ id: '1042' }, clock.now() - 60_000))
  const deps = { ledger, key: KEY, clock, onError: () => {} }
  const call = (method: string, params: unknown, id = 1, auth = AUTH): Promise<PaymeResponse> =>
    handlePaymeRequest(JSON.stringify({ method, params, id }), auth, deps)
  return { ledger, clock, call }
}

function codeOf (r: PaymeResponse): number | undefined {
  return 'error' in r ? r.error.code : undefined
}

function resultOf (r: PaymeResponse): Record<string, unknown> {
  assert.ok('result' in r, `expected a result, got ${JSON.stringify(r)}`)
  assert.equal('error' in r, false)
  return r.result as Record<string, unknown>
}

const create = (id: string, time = TIME, amount = T, orderId: unknown = '1042') => ({ id, time, amount, account: { order_id: orderId } })

test('protocol errors: not POST, not JSON, bad envelope, unknown method', async () => {
  const { ledger, clock } = setup()
  const deps = { ledger, key: KEY, clock }
  assert.deepEqual(await handlePaymeRequest('', AUTH, deps, 'GET'), { jsonrpc: '2.0', id: null, error: { code: -32300, message: { ru: 'Метод запроса должен быть POST', uz: "So'rov usuli POST bo'lishi kerak", en: 'Request method must be POST' } } })
  const notJson = await handlePaymeRequest('{not json', AUTH, deps)
  assert.equal(codeOf(notJson), -32700)
  assert.equal(notJson.id, null)
  const noMethod = await handlePaymeRequest('{"params":{},"id":6}', AUTH, deps)
  assert.deepEqual([codeOf(noMethod), noMethod.id], [-32600, 6])
  assert.equal(codeOf(await handlePaymeRequest('{"method":"CheckTransaction","params":[],"id":7}', AUTH, deps)), -32600)
  assert.equal(codeOf(await handlePaymeRequest('{"method":"CheckTransaction","params":{"id":"x"}}', AUTH, deps)), -32600)
  assert.equal(codeOf(await handlePaymeRequest('[1,2]', AUTH, deps)), -32600)
  const foo = await handlePaymeRequest('{"method":"Foo","params":{},"id":5}', AUTH, deps)
  assert.deepEqual(foo, { jsonrpc: '2.0', id: 5, error: { code: -32601, message: { ru: 'Метод не найден', uz: 'Metod topilmadi', en: 'Method not found' }, data: 'Foo' } })
  assert.equal(codeOf(await handlePaymeRequest('{"method":"toString","params":{},"id":5}', AUTH, deps)), -32601)
})

test('ChangePassword is not implemented: -32601', async () => {
  const { call } = setup()
  const r = await call('ChangePassword', { password: 'new' }, 9)
  assert.deepEqual([codeOf(r), 'error' in r && r.error.data], [-32601, 'ChangePassword'])
})

test('authorization is checked for every method before anything else', async () => {
  const { call, ledger } = setup()
  const methods: Array<[string, unknown]> = [
    ['CheckPerformTransaction', { amount: T, account: { order_id: '1042' } }],
    ['CreateTransaction', create(TX_A)],
    ['PerformTransaction', { id: TX_A }],
    ['CancelTransaction', { id: TX_A, reason: 3 }],
    ['CheckTransaction', { id: TX_A }],
    ['GetStatement', { from: 0, to: TIME }],
    ['SetFiscalData', { id: TX_A, type: 'PERFORM', fiscal_data: {} }]
  ]
  for (const auth of ['', 'Basic ' + Buffer.from('Paycom:wrong').toString('base64'), paymeAuthHeader(KEY, 'Admin')]) {
    for (const [method, params] of methods) {
      const r = await call(method, params, 42, auth)
      assert.deepEqual([codeOf(r), r.id], [-32504, 42], `${method} with ${JSON.stringify(auth)}`)
    }
  }
  assert.equal(ledger.txs.size, 0)
  const deps = { ledger, key: KEY, clock: new FakeClock() }
  assert.deepEqual((await handlePaymeRequest('{not json', undefined, deps)).id, null)
})

test('CheckPerformTransaction: allow, and no rows written', async () => {
  const { call, ledger } = setup()
  assert.deepEqual(await call('CheckPerformTransaction', { amount: T, account: { order_id: '1042' } }, 101), { jsonrpc: '2.0', id: 101, result: { allow: true } })
  assert.deepEqual(resultOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: 1042 }, extra: 'ignored' })), { allow: true })
  assert.equal(ledger.txs.size, 0)
})

test('CheckPerformTransaction: amount and account errors', async () => {
  const { call } = setup()
  const wrong = await call('CheckPerformTransaction', { amount: 12_400_000, account: { order_id: '1042' } }, 102)
  assert.deepEqual(wrong, { jsonrpc: '2.0', id: 102, error: { code: -31001, message: { ru: 'Неверная сумма', uz: "Noto'g'ri summa", en: 'Incorrect amount' } } })
  const unknown = await call('CheckPerformTransaction', { amount: T, account: { order_id: '999999' } }, 103)
  assert.deepEqual(unknown, { jsonrpc: '2.0', id: 103, error: { code: -31050, message: { ru: 'Заказ не найден', uz: 'Buyurtma topilmadi', en: 'Order not found' }, data: 'order_id' } })
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T, account: {} })), -31050)
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: 'abc' } })), -31050)
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: '12500000', account: { order_id: '1042' } })), -32600)
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T })), -32600)
  assert.equal(codeOf(await call('CheckPerformTransaction', { account: { order_id: '1042' } })), -32600)
  for (const amount of [-5, 0, 1.5]) assert.equal(codeOf(await call('CheckPerformTransaction', { amount, account: { order_id: '1042' } })), -31001, String(amount))
})

test('CheckPerformTransaction: paid, held, expired and non-UZS orders', async () => {
  const { call, ledger, clock } = setup()
  const params = { amount: T, account: { order_id: '1042' } }
  const order = ledger.orders.get('1042')!
  ledger.otherPayments.set('1042', [{ provider: 'click', id: '77', status: 'prepared', preparedAt: clock.now() }])
  const held = await call('CheckPerformTransaction', params)
  assert.equal(codeOf(held), -31052)
  assert.equal('error' in held && held.error.data, 'order_id')
  ledger.otherPayments.clear()
  ledger.orders.set('1042', { ...order, state: 'paid' })
  assert.equal(codeOf(await call('CheckPerformTransaction', params)), -31051)
  ledger.orders.set('1042', { ...order, expiresAt: clock.now() })
  assert.equal(codeOf(await call('CheckPerformTransaction', params)), -31051)
  ledger.orders.set('1042', { ...order, total: money(T, 'USD') })
  assert.equal(codeOf(await call('CheckPerformTransaction', params)), -31051)
  ledger.orders.set('1042', { ...order, state: 'refunded' })
  assert.equal(codeOf(await call('CheckPerformTransaction', params)), -31051)
})

test('CreateTransaction: the spec example, its repeat, and a second id while pending', async () => {
  const { call, ledger, clock } = setup()
  const first = await call('CreateTransaction', create(TX_A), 104)
  assert.deepEqual(first, { jsonrpc: '2.0', id: 104, result: { create_time: 1715682616456, transaction: '7301', state: 1 } })
  clock.advance(1000)
  assert.deepEqual(resultOf(await call('CreateTransaction', create(TX_A), 104)), { create_time: 1715682616456, transaction: '7301', state: 1 })
  const second = await call('CreateTransaction', create(TX_B, 1715682700000), 105)
  assert.deepEqual(second, { jsonrpc: '2.0', id: 105, error: { code: -31008, message: { ru: 'Невозможно выполнить операцию', uz: "Amalni bajarib bo'lmaydi", en: 'Operation cannot be performed' } } })
  assert.equal(ledger.txs.size, 1)
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: '1042' } })), -31052)
})

test('CreateTransaction: wrong amount, unknown order, stale time and other holds write nothing', async () => {
  const { call, ledger, clock } = setup()
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A, TIME, T - 100))), -31001)
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A, TIME, T, '999999'))), -31050)
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A, clock.now() - 43_200_001))), -31008)
  assert.equal(codeOf(await call('CreateTransaction', { time: TIME, amount: T, account: { order_id: '1042' } })), -32600)
  assert.equal(codeOf(await call('CreateTransaction', { id: TX_A, time: '1', amount: T, account: { order_id: '1042' } })), -32600)
  ledger.otherPayments.set('1042', [{ provider: 'click', id: '77', status: 'prepared', preparedAt: clock.now() }])
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A))), -31008)
  assert.equal(ledger.txs.size, 0)
  ledger.otherPayments.clear()
  assert.equal(resultOf(await call('CreateTransaction', create(TX_A, clock.now() - 43_200_000))).state, 1)
})

test('CreateTransaction: a new id after a cancel succeeds; after a perform it is refused', async () => {
  const { call } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  resultOf(await call('CancelTransaction', { id: TX_A, reason: 3 }))
  assert.deepEqual(resultOf(await call('CreateTransaction', create(TX_B))), { create_time: 1715682616456, transaction: '7302', state: 1 })
  resultOf(await call('PerformTransaction', { id: TX_B }))
  assert.equal(codeOf(await call('CreateTransaction', create('6650a3f1c2e4b8a1d3f09e79'))), -31008)
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A))), -31008)
  assert.equal(codeOf(await call('CreateTransaction', create(TX_B))), -31008)
})

test('CreateTransaction: a repeat after 12 hours times the transaction out', async () => {
  const { call, clock } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.set(TIME + 43_200_001)
  assert.equal(codeOf(await call('CreateTransaction', create(TX_A))), -31008)
  assert.deepEqual(resultOf(await call('CheckTransaction', { id: TX_A })), { create_time: 1715682616456, perform_time: 0, cancel_time: TIME + 43_200_001, transaction: '7301', state: -1, reason: 4 })
})

test('PerformTransaction: the spec example, its repeat, one fulfilment', async () => {
  const { call, clock, ledger } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.set(1715682641789)
  assert.deepEqual(await call('PerformTransaction', { id: TX_A }, 106), { jsonrpc: '2.0', id: 106, result: { transaction: '7301', perform_time: 1715682641789, state: 2 } })
  clock.advance(5000)
  assert.deepEqual(resultOf(await call('PerformTransaction', { id: TX_A })), { transaction: '7301', perform_time: 1715682641789, state: 2 })
  assert.deepEqual(ledger.effects, ['fulfil 1042'])
  assert.equal(ledger.orders.get('1042')?.state, 'paid')
  assert.deepEqual(await call('CheckTransaction', { id: TX_A }, 107), { jsonrpc: '2.0', id: 107, result: { create_time: 1715682616456, perform_time: 1715682641789, cancel_time: 0, transaction: '7301', state: 2, reason: null } })
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: '1042' } })), -31051)
})

test('PerformTransaction: unknown id, cancelled transaction, and the timeout example', async () => {
  const { call, clock } = setup()
  assert.equal(codeOf(await call('PerformTransaction', { id: TX_A })), -31003)
  assert.equal(codeOf(await call('PerformTransaction', {})), -32600)
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.set(1715725815123)
  assert.equal(resultOf(await call('CheckTransaction', { id: TX_A })).state, 1)
  clock.set(1715725815200)
  assert.equal(codeOf(await call('PerformTransaction', { id: TX_A })), -31008)
  const check = resultOf(await call('CheckTransaction', { id: TX_A }))
  assert.deepEqual([check.state, check.reason, check.cancel_time, check.perform_time], [-1, 4, 1715725815200, 0])
  assert.equal(codeOf(await call('PerformTransaction', { id: TX_A })), -31008)
})

test('PerformTransaction holds the order past its expiry', async () => {
  const { call, clock, ledger } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.advance(2 * 60 * 60_000)
  assert.equal(resultOf(await call('PerformTransaction', { id: TX_A })).state, 2)
  assert.equal(ledger.orders.get('1042')?.state, 'paid')
})

test('CancelTransaction: a created transaction, repeated, releases the order', async () => {
  const { call, clock } = setup()
  assert.equal(codeOf(await call('CancelTransaction', { id: TX_A, reason: 3 })), -31003)
  assert.equal(codeOf(await call('CancelTransaction', { id: TX_A })), -32600)
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.set(1715683000000)
  assert.deepEqual(resultOf(await call('CancelTransaction', { id: TX_A, reason: 3 })), { transaction: '7301', cancel_time: 1715683000000, state: -1 })
  clock.advance(1000)
  assert.deepEqual(resultOf(await call('CancelTransaction', { id: TX_A, reason: 5 })), { transaction: '7301', cancel_time: 1715683000000, state: -1 })
  assert.deepEqual(resultOf(await call('CheckTransaction', { id: TX_A })), { create_time: 1715682616456, perform_time: 0, cancel_time: 1715683000000, transaction: '7301', state: -1, reason: 3 })
  assert.deepEqual(resultOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: '1042' } })), { allow: true })
})

test('CancelTransaction: refund of a performed transaction (spec example) and a non-refundable one', async () => {
  const { call, clock, ledger } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  clock.set(1715682641789)
  resultOf(await call('PerformTransaction', { id: TX_A }))
  clock.set(1715690000000)
  assert.deepEqual(await call('CancelTransaction', { id: TX_A, reason: 5 }, 108), { jsonrpc: '2.0', id: 108, result: { transaction: '7301', cancel_time: 1715690000000, state: -2 } })
  assert.equal(ledger.orders.get('1042')?.state, 'refunded')
  assert.deepEqual(resultOf(await call('CheckTransaction', { id: TX_A })), { create_time: 1715682616456, perform_time: 1715682641789, cancel_time: 1715690000000, transaction: '7301', state: -2, reason: 5 })
  assert.deepEqual(await call('GetStatement', { from: 1715644800000, to: 1715731199999 }, 109), {
    jsonrpc: '2.0',
    id: 109,
    result: { transactions: [{ id: TX_A, time: TIME, amount: T, account: { order_id: '1042' }, create_time: 1715682616456, perform_time: 1715682641789, cancel_time: 1715690000000, transaction: '7301', state: -2, reason: 5, receivers: null }] }
  })

  const other = setup()
  const order = other.ledger.orders.get('1042')!
  other.ledger.orders.set('1042', { ...order, items: order.items.map((i) => ({ ...i, refundable: false })) })
  resultOf(await other.call('CreateTransaction', create(TX_A)))
  resultOf(await other.call('PerformTransaction', { id: TX_A }))
  other.ledger.orders.set('1042', { ...other.ledger.orders.get('1042')!, state: 'fulfilled' })
  assert.equal(codeOf(await other.call('CancelTransaction', { id: TX_A, reason: 5 })), -31007)
  assert.equal(resultOf(await other.call('CheckTransaction', { id: TX_A })).state, 2)
})

test('CheckTransaction: unknown id', async () => {
  const { call } = setup()
  assert.equal(codeOf(await call('CheckTransaction', { id: TX_A })), -31003)
})

test('GetStatement: inclusive bounds, ascending by Payme time, empty range, missing from', async () => {
  const { call, ledger } = setup()
  ledger.orders.set('1043', makeOrder({ id: '1043' }, 1715682616456 - 60_000))
  resultOf(await call('CreateTransaction', create(TX_B, TIME + 10, T, '1043')))
  resultOf(await call('CreateTransaction', create(TX_A, TIME)))
  assert.equal(codeOf(await call('CreateTransaction', create('6650a3f1c2e4b8a1d3f09e79', TIME + 5))), -31008)
  const all = resultOf(await call('GetStatement', { from: TIME, to: TIME + 10 })).transactions as Array<Record<string, unknown>>
  assert.deepEqual(all.map((t) => t.id), [TX_A, TX_B])
  assert.deepEqual(Object.keys(all[0] ?? {}), ['id', 'time', 'amount', 'account', 'create_time', 'perform_time', 'cancel_time', 'transaction', 'state', 'reason', 'receivers'])
  assert.deepEqual((resultOf(await call('GetStatement', { from: TIME + 1, to: TIME + 9 })).transactions), [])
  assert.deepEqual((resultOf(await call('GetStatement', { from: TIME + 10, to: TIME })).transactions), [])
  assert.equal(codeOf(await call('GetStatement', { to: TIME })), -32600)
  assert.equal(codeOf(await call('GetStatement', { from: '1', to: TIME })), -32600)
})

test('SetFiscalData: stored for a known transaction, -31003 otherwise', async () => {
  const { call, ledger } = setup()
  resultOf(await call('CreateTransaction', create(TX_A)))
  const fiscal = { receipt_id: 1, status_code: 0, terminal_id: 'EP0001', fiscal_sign: 'abc', qr_code_url: 'https://ofd', date: '20240514103015' }
  assert.deepEqual(resultOf(await call('SetFiscalData', { id: TX_A, type: 'PERFORM', fiscal_data: fiscal })), { success: true })
  assert.deepEqual(ledger.fiscal.get(`${TX_A}:PERFORM`), fiscal)
  assert.equal(codeOf(await call('SetFiscalData', { id: TX_B, type: 'PERFORM', fiscal_data: fiscal })), -31003)
  assert.equal(codeOf(await call('SetFiscalData', { id: TX_A, type: 'OTHER', fiscal_data: fiscal })), -32600)
})

test('a failing ledger answers -32400, never throws', async () => {
  const { call, ledger } = setup()
  ledger.failing = true
  const r = await call('CreateTransaction', create(TX_A), 77)
  assert.deepEqual([codeOf(r), r.id], [-32400, 77])
  assert.equal(codeOf(await call('CheckPerformTransaction', { amount: T, account: { order_id: '1042' } })), -32400)
})

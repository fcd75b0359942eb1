import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatClickAmount } from '../../../../src/adapters/click/click-amount.js'
import { parseClickBody } from '../../../../src/adapters/click/click-form.js'
import { clickSignString } from '../../../../src/adapters/click/click-sign.js'
import { handleClickComplete, handleClickPrepare, handleClickRequest, type ClickReply } from '../../../../src/adapters/click/handle-click-request.js'
import { CLICK_PREPARE_STALE_MS } from '../../../../src/domain/payments/click-payment.js'
import { FakeClock } from '../../../../src/domain/shared/clock.js'
import { money } from '../../../../src/domain/shared/money.js'
import { makeOrder } from '../../domain/orders/make-order.js'
import { MemoryClickLedger } from './memory-click-ledger.js'

const SECRET = 'SeCrEtKeY123'
const T = 12_500_000

type Form = Record<string, string>

function signed (fields: Form, secret = SECRET): Form {
  const f: Form = { click_paydoc_id: '3112459087', error: '0', error_note: 'Success', sign_time: '2024-05-14 10:30:15', service_id: '12345', ...fields }
  const sign = clickSignString({
    click_trans_id: f.click_trans_id ?? '',
    service_id: f.service_id ?? '',
    merchant_trans_id: f.merchant_trans_id ?? '',
    merchant_prepare_id: f.merchant_prepare_id,
    amount: f.amount ?? '',
    action: f.action ?? '',
    sign_time: f.sign_time ?? ''
  }, secret)
  return { sign_string: sign, ...f }
}

function setup (): { ledger: MemoryClickLedger, clock: FakeClock, prepare: (f: Form) => Promise<ClickReply>, complete: (f: Form) => Promise<ClickReply> } {
  const clock = new FakeClock(Date.UTC(2024, 4, 14, 10, 30, 15))
  const ledger = new MemoryClickLedger()
  for (const id of ['1042', '1043', '1044', '1045']) ledger.orders.set(id, makeOrder({ id }, clock.now() - 60_000))
  const deps = { ledger, serviceId: '12345', secretKey: SECRET, clock, onError: () => {} }
  return { ledger, clock, prepare: (f) => handleClickPrepare(f, deps), complete: (f) => handleClickComplete(f, deps) }
}

const prep = (orderId = '1042', clickTransId = '2387417364', amount = '125000.00', extra: Form = {}): Form =>
  signed({ click_trans_id: clickTransId, merchant_trans_id: orderId, amount, action: '0', ...extra })
const comp = (prepareId: string, orderId = '1042', clickTransId = '2387417364', amount = '125000.00', extra: Form = {}): Form =>
  signed({ click_trans_id: clickTransId, merchant_trans_id: orderId, merchant_prepare_id: prepareId, amount, action: '1', sign_time: '2024-05-14 10:30:42', ...extra })

test('the spec Prepare and Complete examples answer byte for byte', async () => {
  const { prepare, complete, ledger } = setup()
  const body = 'click_trans_id=2387417364&service_id=12345&click_paydoc_id=3112459087&merchant_trans_id=1042&amount=125000.00&action=0&error=0&error_note=Success&sign_time=2024-05-14+10%3A30%3A15&sign_string=0affe202f96baebd814f59e4f9c4cde8'
  const first = await prepare(parseClickBody(body))
  assert.equal(first.body, '{"click_trans_id":2387417364,"merchant_trans_id":"1042","merchant_prepare_id":77,"error":0,"error_note":"Success"}')
  const completeBody = 'click_trans_id=2387417364&service_id=12345&click_paydoc_id=3112459087&merchant_trans_id=1042&merchant_prepare_id=77&amount=125000.00&action=1&error=0&error_note=Success&sign_time=2024-05-14+10%3A30%3A42&sign_string=11c44e985b4650cd0f0b3e3e660f8a0d'
  assert.equal((await complete(parseClickBody(completeBody))).body, '{"click_trans_id":2387417364,"merchant_trans_id":"1042","merchant_confirm_id":77,"error":0,"error_note":"Success"}')
  assert.equal((await complete(parseClickBody(completeBody))).body, '{"click_trans_id":2387417364,"merchant_trans_id":"1042","merchant_confirm_id":77,"error":-4,"error_note":"Already paid"}')
  assert.equal(ledger.orders.get('1042')?.state, 'paid')
  assert.deepEqual(ledger.effects, ['fulfil 1042'])
})

test('the spec cancellation example answers -9 with a null confirm id', async () => {
  const { prepare, complete, ledger } = setup()
  ledger.orders.set('1043', makeOrder({ id: '1043', total: money(5_000_000, 'UZS') }, Date.UTC(2024, 4, 14, 10, 29)))
  await prepare(prep('1044', '1'))
  assert.equal(((await prepare(prep('1043', '2387417365', '50000.00'))).answer as { merchant_prepare_id: number }).merchant_prepare_id, 78)
  const body = 'click_trans_id=2387417365&service_id=12345&click_paydoc_id=3112459090&merchant_trans_id=1043&merchant_prepare_id=78&amount=50000.00&action=1&error=-5017&error_note=Payment+cancelled&sign_time=2024-05-14+11%3A02%3A07&sign_string=ca3f10df26edaec898de3730295191e7'
  assert.equal((await complete(parseClickBody(body))).body, '{"click_trans_id":2387417365,"merchant_trans_id":"1043","merchant_confirm_id":null,"error":-9,"error_note":"Transaction cancelled"}')
  assert.equal(ledger.records.get(78)?.status, 'cancelled')
  assert.equal(ledger.orders.get('1043')?.state, 'pending')
})

test('Click\'s Postman suite, scenarios 1 to 15', async () => {
  const { prepare, complete, ledger } = setup()
  const code = (r: ClickReply): number => r.answer.error
  assert.equal(code(await prepare({ ...prep(), sign_string: '03c55aeb425222dd911ad52ec752837d' })), -1)
  assert.equal(code(await prepare(prep('999999'))), -5)
  const s3 = await prepare(prep())
  assert.equal(code(s3), 0)
  const id = String((s3.answer as { merchant_prepare_id: number }).merchant_prepare_id)
  assert.equal(code(await complete({ ...comp(id), sign_string: clickSignString({ click_trans_id: '2387417364', service_id: '12345', merchant_trans_id: '1042', amount: '125000.00', action: '1', sign_time: '2024-05-14 10:30:42' }, SECRET) })), -1)
  assert.equal(code(await complete(comp(id, '1042', '2387417364', '300'))), -2)
  assert.equal(code(await complete(comp(id))), 0)
  assert.equal(code(await complete(comp(id))), -4)
  assert.equal(code(await complete(comp(id, '1042', '2387417364', '125000.00', { error: '-5017' }))), -9)
  assert.deepEqual(ledger.orders.get('1042')?.flags, ['needs_attention'])
  assert.equal(ledger.orders.get('1042')?.state, 'paid')
  const s9 = await prepare(prep('1043'))
  assert.equal(code(s9), 0)
  assert.equal(code(await complete(comp('999999999', '1043'))), -6)
  assert.equal(code(await complete(comp(String((s9.answer as { merchant_prepare_id: number }).merchant_prepare_id), '1043'))), 0)
  const s12 = await prepare(prep('1044'))
  assert.equal(code(s12), 0)
  const id12 = String((s12.answer as { merchant_prepare_id: number }).merchant_prepare_id)
  assert.equal(code(await complete(comp(id12, '1044', '2387417364', '125000.00', { error: '-5017' }))), -9)
  assert.equal(code(await complete(comp(id12, '1044', '2387417364', '125000.00', { error: '-5017' }))), -9)
  assert.equal(code(await complete(comp(id12, '1044'))), -9)
  assert.deepEqual(ledger.effects, ['fulfil 1042', 'notify merchant 1042', 'fulfil 1043'])
})

test('Prepare: repeats, amounts, foreign service, bad action, missing fields', async () => {
  const { prepare, ledger } = setup()
  const first = await prepare(prep())
  const again = await prepare(prep())
  assert.deepEqual(again.answer, first.answer)
  assert.equal(ledger.records.size, 1)
  assert.equal((await prepare(prep('1043'))).answer.error, 0, 'the same click_trans_id with a fresh order is a new attempt')
  assert.equal(ledger.records.size, 2)
  assert.equal((await prepare(prep('1044', '5', '124999.99'))).answer.error, -2)
  assert.equal((await prepare(prep('1044', '5', '125000.505'))).answer.error, -2)
  assert.equal((await prepare(prep('1044', '5', '-125000'))).answer.error, -2)
  assert.equal((await prepare(prep('1044', '5', 'abc'))).answer.error, -8)
  assert.equal((await prepare(prep('1044', '6', '125000'))).answer.error, 0)
  assert.equal((await prepare(prep('1045', '7', '125000.00', { error: '-1' }))).answer.error, -9)
  assert.equal([...ledger.records.values()].some((r) => r.orderId === '1045'), false)
  const { sign_time: _omit, ...noTime } = prep('1045', '8')
  assert.equal((await prepare(noTime)).answer.error, -8)
  assert.equal((await prepare(signed({ click_trans_id: '9', merchant_trans_id: '1045', amount: '125000.00', action: '2' }))).answer.error, -3)
  assert.equal((await prepare(signed({ click_trans_id: '9', merchant_trans_id: '1045', amount: '125000.00', action: '0', service_id: '999' }))).answer.error, -8)
  assert.equal((await prepare(prep('1045', 'x1'))).answer.error, -8)
  assert.equal((await prepare({ ...prep('1045', '10'), sign_string: undefined as unknown as string })).answer.error, -8)
})

test('Prepare: paid, expired, refunded, non-UZS and held orders', async () => {
  const { prepare, ledger, clock } = setup()
  const order = ledger.orders.get('1042')!
  ledger.orders.set('1042', { ...order, state: 'paid' })
  assert.equal((await prepare(prep())).answer.error, -4)
  for (const state of ['cancelled', 'expired', 'refunded'] as const) {
    ledger.orders.set('1042', { ...order, state })
    assert.equal((await prepare(prep())).answer.error, -9, state)
  }
  ledger.orders.set('1042', { ...order, expiresAt: clock.now() })
  assert.equal((await prepare(prep())).answer.error, -9)
  ledger.orders.set('1042', { ...order, total: money(T, 'USD') })
  assert.equal((await prepare(prep())).answer.error, -9)
  ledger.orders.set('1042', order)
  ledger.otherPayments.set('1042', [{ provider: 'payme', id: 'p', state: 1, paymeTime: clock.now() }])
  assert.equal((await prepare(prep())).answer.error, -9)
  ledger.otherPayments.clear()
  assert.equal((await prepare(prep('1042', '100'))).answer.error, 0)
  assert.equal((await prepare(prep('1042', '101'))).answer.error, -9, 'another prepared attempt holds the order')
  clock.advance(CLICK_PREPARE_STALE_MS)
  ledger.orders.set('1042', { ...order, expiresAt: clock.now() + 60_000 })
  assert.equal((await prepare(prep('1042', '101'))).answer.error, 0, 'a stale prepared attempt no longer holds it')
})

test('Complete: foreign record, amount mismatch keeps it prepared, late complete after a stale hold', async () => {
  const { prepare, complete, ledger, clock } = setup()
  const a = (await prepare(prep())).answer as { merchant_prepare_id: number }
  const b = (await prepare(prep('1043', '55'))).answer as { merchant_prepare_id: number }
  assert.equal((await complete(comp(String(b.merchant_prepare_id)))).answer.error, -6)
  assert.equal((await complete(comp(String(a.merchant_prepare_id), '1042', '999'))).answer.error, -6)
  assert.equal((await complete(comp(String(a.merchant_prepare_id), '1042', '2387417364', '300'))).answer.error, -2)
  assert.equal(ledger.records.get(a.merchant_prepare_id)?.status, 'prepared')
  clock.advance(CLICK_PREPARE_STALE_MS + 1)
  const late = await complete(comp(String(a.merchant_prepare_id)))
  assert.equal(late.answer.error, 0)
  assert.deepEqual(ledger.effects, ['reverse 2387417364'])
  assert.equal(ledger.orders.get('1042')?.state, 'pending')
})

test('Complete: a prepared payment is confirmed even after the order\'s own expiry', async () => {
  const { prepare, complete, ledger, clock } = setup()
  const a = (await prepare(prep())).answer as { merchant_prepare_id: number }
  clock.advance(2 * 60 * 60_000)
  assert.equal((await complete(comp(String(a.merchant_prepare_id)))).answer.error, 0)
  assert.equal(ledger.orders.get('1042')?.state, 'paid')
})

test('64-bit ids are echoed digit for digit and malformed ids as null', async () => {
  const { prepare } = setup()
  const big = await prepare(prep('1042', '9223372036854775807'))
  assert.equal(big.answer.error, 0)
  assert.match(big.body, /^\{"click_trans_id":9223372036854775807,/)
  const bad = await prepare({ ...prep(), click_trans_id: '12a' })
  assert.equal(bad.body, '{"click_trans_id":null,"merchant_trans_id":"1042","merchant_prepare_id":0,"error":-8,"error_note":"Error in request from click"}')
})

test('answer shapes: five fields, Complete shape for action 1 and for the complete route', async () => {
  const { ledger, clock } = setup()
  const deps = { ledger, serviceId: '12345', secretKey: SECRET, clock }
  const fields = (r: ClickReply): string[] => Object.keys(JSON.parse(r.body) as object)
  assert.deepEqual(fields(await handleClickRequest({}, deps)), ['click_trans_id', 'merchant_trans_id', 'merchant_prepare_id', 'error', 'error_note'])
  assert.deepEqual(fields(await handleClickRequest({}, deps, 'complete')), ['click_trans_id', 'merchant_trans_id', 'merchant_confirm_id', 'error', 'error_note'])
  assert.deepEqual(fields(await handleClickRequest(comp('77'), deps)), ['click_trans_id', 'merchant_trans_id', 'merchant_confirm_id', 'error', 'error_note'])
  const { merchant_prepare_id: _omit, ...noPrepareId } = comp('77')
  assert.equal((await handleClickRequest(noPrepareId, deps)).answer.error, -8)
})

test('a failing ledger answers -7', async () => {
  const { prepare, ledger } = setup()
  ledger.failing = true
  assert.equal((await prepare(prep())).answer.error, -7)
})

test('amounts are converted exactly at the edge', () => {
  assert.equal(formatClickAmount(T), '125000.00')
})

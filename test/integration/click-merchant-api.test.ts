// The Click Merchant API client against the loopback emulator over real HTTP: the Auth header,
// a reversal answered once, refusals and rejected credentials as permanent errors, 500s,
// unreachable hosts and timeouts as retryable ones, and no secret in any error.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { ClickApiError, createClickMerchantApi } from '../../src/adapters/click/click-merchant-api.js'
import { clickMerchantAuth } from '../../src/adapters/click/click-sign.js'
import { FakeClock } from '../../src/domain/shared/clock.js'
import { CLICK_EMULATOR_ERRORS, createClickMerchantEmulator } from '../../src/sandbox/click/merchant-api.js'
import { freePort } from '../helpers/kv.js'

const SECRET = 'SeCrEtKeY123'

async function setup (t: TestContext, options: { secret?: string, merchantUserId?: string, timeoutMs?: number, clientClock?: FakeClock } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 10, 10))
  const emulator = createClickMerchantEmulator({ serviceId: '12345', merchantUserId: '4321', secretKey: SECRET, clock })
  const { url } = await emulator.start()
  t.after(() => emulator.close())
  const api = createClickMerchantApi({
    apiBase: url,
    serviceId: '12345',
    merchantUserId: options.merchantUserId ?? '4321',
    secretKey: options.secret ?? SECRET,
    clock: options.clientClock ?? clock,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })
  return { clock, emulator, api, url }
}

async function failure (work: Promise<unknown>): Promise<ClickApiError> {
  try {
    await work
  } catch (error) {
    assert.ok(error instanceof ClickApiError, String(error))
    assert.ok(!error.message.includes(SECRET) && !JSON.stringify(error.details).includes(SECRET), 'no secret in the error')
    return error
  }
  assert.fail('expected a ClickApiError')
}

test('reversal sends DELETE with the Auth header and JSON headers; a second reversal is refused', async (t) => {
  const { clock, emulator, api } = await setup(t)
  emulator.addPayment('3112459087', { amount: 12_500_000, at: clock.now() })
  assert.deepEqual(await api.reversePayment('3112459087'), { paymentId: '3112459087' })
  const [call] = emulator.requests
  assert.equal(call?.method, 'DELETE')
  assert.equal(call?.path, '/payment/reversal/12345/3112459087')
  assert.equal(call?.auth, clickMerchantAuth('4321', SECRET, Math.floor(clock.now() / 1000)))
  assert.equal(call?.accept, 'application/json')
  assert.equal(call?.contentType, 'application/json')

  const again = await failure(api.reversePayment('3112459087'))
  assert.equal(again.retryable, false)
  assert.equal(again.code, 'ERR_PAYMENT_STATE')
  assert.equal(again.errorCode, CLICK_EMULATOR_ERRORS.ALREADY_REVERSED.code)
  assert.equal(again.httpStatus, 200)
  assert.deepEqual(emulator.reversals(), ['3112459087'])
})

test('a 19-digit payment id is sent and read back digit for digit', async (t) => {
  const { clock, emulator, api } = await setup(t)
  emulator.addPayment('9223372036854775807', { amount: 100, at: clock.now() })
  assert.deepEqual(await api.reversePayment('9223372036854775807'), { paymentId: '9223372036854775807' })
})

test('refusals are permanent: unknown payment, previous month, injected error_code', async (t) => {
  const { clock, emulator, api } = await setup(t)
  const unknown = await failure(api.reversePayment('111'))
  assert.deepEqual([unknown.retryable, unknown.errorCode], [false, CLICK_EMULATOR_ERRORS.PAYMENT_NOT_FOUND.code])
  emulator.addPayment('222', { amount: 100, at: Date.UTC(2025, 11, 31, 12) })
  const old = await failure(api.reversePayment('222'))
  assert.deepEqual([old.retryable, old.errorCode, old.code], [false, CLICK_EMULATOR_ERRORS.NOT_REVERSIBLE.code, 'ERR_PAYMENT_STATE'])
  assert.match(old.message, /error_code -4046/)
  emulator.addPayment('333', { amount: 100, at: clock.now() })
  emulator.failNext({ kind: 'error_code', code: -5001, note: 'Declined by the card network' })
  const declined = await failure(api.reversePayment('333'))
  assert.deepEqual([declined.retryable, declined.errorCode, declined.errorNote], [false, -5001, 'Declined by the card network'])
  assert.deepEqual(await api.reversePayment('333'), { paymentId: '333' }, 'the fault applied once')
})

test('rejected credentials answer HTTP 401: wrong secret, wrong user, stale timestamp', async (t) => {
  for (const [name, options] of [
    ['wrong secret', { secret: 'WRONG-secret' }],
    ['wrong user', { merchantUserId: '9999' }],
    ['stale timestamp', { clientClock: new FakeClock(Date.UTC(2026, 0, 10, 9, 50)) }]
  ] as const) {
    const { clock, emulator, api } = await setup(t, options)
    emulator.addPayment('444', { amount: 100, at: clock.now() })
    const error = await failure(api.reversePayment('444'))
    assert.deepEqual([error.retryable, error.httpStatus, error.code], [false, 401, 'ERR_PAYMENT_PROVIDER'], name)
    assert.deepEqual(emulator.reversals(), [], name)
  }
})

test('HTTP 500, an unreachable host and a timeout are retryable errors', async (t) => {
  const { clock, emulator, api } = await setup(t, { timeoutMs: 200 })
  emulator.addPayment('555', { amount: 100, at: clock.now() })
  emulator.failNext({ kind: 'http', status: 500 })
  const crashed = await failure(api.reversePayment('555'))
  assert.deepEqual([crashed.retryable, crashed.httpStatus, crashed.code], [true, 500, 'ERR_PAYMENT_RETRY'])
  emulator.failNext({ kind: 'hang' })
  const slow = await failure(api.reversePayment('555'))
  assert.deepEqual([slow.retryable, slow.httpStatus], [true, null])
  assert.match(slow.message, /no answer within 200 ms/)
  assert.deepEqual(emulator.reversals(), [])
  assert.deepEqual(await api.reversePayment('555'), { paymentId: '555' })

  const port = await freePort()
  const nowhere = createClickMerchantApi({ apiBase: `http://127.0.0.1:${port}`, serviceId: '12345', merchantUserId: '4321', secretKey: SECRET, clock })
  const refused = await failure(nowhere.reversePayment('555'))
  assert.deepEqual([refused.retryable, refused.code], [true, 'ERR_PAYMENT_RETRY'])
})

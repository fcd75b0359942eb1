import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  DomainError, ERROR_CATALOG, ERROR_CODES, httpStatusOf, isDomainError, isErrorCode, validationError
} from '../../../../src/domain/shared/errors.js'

const docs = readFileSync(join(import.meta.dirname, '../../../../docs/errors.md'), 'utf8')

test('every catalog code is documented in docs/errors.md', () => {
  const missing = ERROR_CODES.filter((code) => !docs.includes('`' + code + '`'))
  assert.deepEqual(missing, [], `add these codes to docs/errors.md: ${missing.join(', ')}`)
})

test('docs/errors.md names no code that is not in the catalog', () => {
  const documented = [...docs.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1] as string)
  assert.deepEqual(documented.filter((code) => !isErrorCode(code)), [])
})

test('codes follow ERR_<AREA>[_<REASON>] and map to the contract statuses', () => {
  const allowed = new Set([400, 401, 403, 404, 409, 413, 415, 429, 500, 503])
  for (const code of ERROR_CODES) {
    assert.match(code, /^ERR_[A-Z]+(_[A-Z]+)*$/)
    assert.ok(allowed.has(ERROR_CATALOG[code].status), code)
  }
  assert.deepEqual(
    ['ERR_VALIDATION', 'ERR_AUTH', 'ERR_SCOPE', 'ERR_NOT_FOUND', 'ERR_CONFLICT', 'ERR_REFUND_UNSUPPORTED', 'ERR_RATE_LIMITED', 'ERR_INTERNAL', 'ERR_UNAVAILABLE'].map((c) => httpStatusOf(c as 'ERR_AUTH')),
    [400, 401, 403, 404, 409, 409, 429, 500, 503]
  )
  assert.equal(httpStatusOf('ERR_ORDER_OUT_OF_STOCK'), 409)
  assert.equal(httpStatusOf('ERR_ORDER_STATE'), 409)
  assert.equal(httpStatusOf('ERR_ORDER_CURRENCY_MIX'), 400)
})

test('DomainError carries code, status, safe details, name and cause', () => {
  const cause = new Error('socket closed')
  const error = new DomainError('ERR_ORDER_STATE', 'Order 1 is paid', { orderId: '1' }, { cause })
  assert.equal(error.name, 'DomainError')
  assert.equal(error.code, 'ERR_ORDER_STATE')
  assert.equal(error.status, 409)
  assert.deepEqual(error.details, { orderId: '1' })
  assert.equal(error.cause, cause)
  assert.ok(error instanceof Error)
  assert.equal(isDomainError(error), true)
  assert.equal(isDomainError(new Error('x')), false)
  const v = validationError([{ field: 'price.amount', message: 'must be an integer' }])
  assert.equal(v.status, 400)
  assert.deepEqual(v.details.errors, [{ field: 'price.amount', message: 'must be an integer' }])
  assert.deepEqual(v.errors, v.details.errors)
})

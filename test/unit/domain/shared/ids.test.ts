import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createId, createIdGenerator, ID_PREFIXES, isId, isOrderId } from '../../../../src/domain/shared/ids.js'

test('ids carry their prefix and a 26-character base32 body', () => {
  for (const prefix of Object.values(ID_PREFIXES)) {
    const id = createId(prefix)
    assert.match(id, new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`))
    assert.equal(isId(prefix, id), true)
  }
  assert.equal(isId('prd', createId('pay')), false)
  assert.equal(isId('prd', 'prd_short'), false)
})

test('ids come from the random source passed in', () => {
  const zeros = createIdGenerator((bytes) => bytes.fill(0))
  assert.equal(zeros.next('prd'), 'prd_' + '0'.repeat(26))
  const ones = createId('tok', (bytes) => bytes.fill(255))
  assert.equal(ones, 'tok_' + 'z'.repeat(26))
})

test('default ids do not repeat', () => {
  const seen = new Set(Array.from({ length: 2000 }, () => createId('pay')))
  assert.equal(seen.size, 2000)
})

test('order ids are decimal sequence strings', () => {
  assert.equal(isOrderId('1042'), true)
  for (const bad of ['', '0', '01', '-1', '1.5', 'abc', 1042, '1'.repeat(19)]) assert.equal(isOrderId(bad), false, String(bad))
})

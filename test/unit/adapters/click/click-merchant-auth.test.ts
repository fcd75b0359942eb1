// The Merchant API Auth header (specs/click.md §11, §12 worked example, §14 item 28) and the
// emulator's reversal window (current month in Tashkent; the previous month only on the 1st).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { clickMerchantAuth } from '../../../../src/adapters/click/click-sign.js'
import { isReversibleAt } from '../../../../src/sandbox/click/merchant-api.js'

test('Merchant API Auth is merchant_user_id:sha1(timestamp + secret):timestamp for a fixed timestamp', () => {
  assert.equal(clickMerchantAuth('4321', 'SeCrEtKeY123', 1715682615), '4321:529be8ef7f0076f7e02fbbb485402f491c681011:1715682615')
  const other = clickMerchantAuth('98765', 'another-secret', 1767261600)
  const [user, digest, ts] = other.split(':')
  assert.deepEqual([user, ts], ['98765', '1767261600'])
  assert.equal(digest, createHash('sha1').update('1767261600another-secret').digest('hex'))
  assert.match(digest!, /^[0-9a-f]{40}$/)
  assert.ok(!other.includes('another-secret'), 'the secret itself never appears in the header')
  // a millisecond clock value is cut to whole seconds (10 digits)
  assert.equal(clickMerchantAuth('4321', 'SeCrEtKeY123', 1715682615.999), '4321:529be8ef7f0076f7e02fbbb485402f491c681011:1715682615')
})

test('emulated reversal window: the current Tashkent month, the previous one only on the 1st', () => {
  const at = (iso: string): number => Date.parse(iso)
  assert.equal(isReversibleAt(at('2026-01-03T10:00:00+05:00'), at('2026-01-20T10:00:00+05:00')), true)
  assert.equal(isReversibleAt(at('2025-12-20T10:00:00+05:00'), at('2026-01-10T10:00:00+05:00')), false)
  assert.equal(isReversibleAt(at('2025-12-20T10:00:00+05:00'), at('2026-01-01T23:00:00+05:00')), true, 'previous month on the 1st')
  assert.equal(isReversibleAt(at('2025-11-20T10:00:00+05:00'), at('2026-01-01T10:00:00+05:00')), false, 'two months back never')
  // months change at Tashkent midnight: 2026-01-31 19:30 UTC is 00:30 on 1 February there, and
  // 2026-02-01 19:30 UTC is already the 2nd
  assert.equal(isReversibleAt(at('2026-01-31T19:30:00Z'), at('2026-01-31T19:30:00Z')), true, 'same Tashkent month')
  assert.equal(isReversibleAt(at('2026-01-31T18:30:00Z'), at('2026-02-01T19:30:00Z')), false, 'January payment on 2 February')
  assert.equal(isReversibleAt(at('2026-01-31T18:30:00Z'), at('2026-02-01T18:30:00Z')), true, 'January payment on 1 February')
})

// dayIn: the calendar day of an instant in a time zone (analytics counts days in TIMEZONE). It
// keeps one formatter per zone; asking for one zone must never answer with another's day.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dayIn } from '../../../../src/domain/analytics/events.js'

test('dayIn answers each zone\'s own day for the same instant, whichever zone was asked first', () => {
  const at = Date.UTC(2026, 11, 7, 12, 0, 0) // noon UTC: already the 8th at +14 h, still the 7th at -11 h
  assert.equal(dayIn(at, 'Pacific/Kiritimati'), '2026-12-08')
  assert.equal(dayIn(at, 'Pacific/Pago_Pago'), '2026-12-07')
  assert.equal(dayIn(at, 'UTC'), '2026-12-07')
  assert.equal(dayIn(at, 'Pacific/Kiritimati'), '2026-12-08')
  // Tashkent (+5) around its midnight
  assert.equal(dayIn(Date.UTC(2026, 0, 31, 18, 59, 59), 'Asia/Tashkent'), '2026-01-31')
  assert.equal(dayIn(Date.UTC(2026, 0, 31, 19, 0, 0), 'Asia/Tashkent'), '2026-02-01')
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
test('smoke passes', () => { assert.equal(1 + 1, 2) })
test('smoke skipped', { skip: true }, () => {})

// Decisions 0060 and 0066: a worker's answer window lets a copy start only a second after the
// answer to the copy `rate` before it, and with several workers sending, `rate / workers` before it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createAnswerWindow } from '../../../src/usecases/broadcasts/send-broadcasts.js'

test('the answer window holds a worker to rate copies a second, and to its share when workers send together', async () => {
  let clock = 0
  const window = createAnswerWindow(30, () => clock)
  const sendAnswered = async (): Promise<void> => { await window.track(Promise.resolve()) }
  // 30 copies answered at time 0: the 31st waits for the first answer's second to pass
  for (let i = 0; i < 30; i++) {
    assert.equal(await window.ready(), 0, `copy ${i + 1} may start at once`)
    await sendAnswered()
  }
  assert.equal(await window.ready(), 1001)
  clock = 1001
  assert.equal(await window.ready(), 0)
  await sendAnswered()
  // two workers: this one keeps 15 copies a second
  const shared = createAnswerWindow(30, () => clock)
  shared.share(2)
  for (let i = 0; i < 15; i++) {
    assert.equal(await shared.ready(), 0)
    await shared.track(Promise.resolve())
  }
  assert.equal(await shared.ready(), 1001, 'the 16th copy waits a second after the first answer')
  shared.share(1)
  assert.equal(await shared.ready(), 0, 'alone again: the whole rate')
})

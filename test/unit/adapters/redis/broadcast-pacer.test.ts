// The broadcast pace shared by every instance (decision 0035): two pacers over one store (two
// instances) book slots from one timeline, never the same slot twice, and a 429's hold holds both.
// The memory store with a fake clock runs the same script Redis runs (kv-script.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createBroadcastPacer, PACE_HEADROOM } from '../../../../src/adapters/redis/broadcast-pacer.js'
import { createMemoryKv } from '../../../../src/adapters/redis/memory-kv.js'
import { FakeClock } from '../../../../src/domain/shared/clock.js'

function instances (rate: number, count: number): { clock: FakeClock, pacers: Array<ReturnType<typeof createBroadcastPacer>> } {
  const clock = new FakeClock()
  const kv = createMemoryKv({ clock, prefix: 'pace-test' })
  return { clock, pacers: Array.from({ length: count }, () => createBroadcastPacer({ kv, rate, clock })) }
}

test('two instances book one timeline: the second\'s first slot follows the first\'s last', async () => {
  const { clock, pacers: [a, b] } = instances(30, 2)
  const interval = 1000 / (30 * PACE_HEADROOM)
  assert.equal(Math.round(a!.intervalMs * 100), Math.round(interval * 100))
  assert.equal(await a!.reserve(10), 0)
  assert.equal(await b!.reserve(5), Math.floor(10 * a!.intervalMs))
  assert.equal(await a!.reserve(1), Math.floor(15 * a!.intervalMs))
  clock.advance(1000)
  // idle time is not saved up: no burst after a pause
  assert.equal(await b!.reserve(3), 0)
  assert.equal(await a!.reserve(1), Math.floor(3 * a!.intervalMs))
})

test('a 429 held by one instance holds the other', async () => {
  const { pacers: [a, b] } = instances(30, 2)
  await a!.reserve(2)
  await b!.holdFor(3000)
  assert.equal(await a!.reserve(1), 3000)
  assert.equal(await b!.reserve(1), Math.floor(3000 + a!.intervalMs))
})

test('any interleaving of instances keeps the booked rate: n slots take n intervals (fixed seed)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ who: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 20 }), idleMs: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 30 }),
    async (steps) => {
      const { clock, pacers } = instances(25, 3)
      // the absolute time of each booked first slot, and the slots booked so far
      let next = clock.now()
      for (const step of steps) {
        clock.advance(step.idleMs)
        const wait = await pacers[step.who]!.reserve(step.n)
        const first = clock.now() + wait
        // never before the end of what any instance booked earlier (an idle gap is not saved up)
        assert.ok(first >= Math.floor(next) - 1, `slot at ${first} before ${next}`)
        next = Math.max(next, clock.now()) + step.n * pacers[0]!.intervalMs
      }
    }
  ), { seed: 16, numRuns: 100 })
})

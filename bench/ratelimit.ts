// `npm run bench:ratelimit`: limiter checks per second on a real Redis, in one run and on one
// server, for (a) raw EVALSHA of a trivial one-key script (the floor: one round trip, no work),
// (b) Bozor's sliding-window limiter with one rule and with two rules (`bot.message`'s shape),
// and (c) rate-limiter-flexible's RateLimiterRedis (fixed window, one rule). Rounds alternate
// between contenders; the median of each is printed with its ratio to raw EVALSHA.
// Usage: npm run bench:ratelimit [-- --url redis://127.0.0.1:6379 --seconds 2 --rounds 3 --concurrency 32 --subjects 1000]
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { createRedisKv } from '../src/adapters/redis/redis-kv.js'
import { createRateLimiter } from '../src/adapters/redis/rate-limiter.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    subjects: { type: 'string', default: '1000' }
  }
})
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const concurrency = Number(values.concurrency)
const subjects = Number(values.subjects)
const prefix = `bench-rl-${process.pid}`
const HUGE = 1_000_000_000

type Op = (subject: number) => Promise<unknown>

/** Closed loop: `concurrency` callers, each starting its next call when the last one answers. */
async function opsPerSecond (op: Op): Promise<number> {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  let next = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await op(next++ % subjects)
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return done / ((performance.now() - started) / 1000)
}

const raw = new Redis(values.url, { lazyConnect: false })
const sha = String(await raw.script('LOAD', 'return 1'))
const kv = createRedisKv({ cluster: false, url: values.url, prefix, commandTimeoutMs: 5000 })
const limiter = createRateLimiter({
  kv,
  policies: { one: [{ limit: HUGE, windowS: 60 }], two: [{ limit: HUGE, windowS: 3 }, { limit: HUGE, windowS: 60 }] }
})
const flexible = new RateLimiterRedis({ storeClient: raw, points: HUGE, duration: 60, keyPrefix: `${prefix}-rlf` })

const contenders: Array<[string, Op]> = [
  ['raw EVALSHA (return 1)', async (s) => await raw.evalsha(sha, 1, `${prefix}:raw:${s}`)],
  ['bozor limiter, 1 rule', async (s) => await limiter.check('one', ['u', s])],
  ['bozor limiter, 2 rules', async (s) => await limiter.check('two', ['u', s])],
  ['rate-limiter-flexible', async (s) => await flexible.consume(`u${s}`)]
]

const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]))
for (const [, op] of contenders) await opsPerSecond(op) // warm-up: scripts loaded, connections up
for (let round = 0; round < rounds; round++) {
  for (const [name, op] of contenders) samples.get(name)!.push(await opsPerSecond(op))
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const baseline = median(samples.get(contenders[0]![0])!)
console.log(`redis ${values.url}, ${concurrency} in flight, ${subjects} subjects, ${rounds} rounds of ${seconds} s (median)`)
for (const [name] of contenders) {
  const ops = median(samples.get(name)!)
  console.log(`${name.padEnd(26)} ${ops.toFixed(0).padStart(8)} checks/s  ratio to raw ${(ops / baseline).toFixed(2)}`)
}
const flex = median(samples.get('rate-limiter-flexible')!)
console.log(`bozor 1 rule / rate-limiter-flexible: ${(median(samples.get('bozor limiter, 1 rule')!) / flex).toFixed(2)}`)

// clean up what the run wrote
let cursor = '0'
do {
  const [nextCursor, keys] = await raw.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
  if (keys.length > 0) await raw.unlink(...keys)
  cursor = nextCursor
} while (cursor !== '0')
await kv.close()
raw.disconnect()

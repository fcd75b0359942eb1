// `npm run bench:ratelimit`: limiter checks per second on a real Redis, in one run and on one
// server, for (a) raw EVALSHA of a trivial one-key script (the floor: one round trip, no work),
// (b) Bozor's sliding-window limiter with one, two (`bot.message`'s shape) and three rules,
// and (c) rate-limiter-flexible's RateLimiterRedis (fixed window, one rule) and a RateLimiterUnion
// of three (the same three rules); a raw GET is the floor the ratio is taken against. Rounds alternate
// between contenders; the median of each is printed with its ratio to the raw GET.
// Usage: npm run bench:ratelimit [-- --url redis://127.0.0.1:6379 --seconds 2 --rounds 3 --concurrency 32 --subjects 1000]
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterUnion } from 'rate-limiter-flexible'
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
/** Three rules, as a policy of the webhook path has them: a burst, a minute and an hour. */
const THREE = [{ limit: HUGE, windowS: 3 }, { limit: HUGE, windowS: 60 }, { limit: HUGE, windowS: 3600 }]
const limiter = createRateLimiter({
  kv,
  policies: { one: [{ limit: HUGE, windowS: 60 }], two: [{ limit: HUGE, windowS: 3 }, { limit: HUGE, windowS: 60 }], three: THREE }
})
// rate-limiter-flexible on a connection of its own, its commands counted
const rlfClient = new Redis(values.url, { lazyConnect: false })
const rlfCommands = { n: 0 }
const send = rlfClient.sendCommand.bind(rlfClient)
rlfClient.sendCommand = ((...args: Parameters<typeof send>) => { rlfCommands.n++; return send(...args) }) as typeof send
const flexible = new RateLimiterRedis({ storeClient: rlfClient, points: HUGE, duration: 60, keyPrefix: `${prefix}-rlf` })
const flexibleThree = new RateLimiterUnion(...THREE.map((rule, i) => new RateLimiterRedis({ storeClient: rlfClient, points: rule.limit, duration: rule.windowS, keyPrefix: `${prefix}-rlf3-${i}` })))

const contenders: Array<[string, Op]> = [
  ['raw GET', async (s) => await raw.get(`${prefix}:get:${s}`)],
  ['raw EVALSHA (return 1)', async (s) => await raw.evalsha(sha, 1, `${prefix}:raw:${s}`)],
  ['bozor limiter, 1 rule', async (s) => await limiter.check('one', ['u', s])],
  ['bozor limiter, 2 rules', async (s) => await limiter.check('two', ['u', s])],
  ['bozor limiter, 3 rules', async (s) => await limiter.check('three', ['u', s])],
  ['rate-limiter-flexible', async (s) => await flexible.consume(`u${s}`)],
  ['rlf union, 3 rules', async (s) => await flexibleThree.consume(`u${s}`)]
]

/** Redis commands and round trips per check (Bozor: the store's own counters; rlf: commands sent). */
async function costOf (op: Op, counter: () => { commands: number, roundTrips: number }): Promise<{ commands: number, roundTrips: number }> {
  const before = counter()
  const n = 200
  for (let i = 0; i < n; i++) await op(i)
  const after = counter()
  return { commands: (after.commands - before.commands) / n, roundTrips: (after.roundTrips - before.roundTrips) / n }
}
const bozorCost = await costOf(async (s) => await limiter.check('three', ['u', s]), () => ({ ...kv.stats }))
// the union sends its three scripts at once: three commands in one round trip of wall time
const rlfCost = await costOf(async (s) => await flexibleThree.consume(`u${s}`), () => ({ commands: rlfCommands.n, roundTrips: rlfCommands.n }))

const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]))
for (const [, op] of contenders) await opsPerSecond(op) // warm-up: scripts loaded, connections up
for (let round = 0; round < rounds; round++) {
  for (const [name, op] of contenders) samples.get(name)!.push(await opsPerSecond(op))
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const of = (name: string): number => median(samples.get(name)!)
console.log(`redis ${values.url}, ${concurrency} in flight, ${subjects} subjects, ${rounds} rounds of ${seconds} s (median)`)
for (const [name] of contenders) {
  console.log(`${name.padEnd(26)} ${of(name).toFixed(0).padStart(8)} checks/s  ratio to raw GET ${(of(name) / of('raw GET')).toFixed(2)}`)
}
console.log(`bozor 1 rule / rate-limiter-flexible (1 rule): ${(of('bozor limiter, 1 rule') / of('rate-limiter-flexible')).toFixed(2)}`)
console.log(`bozor 3 rules / rlf union of 3 rules: ${(of('bozor limiter, 3 rules') / of('rlf union, 3 rules')).toFixed(2)}  (goal >= 2)`)
console.log(`bozor 3 rules / raw GET: ${(of('bozor limiter, 3 rules') / of('raw GET')).toFixed(2)}  (goal >= 0.6)`)
console.log(`cost per check: bozor 3 rules ${bozorCost.commands.toFixed(2)} commands in ${bozorCost.roundTrips.toFixed(2)} round trips; rlf union ${rlfCost.commands.toFixed(2)} commands (sent together)`)

// clean up what the run wrote
let cursor = '0'
do {
  const [nextCursor, keys] = await raw.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
  if (keys.length > 0) await raw.unlink(...keys)
  cursor = nextCursor
} while (cursor !== '0')
await kv.close()
raw.disconnect()
rlfClient.disconnect()

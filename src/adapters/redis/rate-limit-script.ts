// The sliding-window rate-limit script of specs/redis.md §5 (weighted two-bucket counter): every
// rule of one action is checked by one atomic script call, all or nothing; a denied request
// changes no counter. The Lua body reads the server clock (`TIME`); the memory twin reads the
// store's clock. Arithmetic is done on integers so both twins decide identically.
import { defineScript, type MemoryScriptApi, type ScriptDefinition } from './kv-script.js'

/** Decision of one script call: [allowed 1|0, violated rule index (1-based, 0 = none), retryAfterMs, remaining, resetMs]. */
export type RateLimitReply = [number, number, number, number, number]

/** Extra TTL beyond two windows, so a key outlives the bucket it still weighs. */
export const RATE_LIMIT_TTL_MARGIN_MS = 1000

/** One rule in script units: limit per window of `windowMs`. */
export interface ScriptRule { limit: number, windowMs: number }

interface RuleState { b: number, c: number, p: number }

/** Rolls the stored `w/c/p` to bucket `b` (§5 storage rules). */
function roll (stored: Record<string, string>, b: number): RuleState {
  const w = stored.w === undefined ? undefined : Number(stored.w)
  const c = Number(stored.c ?? 0)
  if (w === b) return { b, c, p: Number(stored.p ?? 0) }
  if (w === b - 1) return { b, c: 0, p: c }
  return { b, c: 0, p: 0 }
}

/**
 * The pure decision both twins implement: `null` when the rule passes, else the wait in ms
 * (-1 when `k > L`). `num` is `w·(L − E − k)` in integers.
 */
function ruleWait (s: RuleState, L: number, w: number, e: number, k: number): number | null {
  const num = L * w - s.p * (w - e) - (s.c + k) * w
  if (num >= 0) return null
  if (k > L) return -1
  const wait = s.c + k <= L
    ? Math.ceil((s.p * (w - e) - (L - s.c - k) * w) / s.p)
    : (w - e) + Math.ceil(w * (s.c + k - L) / s.c)
  return Math.max(1, wait)
}

function memoryTwin (db: MemoryScriptApi, keys: readonly string[], args: readonly string[]): RateLimitReply {
  const k = Number(args[0])
  const now = args[1] === '' ? db.now() : Number(args[1])
  const states: RuleState[] = []
  let violated = 0
  let retry = 0
  let remaining = Infinity
  let reset = 0
  let resetDenied = 0
  keys.forEach((key, i) => {
    const L = Number(args[2 + 2 * i])
    const w = Number(args[3 + 2 * i])
    const b = Math.floor(now / w)
    const e = now - b * w
    const s = roll(db.hgetall(key), b)
    states.push(s)
    const wait = ruleWait(s, L, w, e, k)
    if (wait !== null && (violated === 0 || retry !== -1) && (wait === -1 || wait > retry)) {
      violated = i + 1
      retry = wait
    }
    remaining = Math.min(remaining, Math.floor((L * w - s.p * (w - e) - s.c * w) / w))
    reset = Math.max(reset, 2 * w - e)
    resetDenied = Math.max(resetDenied, s.c > 0 ? 2 * w - e : s.p > 0 ? w - e : 0)
  })
  if (violated !== 0) return [0, violated, retry, Math.max(0, remaining), resetDenied]
  keys.forEach((key, i) => {
    const w = Number(args[3 + 2 * i])
    const s = states[i]!
    db.hset(key, { w: String(s.b), c: String(s.c + k), p: String(s.p) })
    db.pexpire(key, 2 * w + RATE_LIMIT_TTL_MARGIN_MS)
  })
  return [1, 0, 0, Math.max(0, remaining - k), reset]
}

const LUA = `local k = tonumber(ARGV[1])
local now
if ARGV[2] ~= '' then now = tonumber(ARGV[2]) else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local states = {}
local violated, retry, remaining, reset, resetDenied = 0, 0, nil, 0, 0
for i = 1, #KEYS do
  local L = tonumber(ARGV[1 + 2 * i])
  local w = tonumber(ARGV[2 + 2 * i])
  local b = math.floor(now / w)
  local e = now - b * w
  local h = redis.call('HMGET', KEYS[i], 'w', 'c', 'p')
  local sw, c, p = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
  if sw == b then
  elseif sw == b - 1 then p = c; c = 0
  else p = 0; c = 0 end
  states[i] = {b, c, p}
  local num = L * w - p * (w - e) - (c + k) * w
  if num < 0 then
    local wait
    if k > L then wait = -1
    elseif c + k <= L then wait = math.ceil((p * (w - e) - (L - c - k) * w) / p)
    else wait = (w - e) + math.ceil(w * (c + k - L) / c) end
    if wait ~= -1 and wait < 1 then wait = 1 end
    if (violated == 0 or retry ~= -1) and (wait == -1 or wait > retry) then violated = i; retry = wait end
  end
  local rem = math.floor((L * w - p * (w - e) - c * w) / w)
  if remaining == nil or rem < remaining then remaining = rem end
  if 2 * w - e > reset then reset = 2 * w - e end
  local r = 0
  if c > 0 then r = 2 * w - e elseif p > 0 then r = w - e end
  if r > resetDenied then resetDenied = r end
end
if violated ~= 0 then return {0, violated, retry, math.max(0, remaining), resetDenied} end
for i = 1, #KEYS do
  local w = tonumber(ARGV[2 + 2 * i])
  local s = states[i]
  redis.call('HSET', KEYS[i], 'w', string.format('%d', s[1]), 'c', string.format('%d', s[2] + k), 'p', string.format('%d', s[3]))
  redis.call('PEXPIRE', KEYS[i], 2 * w + ${RATE_LIMIT_TTL_MARGIN_MS})
end
return {1, 0, 0, math.max(0, remaining - k), reset}`

const scripts = new Map<number, ScriptDefinition<RateLimitReply>>()

/**
 * The script for `ruleCount` rules (KEYS = one hash per rule, all sharing the subject's hash tag;
 * ARGV = cost, now override ('' in production), then limit and window ms of each rule).
 */
export function rateLimitScript (ruleCount: number): ScriptDefinition<RateLimitReply> {
  let script = scripts.get(ruleCount)
  if (script === undefined) {
    script = defineScript<RateLimitReply>({ name: `rateLimit${ruleCount}`, numberOfKeys: ruleCount, lua: LUA, memory: memoryTwin })
    scripts.set(ruleCount, script)
  }
  return script
}

/** The script arguments of one check. */
export function rateLimitArgs (rules: readonly ScriptRule[], cost: number, now: number | undefined): Array<string | number> {
  return [cost, now === undefined ? '' : Math.floor(now), ...rules.flatMap((r) => [r.limit, r.windowMs])]
}

// Scripts of the cache's tag invalidation (specs/redis.md §3), on both stores.
import { defineScript, type ScriptDefinition } from './kv-script.js'

const writeScripts = new Map<number, ScriptDefinition<number>>()

const WRITE_LUA = `local n = (#KEYS - 1) / 2
for i = 1, n do
  local v = redis.call('GET', KEYS[1 + 2 * i]) or '0'
  if v ~= ARGV[2 + i] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 1, n do
  local s = KEYS[2 * i]
  redis.call('SADD', s, KEYS[1])
  redis.call('PEXPIRE', s, ARGV[2], 'NX')
  redis.call('PEXPIRE', s, ARGV[2], 'GT')
end
return 1`

/**
 * Single-node tagged write for `tagCount` tags. KEYS: entry, then per tag its set and version;
 * ARGV: entry JSON, ttl ms, then the version of each tag read before loading. Writes nothing and
 * returns 0 when any version moved ("stale"), else 1.
 */
export function taggedWriteScript (tagCount: number): ScriptDefinition<number> {
  let script = writeScripts.get(tagCount)
  if (script === undefined) {
    script = defineScript<number>({
      name: `cacheTaggedWrite${tagCount}`,
      numberOfKeys: 1 + 2 * tagCount,
      lua: WRITE_LUA,
      memory: (db, keys, args) => {
        for (let i = 0; i < tagCount; i++) if ((db.get(keys[2 + 2 * i]!) ?? '0') !== args[2 + i]) return 0
        const ttl = Number(args[1])
        db.set(keys[0]!, args[0]!, { pxMs: ttl })
        for (let i = 0; i < tagCount; i++) {
          const set = keys[1 + 2 * i]!
          db.sadd(set, [keys[0]!])
          db.pexpire(set, ttl, 'NX')
          db.pexpire(set, ttl, 'GT')
        }
        return 1
      }
    })
    writeScripts.set(tagCount, script)
  }
  return script
}

/** Cluster write-then-verify step: SADD the entry key to one tag set and extend its TTL (never shorten). */
export const tagAddScript = defineScript<number>({
  name: 'cacheTagAdd',
  numberOfKeys: 1,
  lua: `redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'GT')
return 1`,
  memory: (db, [set], [member, ttl]) => {
    db.sadd(set!, [member!])
    db.pexpire(set!, Number(ttl), 'NX')
    db.pexpire(set!, Number(ttl), 'GT')
    return 1
  }
})

/**
 * Invalidation step 1. KEYS: tag set, tag version, dying set name (all under the tag's hash tag).
 * INCR the version and RENAME the set to the dying name when it exists; returns 1 when renamed.
 */
export const tagInvalidateScript = defineScript<number>({
  name: 'cacheTagInvalidate',
  numberOfKeys: 3,
  lua: `redis.call('INCR', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[3])
  return 1
end
return 0`,
  memory: (db, [set, version, dying]) => {
    db.incrBy(version!, 1)
    if (!db.exists(set!)) return 0
    db.rename(set!, dying!)
    return 1
  }
})

/** Invalidation step 2: SPOP up to ARGV[1] members of the dying set (bounded batches, never all at once). */
export const tagPopScript = defineScript<string[]>({
  name: 'cacheTagPop',
  numberOfKeys: 1,
  lua: 'return redis.call(\'SPOP\', KEYS[1], ARGV[1])',
  memory: (db, [set], [count]) => {
    const members = db.smembers(set!).slice(0, Number(count))
    db.srem(set!, members)
    return members
  }
})

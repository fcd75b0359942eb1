// The store's own atomic scripts (locks, versioned values, cleanup of invalid JSON), written once
// for Redis (Lua) and once for the memory store, through the same defineScript hook that later
// scripts (rate limiting, tag invalidation) use.
import { decodeVersioned } from './kv-json.js'
import { defineScript } from './kv-script.js'

/** DEL KEYS[1] only while it still holds ARGV[1]. Returns 1 when deleted, else 0. */
export const deleteIfEqualsScript = defineScript({
  name: 'kvDeleteIfEquals',
  numberOfKeys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  memory: (db, [key], [expected]) => (db.get(key!) === expected ? (db.del(key!) ? 1 : 0) : 0)
})

// The stored version of a `{"ver": n, ...}` value; absent or unreadable counts as 0.
const LUA_READ_VERSION = `local cur = redis.call('GET', KEYS[1])
local ver = 0
if cur then
  local ok, obj = pcall(cjson.decode, cur)
  if ok and type(obj) == 'table' and type(obj.ver) == 'number' then ver = math.floor(obj.ver) end
end`

/**
 * Versioned compare-and-set (specs/redis.md §6). ARGV: expected version, data JSON, ttl ms.
 * Stores `{"ver": expected+1, "data": …}` with the TTL when the stored version equals the expected
 * one (0 = absent or tombstone of version 0); returns the new version, or null on conflict.
 */
export const compareAndSetScript = defineScript({
  name: 'kvCompareAndSet',
  numberOfKeys: 1,
  lua: `${LUA_READ_VERSION}
if ver ~= tonumber(ARGV[1]) then return false end
local nv = ver + 1
redis.call('SET', KEYS[1], '{"ver":' .. string.format('%d', nv) .. ',"data":' .. ARGV[2] .. '}', 'PX', ARGV[3])
return nv`,
  memory: (db, [key], [expected, data, ttl]) => {
    const ver = decodeVersioned(db.get(key!)).ver
    if (ver !== Number(expected)) return null
    db.set(key!, `{"ver":${ver + 1},"data":${data!}}`, { pxMs: Number(ttl) })
    return ver + 1
  }
})

/**
 * Versioned compare-and-delete. ARGV: expected version, tombstone ttl ms. On a match the value is
 * replaced by a tombstone `{"ver": expected+1, "deleted": true}` so that a late write holding an
 * older version conflicts instead of recreating the value. Returns 1 on a match, else 0.
 */
export const compareAndDeleteScript = defineScript({
  name: 'kvCompareAndDelete',
  numberOfKeys: 1,
  lua: `${LUA_READ_VERSION}
if ver ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '{"ver":' .. string.format('%d', ver + 1) .. ',"deleted":true}', 'PX', ARGV[2])
return 1`,
  memory: (db, [key], [expected, ttl]) => {
    const ver = decodeVersioned(db.get(key!)).ver
    if (ver !== Number(expected)) return 0
    db.set(key!, `{"ver":${ver + 1},"deleted":true}`, { pxMs: Number(ttl) })
    return 1
  }
})

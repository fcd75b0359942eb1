/**
 * The key-value store Config asks for (part of the composition root): the in-process store, or
 * Redis (single node or Cluster). Shared by `compose` and the command-line tools' direct mode.
 */
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Clock } from '../domain/shared/clock.js'
import type { KvStore } from '../adapters/redis/kv-store.js'
import { createMemoryKv } from '../adapters/redis/memory-kv.js'
import { createRedisKv } from '../adapters/redis/redis-kv.js'

export function createKv (config: Config, logger: Logger, clock: Clock): KvStore {
  const kvLogger = logger.child({ module: 'kv' })
  if (config.redis === undefined) return createMemoryKv({ clock, prefix: config.kvPrefix })
  return config.redis.cluster
    ? createRedisKv({ cluster: true, nodes: config.redis.nodes, prefix: config.kvPrefix, logger: kvLogger })
    : createRedisKv({ cluster: false, url: config.redis.url, prefix: config.kvPrefix, logger: kvLogger })
}

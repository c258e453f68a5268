/** Chooses the store: Redis when a URL (or cluster nodes) is configured, else the embedded one. */
import type { Clock } from '../clock.js';
import { createMemoryStore } from './memory/memory-store.js';
import { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
import type { StoreLogger } from './redis/events.js';
import type { Store } from './types.js';

export interface StoreConfig {
  redisUrl?: string;
  redisKeyPrefix?: string;
  redisAllowEviction?: boolean;
  redisCommandTimeoutMs?: number;
  redisConnectTimeoutMs?: number;
  /** Extra ioredis options (TLS, Sentinel passwords...). */
  redisOptions?: RedisStoreOptions['redis'];
  memoryMaxEntries?: number;
}

export async function createStore(config: StoreConfig, clock: Clock, logger?: StoreLogger): Promise<Store> {
  if (!config.redisUrl) {
    return createMemoryStore({ clock, ...(config.memoryMaxEntries ? { maxEntries: config.memoryMaxEntries } : {}) });
  }
  return createRedisStore({
    url: config.redisUrl,
    clock,
    ...(logger ? { logger } : {}),
    ...(config.redisKeyPrefix !== undefined ? { keyPrefix: config.redisKeyPrefix } : {}),
    ...(config.redisAllowEviction !== undefined ? { allowEviction: config.redisAllowEviction } : {}),
    ...(config.redisCommandTimeoutMs !== undefined ? { commandTimeoutMs: config.redisCommandTimeoutMs } : {}),
    ...(config.redisConnectTimeoutMs !== undefined ? { connectTimeoutMs: config.redisConnectTimeoutMs } : {}),
    ...(config.redisOptions ? { redis: config.redisOptions } : {}),
  });
}

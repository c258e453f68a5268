export type * from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { EvictionPolicyError } from './redis/eviction.js';
export { parseRedisUrl, type RedisTarget, type RedisNode } from './redis/parse-url.js';
export type { StoreLogger } from './redis/events.js';
export { createStore, type StoreConfig } from './create-store.js';
export { LAST_SEEN_TTL_MS } from './activity-window.js';
export { ControlNotDurableError, createControlKeeper, type ControlKeeper, type ControlKeeperOptions } from './control-keeper.js';

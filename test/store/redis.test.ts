import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';
import { runStoreContract } from './contract.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

runStoreContract(t, 'redis', (ns) => createRedisStore({ url: redis.url, keyPrefix: `t:${ns}:`, clock: systemClock }), {
  clock: systemClock,
  ttlMs: 200,
  advance: (ms) => new Promise((r) => setTimeout(r, ms)),
});

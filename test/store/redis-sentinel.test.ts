/** Sentinel: the store finds the master through a redis-sentinel:// URL and passes the contract. */
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedis, startRedisSentinel } from '../helpers/redis.js';
import { runStoreContract } from './contract.js';

const skip = process.env.REDIS_URL ? 'REDIS_URL set: no local sentinel' : false;

t.test('the store through a local sentinel', { skip }, async (t) => {
  const master = await startRedis();
  t.teardown(() => master.stop());
  const sentinel = await startRedisSentinel(master.port);
  t.teardown(() => sentinel.stop());
  runStoreContract(t, 'redis-sentinel', (ns) => createRedisStore({ url: sentinel.url, keyPrefix: `t:${ns}:`, clock: systemClock }), {
    clock: systemClock,
    ttlMs: 200,
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
});

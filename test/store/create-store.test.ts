import t from 'tap';
import { manualClock, systemClock } from '../../src/clock.js';
import { createStore } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';

t.test('no Redis URL: the embedded store', async (t) => {
  const s = await createStore({}, manualClock(0));
  t.teardown(() => s.close());
  t.equal(s.kind, 'memory');
});

t.test('a Redis URL: the Redis store', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const s = await createStore({ redisUrl: redis.url, redisKeyPrefix: 'cs:' }, systemClock);
  t.teardown(() => s.close());
  t.equal(s.kind, 'redis');
  t.equal(await s.claimOnce('x', 1000), true);
});

/** A maxmemory-policy that can evict keys with a TTL would silently drop revocations. */
import t from 'tap';
import { Redis } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';

// Never reconfigure a server we did not start (REDIS_URL).
const skip = process.env.REDIS_URL ? 'REDIS_URL set: these tests change maxmemory-policy on their own server' : false;

function logger() {
  const warnings: string[] = [];
  return { warnings, warn: (_: object, msg: string) => { warnings.push(msg); }, error: () => {} };
}

t.test('maxmemory-policy checks at start', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const admin = new Redis(redis.url);
  t.teardown(() => admin.quit());
  t.teardown(() => admin.config('SET', 'maxmemory-policy', 'noeviction'));

  for (const policy of ['allkeys-lru', 'volatile-ttl', 'volatile-lru', 'allkeys-random']) {
    t.test(`${policy} is refused at start unless allowed`, async (t) => {
      await admin.config('SET', 'maxmemory-policy', policy);
      await t.rejects(createRedisStore({ url: redis.url, clock: systemClock }), /maxmemory-policy is "[a-z-]+".*noeviction/);
      const log = logger();
      const store = await createRedisStore({ url: redis.url, clock: systemClock, allowEviction: true, logger: log });
      await store.close();
      t.match(log.warnings.join('\n'), /can evict/, 'allowed, but with a warning');
    });
  }

  t.test('noeviction is accepted', async (t) => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const log = logger();
    const store = await createRedisStore({ url: redis.url, clock: systemClock, logger: log });
    await store.close();
    t.same(log.warnings, []);
  });

  t.test('CONFIG disabled (managed Redis): a warning, and the store starts', async (t) => {
    const locked = await startRedis({ args: ['--rename-command', 'CONFIG', ''] });
    t.teardown(() => locked.stop());
    const log = logger();
    const store = await createRedisStore({ url: locked.url, clock: systemClock, logger: log });
    await store.close();
    t.match(log.warnings.join('\n'), /cannot read Redis maxmemory-policy/);
  });
});

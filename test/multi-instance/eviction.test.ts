/**
 * Issue 3, eviction: a Redis that may evict keys would silently drop revocations and replay
 * records, so the broker refuses to start on such a policy unless explicitly allowed.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createRedisStore, createStore, EvictionPolicyError } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, TEST_KEK } from '../helpers/redis-broker.js';

const redis = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
t.teardown(() => redis.stop());
const setPolicy = (policy: string) =>
  promisify(execFile)('redis-cli', ['-p', String(redis.port), 'CONFIG', 'SET', 'maxmemory-policy', policy]);

t.test('allkeys-lru: building the store throws a clear error', async (t) => {
  await t.rejects(createRedisStore({ url: redis.url, clock: systemClock }), EvictionPolicyError);
  await t.rejects(createRedisStore({ url: redis.url, clock: systemClock }), /maxmemory-policy is "allkeys-lru".*noeviction.*STS_REDIS_ALLOW_EVICTION=true/s, 'names the policy, the fix and the setting');
  await t.rejects(buildRedisBrokers({ redisUrl: redis.url }), EvictionPolicyError, 'so a broker instance does not start');
  const config = loadConfig({ REDIS_URL: redis.url, STS_KEY_ENCRYPTION_KEY: TEST_KEK });
  await t.rejects(createStore(config, systemClock), EvictionPolicyError, 'from the configuration too (the server path)');
});

t.test('volatile-* policies evict keys with a TTL (revocations, replay claims): refused too', async (t) => {
  for (const policy of ['volatile-lru', 'volatile-ttl', 'allkeys-random']) {
    await setPolicy(policy);
    await t.rejects(createRedisStore({ url: redis.url, clock: systemClock }), EvictionPolicyError, policy);
  }
});

t.test('an evicting policy starts when explicitly allowed', async (t) => {
  await setPolicy('allkeys-lru');
  const warnings: string[] = [];
  const store = await createRedisStore({ url: redis.url, clock: systemClock, allowEviction: true, logger: { warn: (_o, m) => void warnings.push(m), error: () => {} } });
  t.teardown(() => store.close());
  await store.ping();
  t.ok(warnings.some((w) => /evict/.test(w)), 'and says so in the log');
  const config = loadConfig({ REDIS_URL: redis.url, STS_KEY_ENCRYPTION_KEY: TEST_KEK, STS_REDIS_ALLOW_EVICTION: 'true' });
  const fromConfig = await createStore(config, systemClock);
  t.teardown(() => fromConfig.close());
  t.equal(fromConfig.kind, 'redis', 'STS_REDIS_ALLOW_EVICTION=true lets the server start');
  const brokers = await buildRedisBrokers({ redisUrl: redis.url, count: 1, store: { allowEviction: true } });
  t.teardown(() => brokers.close());
  t.equal((await brokers.instances[0]?.exchange(await brokers.instances[0].attest()))?.statusCode, 200, 'and it mints');
});

t.test('noeviction starts', async (t) => {
  await setPolicy('noeviction');
  const brokers = await buildRedisBrokers({ redisUrl: redis.url, count: 1 });
  t.teardown(() => brokers.close());
  const broker = brokers.instances[0];
  t.ok(broker);
  t.equal((await broker?.exchange(await broker.attest()))?.statusCode, 200);
});

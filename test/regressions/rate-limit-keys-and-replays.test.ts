/**
 * Regressions (left over from the earlier review) in the token endpoint's rate limits:
 * - the shared counters were named `...undefinedundefined...` in Redis;
 * - a replayed assertion spent the agent's budget before it was refused as a replay, so an
 *   attacker replaying a captured assertion could lock the agent out.
 */
import { Redis } from 'ioredis';
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, multiInstancePolicy, type RedisBrokerInstance } from '../helpers/redis-broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const policy = multiInstancePolicy(['limited-agent'], {
  limited: { description: 'Rate limited', scopes: ['*:read'], max_ttl: '15m', review_every: '180d', rate_limit: { requests: 3, per: '1m' } },
});
for (const agent of policy.agents as Array<Record<string, unknown>>) if (agent.id === 'limited-agent') agent.tier = 'limited';
const brokers = await buildRedisBrokers({ redisUrl: redis.url, policy });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

t.test('replays do not spend the agent\'s budget', async (t) => {
  const captured = await a.assertion('limited-agent');
  t.equal((await a.clientCredentials(captured)).statusCode, 200, 'the first use');
  for (let i = 0; i < 5; i++) t.equal((await (i % 2 ? a : b).clientCredentials(captured)).statusCode, 401, `replay ${i + 1} refused`);
  t.equal((await a.clientCredentials(await a.assertion('limited-agent'))).statusCode, 200, 'the agent still has its budget: 2 of 3');
  t.equal((await b.clientCredentials(await b.assertion('limited-agent'))).statusCode, 200, '3 of 3');
  const over = await a.clientCredentials(await a.assertion('limited-agent'));
  t.equal(over.statusCode, 429, 'the 4th is limited');
  t.ok(Number(over.headers['retry-after']) >= 1, 'with Retry-After');
});

t.test('the shared counters have readable names', async (t) => {
  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const keys = await client.keys('*rl*');
  t.ok(keys.length >= 2, `counters exist: ${keys.join(', ')}`);
  for (const key of keys) {
    t.notMatch(key, /undefined|null|NaN/, key);
    t.match(key, /^sts:\{g\}:rl:(addr|agent):[0-9a-f]{64}$/, 'prefix, hash tag, kind, hashed subject');
  }
});

/**
 * Regression (probe of the running broker with Redis): wrong operator keys fired at the same
 * time all got 401, because each was checked against the backoff before any of them had been
 * counted; only wrong keys sent one by one were held to five. Now counting a failure and
 * learning whether the refusals had begun are one atomic step: a burst, even spread over
 * instances, gets as many answers, and as long a refusal, as the same keys sent one by one,
 * and a right key checked while the refusals began is refused like the wrong ones.
 */
import t from 'tap';
import { OPERATOR_AUTH_BACKOFF } from '../../src/admin/index.js';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, OPERATOR_KEY, type RedisBrokerInstance } from '../helpers/redis-broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, env: { STS_RATE_LIMIT_ADMIN: '100000/10s' } });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

const agents = (instance: RedisBrokerInstance, key: string, remoteAddress: string) =>
  instance.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${key}` }, remoteAddress });

t.test('a burst of wrong keys over two instances: exactly the allowance answered, the rest refused', async (t) => {
  const address = '203.0.113.80';
  const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => agents(i % 2 ? a : b, `wrong-key-${i}`, address)));
  const statuses = burst.map((res) => res.statusCode);
  t.equal(statuses.filter((s) => s === 401).length, OPERATOR_AUTH_BACKOFF.refuseFrom, `${OPERATOR_AUTH_BACKOFF.refuseFrom} answered 401`);
  t.equal(statuses.filter((s) => s === 429).length, 60 - OPERATOR_AUTH_BACKOFF.refuseFrom, 'every other attempt 429');
  const retryAfters = new Set(burst.filter((r) => r.statusCode === 429).map((r) => r.headers['retry-after']));
  t.same([...retryAfters], ['1'], 'the refusal five failures earn, no longer: the refused guesses were not counted');
  t.equal((await agents(a, OPERATOR_KEY, address)).statusCode, 429, 'then even the right key is refused');
  t.equal((await agents(b, OPERATOR_KEY, '198.51.100.80')).statusCode, 200, 'another address is not');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  t.equal((await agents(a, OPERATOR_KEY, address)).statusCode, 200, 'a second later the right key works, as after five guesses sent one by one');
});

t.test('a right key checked while the refusals begin is answered like the wrong keys around it', async (t) => {
  const address = '203.0.113.81';
  // Sent after the wrong keys on the same instance: its check runs after theirs are counted.
  const wrong = Array.from({ length: OPERATOR_AUTH_BACKOFF.refuseFrom + 3 }, (_, i) => agents(a, `wrong-${i}`, address));
  const right = agents(a, OPERATOR_KEY, address);
  const statuses = (await Promise.all(wrong)).map((res) => res.statusCode);
  t.equal(statuses.filter((s) => s === 401).length, OPERATOR_AUTH_BACKOFF.refuseFrom);
  t.equal((await right).statusCode, 429, 'the right key among them learns nothing');
});

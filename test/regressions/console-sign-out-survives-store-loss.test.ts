/**
 * Regression (probe of the console): signed-out session ids live only in Redis, so after
 * Redis lost its data (FLUSHALL, a restart without persistence) a signed-out cookie worked
 * again. Now a session belongs to the store epoch it was issued in, and a session from
 * another epoch is refused, as tokens issued before the epoch are: the operator signs in again.
 */
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, OPERATOR_KEY, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { client } from '../console/helpers.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, count: 1 });
t.teardown(() => brokers.close());
const [broker] = brokers.instances as [RedisBrokerInstance];

t.test('a signed-out cookie stays dead after Redis lost its data; a new sign-in works', async (t) => {
  const c = client(broker.app);
  t.equal((await c.signIn(OPERATOR_KEY)).statusCode, 303);
  const page = await c.get('/console/inventory');
  t.equal(page.statusCode, 200);
  const signedOut = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  t.equal((await c.post('/console/sign-out', { _csrf: c.csrfOf(page.body) })).statusCode, 303);
  const replay = () => broker.app.inject({ url: '/console/inventory', headers: { cookie: signedOut } });
  t.equal((await replay()).statusCode, 303, 'signed out');

  const epochBefore = await broker.store.epoch();
  await broker.store.redis.flushall();
  t.not(await broker.store.epoch(), epochBefore, 'the store starts a new epoch');
  const after = await replay();
  t.equal(after.statusCode, 303, 'the signed-out cookie is still refused');
  t.equal(after.headers.location, '/console/sign-in');

  const again = client(broker.app);
  t.equal((await again.signIn(OPERATOR_KEY)).statusCode, 303);
  t.equal((await again.get('/console/inventory')).statusCode, 200, 'a session of the new epoch is accepted');
});

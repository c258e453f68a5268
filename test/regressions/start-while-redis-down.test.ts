/**
 * Regression (left over from the earlier review): a broker started while Redis was down exited
 * after about 5 s. It now starts unready (readiness 503, tokens 503 with Retry-After, JWKS
 * served with the keys it has: none yet) and becomes ready by itself once Redis answers.
 */
import pino from 'pino';
import t from 'tap';
import { createBroker } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { basePolicy, brokerClients, preparePolicy, STS } from '../helpers/broker.js';
import { TEST_KEK, pollUntil } from '../helpers/redis-broker.js';
import { startRedis } from '../helpers/redis.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
await redis.kill();

const prepared = await preparePolicy(basePolicy(), { nowMs: Date.now() });
const started = performance.now();
const broker = await createBroker(loadConfig({ STS_ISSUER: STS, REDIS_URL: redis.url, STS_KEY_ENCRYPTION_KEY: TEST_KEK }), {
  logger: pino({ level: 'silent' }),
  policy: prepared.compiled,
  auditSink: { write: () => {}, close: () => {} },
  defaultMetrics: false,
});
t.teardown(() => broker.close());
const clients = brokerClients(broker.app, Date.now, prepared);

t.test('the broker starts with Redis down, unready', async (t) => {
  t.ok(performance.now() - started < 10_000, 'createBroker returned');
  const ready = await broker.app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().checks.store, false);
  t.equal(ready.json().checks.signing_key, false);
  const jwks = await broker.app.inject('/.well-known/jwks.json');
  t.equal(jwks.statusCode, 200, 'JWKS is served');
  t.same(jwks.json().keys, [], 'with the keys it has: none before the ring could be loaded');
  t.equal(jwks.headers['cache-control'], 'no-store', 'an empty set is not cached (it would fail the tokens signed once ready)');
  const token = await clients.exchange(await clients.attest());
  t.equal(token.statusCode, 503, token.body);
  t.ok(Number(token.headers['retry-after']) >= 1, 'with Retry-After');
});

t.test('it becomes ready by itself when Redis comes', async (t) => {
  await redis.restart();
  const ready = await pollUntil(async () => (await broker.app.inject('/readyz')).statusCode === 200, 15_000, 100);
  t.not(ready, null, 'ready once Redis answers');
  const token = await clients.exchange(await clients.attest());
  t.equal(token.statusCode, 200, token.body);
  const jwks = await broker.app.inject('/.well-known/jwks.json');
  t.equal(jwks.json().keys.length >= 1, true, 'and publishes its keys');
  t.match(jwks.headers['cache-control'], /^public, max-age=\d+$/, 'cacheable again');
});

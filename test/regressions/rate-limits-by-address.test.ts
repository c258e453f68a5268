/**
 * Regression (probe of the running broker): introspection, revocation and the admin API
 * answered any number of requests from one address. Each is now limited per client address
 * (STS_RATE_LIMIT_INTROSPECT, STS_RATE_LIMIT_REVOKE, STS_RATE_LIMIT_ADMIN) before any
 * credential is checked: 429 with Retry-After; the counts are shared by every instance through
 * Redis under readable keys (the token endpoint's were named `…undefinedundefined…`), and a
 * Redis that does not answer refuses the request (503), never lets it through.
 */
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { buildHarness, KEYS, type Harness } from '../admin/helpers.js';
import { buildTestBroker } from '../helpers/broker.js';
import { startRedis } from '../helpers/redis.js';

const LIMITS = { STS_RATE_LIMIT_INTROSPECT: '4/1m', STS_RATE_LIMIT_REVOKE: '4/1m', STS_RATE_LIMIT_ADMIN: '4/1m' };
const CLIENT = '192.0.2.10';

const ENDPOINTS: Array<{ name: string; call(h: Harness, remoteAddress: string): Promise<LightMyRequestResponse> }> = [
  // Without a bearer token: the limit comes before the caller is authenticated.
  { name: 'introspect', call: (h, remoteAddress) => h.app.inject({ method: 'POST', url: '/oauth/introspect', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' }) },
  { name: 'revoke', call: (h, remoteAddress) => h.app.inject({ method: 'POST', url: '/oauth/revoke', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' }) },
  { name: 'admin', call: (h, remoteAddress) => h.app.inject({ url: '/admin/agents', remoteAddress, headers: { authorization: `Bearer ${KEYS.auditor}` } }) },
];

function limited(t: Test, res: LightMyRequestResponse, what: string): void {
  t.equal(res.statusCode, 429, `${what}: 429 (${res.body})`);
  const retryAfter = Number(res.headers['retry-after']);
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${String(res.headers['retry-after'])}`);
  t.equal(res.json().error, 'temporarily_unavailable');
  t.equal(res.headers['cache-control'], 'no-store');
}

t.test('shared by two instances through Redis, under readable keys; fail closed without Redis', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const stores = await Promise.all([0, 1].map(() => createRedisStore({ url: redis.url, clock: systemClock, commandTimeoutMs: 300 })));
  t.teardown(() => Promise.all(stores.map((s) => s.close().catch(() => {}))));
  const env = { ...LIMITS, STS_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const [a, b] = await Promise.all(stores.map((store) => buildHarness({ env, store }))) as [Harness, Harness];
  t.teardown(() => Promise.all([a.close(), b.close()]));

  for (const endpoint of ENDPOINTS) {
    const statuses: number[] = [];
    for (const h of [a, b, a, b]) statuses.push((await endpoint.call(h, CLIENT)).statusCode);
    t.notOk(statuses.includes(429), `${endpoint.name}: four pass, alternating instances (${statuses.join(', ')})`);
    limited(t, await endpoint.call(a, CLIENT), `${endpoint.name}: the 5th on A`);
    limited(t, await endpoint.call(b, CLIENT), `${endpoint.name}: and on B`);
    t.not((await endpoint.call(b, '192.0.2.11')).statusCode, 429, `${endpoint.name}: another address is unaffected`);
  }

  const keys = (await stores[0]!.redis.keys('sts:rl:*')).sort();
  t.same(keys, [
    'sts:rl:admin:addr:192.0.2.10', 'sts:rl:admin:addr:192.0.2.11',
    'sts:rl:introspect:addr:192.0.2.10', 'sts:rl:introspect:addr:192.0.2.11',
    'sts:rl:revoke:addr:192.0.2.10', 'sts:rl:revoke:addr:192.0.2.11',
  ], 'one readable key per endpoint and address');
  t.equal(await stores[0]!.redis.get('sts:rl:revoke:addr:192.0.2.10'), '6');
  t.ok((await stores[0]!.redis.pttl('sts:rl:admin:addr:192.0.2.10')) > 0, 'each count expires with its window');

  if (!redis.canRestart) return;
  await redis.kill();
  for (const endpoint of ENDPOINTS) {
    const res = await endpoint.call(a, '192.0.2.12');
    t.equal(res.statusCode, 503, `${endpoint.name}: Redis down, refused (${res.body})`);
    t.ok(Number(res.headers['retry-after']) >= 1, `${endpoint.name}: with Retry-After`);
  }
});

t.test('one instance without Redis: the production wiring limits each endpoint in-process', async (t) => {
  const broker = await buildTestBroker({ env: { STS_RATE_LIMIT_REVOKE: '2/1m' } });
  t.teardown(broker.close);
  const revoke = (remoteAddress: string) =>
    broker.app.inject({ method: 'POST', url: '/oauth/revoke', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
  t.equal((await revoke(CLIENT)).statusCode, 200);
  t.equal((await revoke(CLIENT)).statusCode, 200);
  limited(t, await revoke(CLIENT), 'the 3rd revocation');
  t.equal((await revoke('192.0.2.11')).statusCode, 200, 'another address is unaffected');
});

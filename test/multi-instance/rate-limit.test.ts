/**
 * Issue 3, rate limits shared by all instances through Redis: per client address before
 * authentication (X-Forwarded-For only from a trusted proxy), per agent after it (from the
 * tier), never keyed on an unverified claim. A limited request: 429, Retry-After, RFC 6749
 * style JSON body.
 */
import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, k8sSubject, multiInstancePolicy, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { keyPair, TICKETS } from '../helpers/broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

const policy = multiInstancePolicy(['limited-a', 'limited-b', 'free-agent'], {
  limited: { description: 'Rate limited', scopes: ['*:read'], max_ttl: '15m', review_every: '180d', rate_limit: { requests: 3, per: '1m' } },
});
for (const agent of policy.agents as Array<Record<string, unknown>>) {
  if (agent.id === 'limited-a' || agent.id === 'limited-b') agent.tier = 'limited';
}
const env = { STS_RATE_LIMIT_ADDRESS: '5/10s' };
const direct = await buildRedisBrokers({ redisUrl: redis.url, policy, env });
t.teardown(() => direct.close());
const proxied = await buildRedisBrokers({ redisUrl: redis.url, policy, env: { ...env, STS_TRUST_PROXY: '10.0.0.1' } });
t.teardown(() => proxied.close());
const [a, b] = direct.instances as [RedisBrokerInstance, RedisBrokerInstance];
const [pa, pb] = proxied.instances as [RedisBrokerInstance, RedisBrokerInstance];

const exchangeFrom = async (broker: RedisBrokerInstance, remoteAddress: string, opts: { headers?: Record<string, string>; subjectToken?: string } = {}) =>
  broker.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: opts.subjectToken ?? await broker.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    audience: TICKETS,
  }, opts.headers ?? {}, { remoteAddress });

function checkLimited(t: Test, res: LightMyRequestResponse, maxRetryS: number, what: string) {
  t.equal(res.statusCode, 429, `${what}: 429`);
  const retry = Number(res.headers['retry-after']);
  t.ok(Number.isInteger(retry) && retry >= 1 && retry <= maxRetryS, `${what}: Retry-After ${String(res.headers['retry-after'])}`);
  const body = res.json() as Record<string, unknown>;
  t.type(body.error, 'string', `${what}: an RFC 6749 error code`);
  t.type(body.error_description, 'string');
  t.match(String(res.headers['content-type']), /application\/json/);
}

t.test('per address, shared by instances: the 6th request from one address gets 429', async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await exchangeFrom(i % 2 ? b : a, '192.0.2.10')).statusCode);
  t.same(statuses, [200, 200, 200, 200, 200], 'five pass, alternating A and B');
  checkLimited(t, await exchangeFrom(a, '192.0.2.10'), 10, 'the 6th on A');
  checkLimited(t, await exchangeFrom(b, '192.0.2.10'), 10, 'and on B');
  t.equal((await exchangeFrom(b, '192.0.2.11')).statusCode, 200, 'another address is unaffected');
});

t.test('without STS_TRUST_PROXY, X-Forwarded-For does not pick the bucket', async (t) => {
  for (let i = 0; i < 5; i++) {
    t.equal((await exchangeFrom(i % 2 ? b : a, '192.0.2.20', { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).statusCode, 200);
  }
  checkLimited(t, await exchangeFrom(a, '192.0.2.20', { headers: { 'x-forwarded-for': '203.0.113.99' } }), 10, 'a fresh X-Forwarded-For does not escape');
  t.equal((await exchangeFrom(b, '192.0.2.21', { headers: { 'x-forwarded-for': '192.0.2.20' } })).statusCode, 200,
    'nor does naming an exhausted address charge it');
});

t.test('from a trusted proxy, X-Forwarded-For names the client', async (t) => {
  const via = (broker: RedisBrokerInstance, client: string, from = '10.0.0.1') =>
    exchangeFrom(broker, from, { headers: { 'x-forwarded-for': client } });
  for (let i = 0; i < 5; i++) t.equal((await via(i % 2 ? pb : pa, '198.51.100.1')).statusCode, 200);
  checkLimited(t, await via(pb, '198.51.100.1'), 10, 'the client behind the proxy');
  t.equal((await via(pa, '198.51.100.2')).statusCode, 200, 'another client behind the same proxy has its own bucket');
  for (let i = 0; i < 5; i++) t.equal((await via(pa, `198.51.100.${10 + i}`, '10.0.0.2')).statusCode, 200);
  checkLimited(t, await via(pb, '198.51.100.20', '10.0.0.2'), 10, 'an untrusted sender is counted by its own address');
});

t.test('per agent from the tier, shared by instances; other agents unaffected', async (t) => {
  // Each request from its own address: only the agent's limit is in play.
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await exchangeFrom(i % 2 ? b : a, `192.0.2.${30 + i}`, { subjectToken: await a.attest(k8sSubject('limited-a')) })).statusCode);
  }
  t.same(statuses, [200, 200, 200]);
  const fourth = await exchangeFrom(b, '192.0.2.40', { subjectToken: await b.attest(k8sSubject('limited-a')) });
  checkLimited(t, fourth, 60, 'the 4th token for limited-a');
  t.match((fourth.json() as { error_description: string }).error_description, /limited-a/);
  t.equal((await exchangeFrom(a, '192.0.2.41', { subjectToken: await a.attest(k8sSubject('free-agent')) })).statusCode, 200, 'free-agent (no limit) unaffected');
  t.equal((await exchangeFrom(a, '192.0.2.42', { subjectToken: await a.attest(k8sSubject('limited-b')) })).statusCode, 200, 'limited-b has its own bucket');
});

t.test('a request whose attestation fails does not consume the agent\'s bucket', async (t) => {
  const forger = await keyPair('ES256', 'k8s-1');
  for (let i = 0; i < 6; i++) {
    const forged = await a.attest(k8sSubject('limited-b'), undefined, { key: forger.privateKey });
    const res = await exchangeFrom(i % 2 ? b : a, `192.0.2.${50 + i}`, { subjectToken: forged });
    t.equal(res.statusCode, 400, `forged attestation ${i + 1} naming limited-b refused (not 429)`);
  }
  // limited-b used 1 of 3 in the previous test: exactly 2 more pass, the forgeries cost nothing.
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    statuses.push((await exchangeFrom(i % 2 ? a : b, `192.0.2.${60 + i}`, { subjectToken: await b.attest(k8sSubject('limited-b')) })).statusCode);
  }
  t.same(statuses, [200, 200, 429], 'the bucket holds only the verified requests');
});

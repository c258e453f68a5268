/**
 * Issue 3: the broker on a real three-node Redis Cluster (redis-cluster:// URL): key ring,
 * end-to-end exchange, single-use assertions, suspensions and revocations, rate limits,
 * across two instances.
 */
import t from 'tap';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startRedisCluster } from '../helpers/redis.js';
import { buildRedisBrokers, k8sSubject, multiInstancePolicy, pollUntil, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { STS, TICKETS } from '../helpers/broker.js';

const cluster = await startRedisCluster();
t.teardown(() => cluster.stop());
const brokers = await buildRedisBrokers({ redisUrl: cluster.url, policy: multiInstancePolicy(['suspend-me']) });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

t.test('key ring initialised once, shared by both instances', async (t) => {
  t.equal(a.store.kind, 'redis');
  t.ok(a.keyRing.ready() && b.keyRing.ready(), 'both can sign');
  t.equal(a.keyRing.currentSigner().kid, b.keyRing.currentSigner().kid, 'with the same key');
  t.ok(await a.store.getKeyRing(), 'the ring is stored in the cluster');
  const jwks = (await b.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  t.same(jwks, (await a.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json());
});

t.test('end-to-end exchange: minted on A, verified with B\'s JWKS, active on B', async (t) => {
  const res = await a.exchange(await a.attest());
  t.equal(res.statusCode, 200, res.body);
  const token = (res.json() as { access_token: string }).access_token;
  const jwks = (await b.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: STS, audience: TICKETS, typ: 'at+jwt' });
  t.equal(payload.client_id, 'ticket-summarizer');
  const introspection = await b.introspect(token, await b.callerToken());
  t.equal((introspection.json() as { active: boolean }).active, true);
});

t.test('a single-use assertion is refused on replay, on either instance', async (t) => {
  const assertion = await a.assertion();
  t.equal((await a.clientCredentials(assertion)).statusCode, 200, 'first use');
  const onB = await b.clientCredentials(assertion);
  t.equal(onB.statusCode, 401, 'replayed on B');
  t.equal((onB.json() as { error: string }).error, 'invalid_client');
  t.equal((await a.clientCredentials(assertion)).statusCode, 401, 'replayed on A');
  // Concurrent replays: exactly one wins.
  const racing = await a.assertion();
  const results = await Promise.all([a, b, a, b].map((x) => x.clientCredentials(racing)));
  t.equal(results.filter((r) => r.statusCode === 200).length, 1, 'exactly one of four concurrent uses succeeds');
});

t.test('a suspension through A is honoured by B; a revoked token is inactive on B', async (t) => {
  const attestation = await b.attest(k8sSubject('suspend-me'));
  t.equal((await b.exchange(attestation)).statusCode, 200);
  t.equal((await a.admin('/agents/suspend-me/suspend', { reason: 'cluster test' })).statusCode, 200);
  t.not(await pollUntil(async () => (await b.exchange(attestation)).statusCode === 400, 1000), null, 'B refuses within 1 s');

  const token = await a.mint();
  const caller = await b.callerToken();
  t.equal((await a.admin('/tokens/revoke', { token })).statusCode, 200);
  t.not(await pollUntil(async () => !((await b.introspect(token, caller)).json() as { active: boolean }).active, 1000), null, 'inactive on B within 1 s');
});

t.test('the address rate limit is shared through the cluster', async (t) => {
  const limited = await buildRedisBrokers({ redisUrl: cluster.url, env: { STS_RATE_LIMIT_ADDRESS: '5/10s' } });
  t.teardown(() => limited.close());
  const [a, b] = limited.instances as [RedisBrokerInstance, RedisBrokerInstance];
  const send = (x: RedisBrokerInstance) => x.token({ grant_type: 'client_credentials' }, {}, { remoteAddress: '192.0.2.77' });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await send(i % 2 ? b : a)).statusCode);
  t.same(statuses, [401, 401, 401, 401, 401, 429], 'five reach client authentication, the 6th is limited');
});

/**
 * Lost state: Redis restarted without its data loses revocations and replay records. The
 * broker notices the new epoch and refuses every token issued before it and every single-use
 * attestation (whose claim may have been lost); reusable attestations keep working, and both
 * instances keep agreeing on the keys.
 */
import t from 'tap';
import { decodeProtectedHeader } from 'jose';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, pollUntil, sleep, type RedisBrokerInstance } from '../helpers/redis-broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, tickMs: 200 });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

/** Attestations and tokens carry whole seconds: wait until the current second is over. */
const nextSecond = () => sleep(1000 - (Date.now() % 1000) + 20);
const active = async (broker: RedisBrokerInstance, token: string, caller: string) => {
  const res = await broker.introspect(token, caller);
  if (res.statusCode !== 200) throw new Error(`introspection on ${broker.name}: ${res.statusCode} ${res.body}`);
  return (res.json() as { active: boolean }).active;
};

t.test('Redis restarted empty: older tokens and single-use attestations are refused, the rest works', async (t) => {
  const tokenBefore = await a.mint();
  const callerBefore = await b.callerToken();
  t.equal(await active(b, tokenBefore, callerBefore), true, 'active before the restart');
  const attestationBefore = await a.attest();
  const assertionBefore = await a.assertion();
  const epochBefore = await a.store.epoch();
  await nextSecond();

  await redis.restart({ keepData: false });
  // Both stores reconnect on their own; the first read after it sets (or sees) the new epoch.
  const back = await pollUntil(async () => {
    const epochs = await Promise.all([a, b].map((x) => x.store.epoch().catch(() => null)));
    return epochs.every((e) => e !== null);
  }, 10_000, 50);
  t.not(back, null, 'A and B reach Redis again');
  const epochAfter = await a.store.epoch();
  t.ok(epochAfter > epochBefore, 'a new epoch');
  t.equal(await b.store.epoch(), epochAfter, 'B sees the same epoch');

  const reused = await a.exchange(attestationBefore);
  t.equal(reused.statusCode, 200, `a reusable attestation issued before the new epoch still works: ${reused.body}`);
  const refusedAssertion = await b.clientCredentials(assertionBefore);
  t.equal(refusedAssertion.statusCode, 401, 'a single-use agent assertion from before is refused (its claim may be lost)');
  t.equal((refusedAssertion.json() as { error: string }).error, 'invalid_client');

  const fresh = await pollUntil(async () => (await b.exchange(await b.attest())).statusCode === 200, 5000, 100);
  t.not(fresh, null, 'a fresh attestation works');
  t.equal((await a.exchange(await a.attest())).statusCode, 200, 'on A too');

  const callerAfter = await b.callerToken();
  t.equal(await active(b, tokenBefore, callerAfter), false, 'a token minted before the restart is inactive on B');
  t.equal(await active(a, tokenBefore, callerAfter), false, 'and on A');
  const callerRefused = await b.introspect(tokenBefore, callerBefore);
  t.equal(callerRefused.statusCode, 401, 'an introspection caller token from before is refused too');

  // The key ring vanished with the data: the instances must still agree on the signing keys.
  const synced = await pollUntil(async () => {
    const [ja, jb] = await Promise.all([a, b].map(async (x) => (await x.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).body));
    return ja === jb;
  }, 3000, 50);
  t.not(synced, null, 'both instances serve the same JWKS after the restart');
  const fromA = await a.mint();
  const fromB = await b.mint();
  t.equal(await active(b, fromA, callerAfter), true, `a token minted on A (kid ${decodeProtectedHeader(fromA).kid}) verifies on B`);
  t.equal(await active(a, fromB, callerAfter), true, 'a token minted on B verifies on A');
  t.ok(a.keyRing.ready() && b.keyRing.ready(), 'both rings can sign');
});

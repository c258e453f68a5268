/**
 * Issue 3: the signing key ring lives in Redis (encrypted); one instance rotates under a
 * lease and every instance serves the same JWKS within seconds. Two instances rotate every
 * 1.5 s while tokens are minted on both; every token verifies against either JWKS.
 */
import t from 'tap';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startRedis } from '../helpers/redis.js';
import { ADMIN_KEY, buildRedisBrokers, pollUntil, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { STS, TICKETS } from '../helpers/broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, rotationMs: 1500, publishAheadMs: 500, tickMs: 100 });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

const jwksOf = async (broker: RedisBrokerInstance): Promise<JSONWebKeySet> => {
  const res = await broker.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  if (res.statusCode !== 200) throw new Error(`${broker.name} jwks: ${res.statusCode}`);
  return res.json() as JSONWebKeySet;
};
const kidSet = (jwks: JSONWebKeySet) => jwks.keys.map((k) => k.kid).sort().join(',');

t.test('tokens minted on both instances through several rotations verify on either JWKS', async (t) => {
  const minted: Array<{ token: string; by: string; kid: string }> = [];
  const signingKids = () => `${a.keyRing.currentSigner().kid},${b.keyRing.currentSigner().kid}`;
  // Mint on both instances at each change of either one's signing key (right after a
  // rotation is when one instance may sign with a key the other has not loaded yet).
  for (let change = 0; change < 8; change++) {
    const before = signingKids();
    for (const broker of [a, b, a, b]) {
      const token = await broker.mint();
      minted.push({ token, by: broker.name, kid: decodeProtectedHeader(token).kid as string });
    }
    if ((await pollUntil(async () => signingKids() !== before, 5000)) === null) break;
  }
  const kids = new Set(minted.map((m) => m.kid));
  t.ok(kids.size >= 3, `tokens signed by ${kids.size} distinct keys (${minted.length} tokens)`);
  t.ok(new Set(minted.filter((m) => m.by === 'A').map((m) => m.kid)).size >= 2, 'A signed with several keys');
  t.ok(new Set(minted.filter((m) => m.by === 'B').map((m) => m.kid)).size >= 2, 'B signed with several keys');

  for (const source of [a, b]) {
    const keySet = createLocalJWKSet(await jwksOf(source));
    const failures: string[] = [];
    for (const m of minted) {
      try {
        await jwtVerify(m.token, keySet, { issuer: STS, audience: TICKETS, typ: 'at+jwt', algorithms: ['ES256'] });
      } catch (error) {
        failures.push(`${m.by}/${m.kid}: ${(error as Error).message}`);
      }
    }
    t.same(failures, [], `zero failures against ${source.name}'s JWKS (${minted.length} tokens)`);
  }
});

t.test('both instances serve the same kid set within 2 s of a rotation', async (t) => {
  for (let rotation = 0; rotation < 2; rotation++) {
    const before = kidSet(await jwksOf(a));
    // Wait for A's set to change (a rotation or a new published key), then for B to match it.
    const changed = await pollUntil(async () => kidSet(await jwksOf(a)) !== before, 3000, 20);
    t.not(changed, null, 'A published a change');
    const converged = await pollUntil(async () => kidSet(await jwksOf(a)) === kidSet(await jwksOf(b)), 2000, 20);
    t.not(converged, null, `B serves A's kid set${converged === null ? '' : ` after ${converged.toFixed(0)} ms`}`);
  }
});

t.test('an emergency rotation (compromised key) on A: B drops the key and refuses its tokens within 1 s', async (t) => {
  // A separate group (own key prefix, no scheduled rotation) so no timed rotation races this one.
  const group = await buildRedisBrokers({ redisUrl: redis.url, store: { keyPrefix: 'sts-emergency:' }, tickMs: 200 });
  t.teardown(() => group.close());
  const [a, b] = group.instances as [RedisBrokerInstance, RedisBrokerInstance];
  t.not(a.keyRing.currentSigner().kid, brokers.instances[0]?.keyRing.currentSigner().kid, 'an independent ring');
  const token = await a.mint();
  const kid = decodeProtectedHeader(token).kid as string;
  const caller = await b.callerToken();
  const active = async () => ((await b.introspect(token, caller)).json() as { active: boolean }).active;
  t.equal(await active(), true, 'active on B before');
  const res = await a.admin('/keys/rotate', { compromised: true, reason: 'key leaked' }, ADMIN_KEY);
  t.equal(res.statusCode, 200, res.body);
  t.equal((res.json() as { compromised_kid: string | null }).compromised_kid, kid, 'the signing key is the compromised one');
  const refused = await pollUntil(async () => !(await active()), 1000);
  t.not(refused, null, `B says inactive${refused === null ? '' : ` after ${refused.toFixed(0)} ms`}`);
  const dropped = await pollUntil(async () => !kidSet(await jwksOf(b)).split(',').includes(kid), 1000);
  t.not(dropped, null, 'B no longer publishes the compromised key');
  t.not(decodeProtectedHeader(await b.mint()).kid, kid, 'B signs with another key');
});

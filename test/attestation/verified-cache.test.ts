import t from 'tap';
import {
  createIssuerKeyResolver, VerifiedTokenCache, verifyIssuerToken, verifySubjectToken, type AttestationResult,
} from '../../src/attestation/index.js';
import type { KeyAttestation } from '../../src/policy/types.js';
import {
  agent, compile, context, countingResolver, issuerEntry, jwksOf, k8sClaims, makeKey, NOW_MS, NOW_S, sign, STS_ISSUER, trustedIssuer,
} from './helpers.js';

const key = await makeKey('k1');
const SUB = 'system:serviceaccount:agents:summarizer';
const issuer = trustedIssuer({ jwks: jwksOf(key) });
const bot = agent('summarizer', [issuerEntry(SUB, { '/kubernetes.io/namespace': 'agents' })]);
const policy = compile([issuer], [bot], 'v1');
const reason = (r: AttestationResult) => (r.ok ? 'ok' : r.reason);

function setup(p = policy, cache = new VerifiedTokenCache()) {
  const keys = countingResolver(createIssuerKeyResolver());
  const ctx = context(p, { keys, cache });
  return { keys, cache, ctx };
}

t.test('a cache hit skips the signature verification', async (t) => {
  const { keys, cache, ctx } = setup();
  const token = await sign(key, k8sClaims());
  const first = await verifyIssuerToken(token, ctx);
  t.equal(keys.calls, 1);
  t.equal(cache.size, 1);
  const second = await verifyIssuerToken(token, ctx);
  t.equal(keys.calls, 1, 'no key lookup on the hit');
  t.same(second, first, 'the same result');
  const other = await sign(key, k8sClaims({ jti: 'another' }));
  await verifyIssuerToken(other, ctx);
  t.equal(keys.calls, 2, 'another token is verified');
});

t.test('time checks are re-evaluated on every hit', async (t) => {
  const { keys, ctx } = setup();
  // Issued 3500 s ago and living 3660 s (max_age 1h + tolerance): it turns too old while
  // still cached (entries live at most 5 minutes).
  const token = await sign(key, k8sClaims({ iat: NOW_S - 3500, exp: NOW_S + 160 }));
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  ctx.clock.advance(200_000);
  const r = await verifyIssuerToken(token, ctx);
  t.equal(reason(r), 'too_old');
  t.equal(keys.calls, 1, 'decided from the cache entry, by the clock');
  if (!r.ok) t.match(r, { agentId: 'summarizer', agentVerified: true });
});

t.test('an expired cached token still fails', async (t) => {
  const { ctx } = setup();
  const token = await sign(key, k8sClaims({ iat: NOW_S - 10, exp: NOW_S + 100 }));
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  ctx.clock.advance(130_000);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok', 'within the tolerance');
  ctx.clock.advance(31_000);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'expired');
});

t.test('a policy reload (another version) does not reuse old matches', async (t) => {
  const cache = new VerifiedTokenCache();
  const { keys, ctx } = setup(policy, cache);
  const token = await sign(key, k8sClaims());
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  // v2 binds the agent to another namespace: the cached v1 match must not answer.
  const moved = agent('summarizer', [issuerEntry(SUB, { '/kubernetes.io/namespace': 'elsewhere' })]);
  const v2 = compile([issuer], [moved], 'v2');
  const ctx2 = context(v2, { keys, cache });
  t.equal(reason(await verifyIssuerToken(token, ctx2)), 'no_agent');
  t.equal(keys.calls, 2, 'verified again under v2');
  const v3 = compile([issuer], [bot], 'v3');
  const ctx3 = context(v3, { keys, cache });
  const r = await verifyIssuerToken(token, ctx3);
  t.equal(reason(r), 'ok');
  if (r.ok) t.equal(r.agent, v3.agentsById.get('summarizer'), "the agent object of the policy in force");
  t.equal(keys.calls, 3);
});

t.test('failures, single-use tokens and assertions are never cached', async (t) => {
  const { keys, cache, ctx } = setup();
  await verifyIssuerToken(await sign(key, k8sClaims({ sub: 'nobody' })), ctx);
  await verifyIssuerToken(await sign(key, k8sClaims({ aud: 'wrong' })), ctx);
  t.equal(cache.size, 0, 'failures');

  const single = compile([{ ...issuer, singleUse: true }], [bot], 'single');
  const sctx = context(single, { keys, cache });
  const token = await sign(key, k8sClaims());
  const before = keys.calls;
  t.equal(reason(await verifyIssuerToken(token, sctx)), 'ok');
  t.equal(reason(await verifyIssuerToken(token, sctx)), 'ok', 'the replay claim is the caller\'s job');
  t.equal(keys.calls, before + 2);
  t.equal(cache.size, 0, 'single-use');

  const agentKey = await makeKey('a1');
  const withKeys = compile([issuer], [agent('bot', [{ kind: 'keys', jwks: jwksOf(agentKey) } satisfies KeyAttestation])], 'k');
  const assertion = await sign(agentKey, { iss: 'bot', sub: 'bot', aud: STS_ISSUER, iat: NOW_S, exp: NOW_S + 60, jti: 'x' });
  t.equal(reason(await verifySubjectToken(assertion, context(withKeys, { keys, cache }))), 'ok');
  t.equal(cache.size, 0, 'assertions');
});

t.test('the cache is a bounded LRU', async (t) => {
  const cache = new VerifiedTokenCache({ maxEntries: 2 });
  const entry = (id: string) => ({ policyVersion: 'v', agentId: id, issuer: 'i', subject: 's', times: { iat: 1, exp: 2 }, expiresAtMs: NOW_MS + 1000 });
  cache.set('a', entry('a'));
  cache.set('b', entry('b'));
  t.ok(cache.get('a', NOW_MS), 'touch a');
  cache.set('c', entry('c'));
  t.equal(cache.size, 2);
  t.equal(cache.get('b', NOW_MS), undefined, 'least recently used evicted');
  t.ok(cache.get('a', NOW_MS));
  t.equal(cache.get('c', NOW_MS + 1000), undefined, 'expired entries are dropped');
  t.equal(cache.size, 1);
});

t.test('a full cache evicts its least recently used entries and never grows past its bound', async (t) => {
  const cache = new VerifiedTokenCache({ maxEntries: 300 });
  const entry = { policyVersion: 'v', agentId: 'a', issuer: 'i', subject: 's', times: { iat: 1, exp: 2 }, expiresAtMs: NOW_MS + 1000 };
  for (let i = 0; i < 300; i++) cache.set(`t${i}`, entry);
  for (let i = 0; i < 3; i++) t.ok(cache.get(`t${i}`, NOW_MS), 'the three oldest are touched');
  for (let i = 0; i < 3; i++) cache.set(`new${i}`, entry);
  t.equal(cache.size, 300, 'three evicted, three added');
  for (let i = 0; i < 3; i++) t.ok(cache.get(`t${i}`, NOW_MS), 'recently used entries survive');
  for (let i = 3; i < 6; i++) t.equal(cache.get(`t${i}`, NOW_MS), undefined, `t${i}, the least recently used, was evicted`);
  t.ok(cache.get('t6', NOW_MS));
  for (let i = 0; i < 2000; i++) {
    cache.set(`u${i}`, entry);
    if (cache.size > 300) t.fail(`size ${cache.size} after ${i} inserts`);
  }
  t.ok(cache.get('u1999', NOW_MS), 'the newest entry is kept');
});

t.test('a cached verification lives at most 5 minutes (a withdrawn issuer key stops being honoured)', async (t) => {
  const { keys, ctx } = setup();
  const token = await sign(key, k8sClaims({ iat: NOW_S, exp: NOW_S + 3000 }));
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  ctx.clock.advance(299_000);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  t.equal(keys.calls, 1, 'still cached at 4:59');
  ctx.clock.advance(2_000);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok');
  t.equal(keys.calls, 2, 'verified against the keys again after 5 minutes');
});

/**
 * The resource server's DPoP settings: proofs single-use across instances of an API through a
 * shared store (agent-sts's Store, memory and real Redis), server nonces (RFC 9449 §9),
 * DPoP-only APIs, the challenges of both schemes (§7.1, §7.2), the bounded in-memory replay
 * cache, and options checked when the verifier is built.
 */
import t, { type Test } from 'tap';
import { manualClock, systemClock } from '../../src/clock.js';
import { createMemoryStore, createRedisStore } from '../../src/store/index.js';
import { createVerifier, DEFAULT_ALGORITHMS, memoryReplayCache, VerifyError, type RequestCredentials, type VerifierOptions } from '../../src/verifier/index.js';
import { parseChallenge } from '../../src/client/index.js';
import { TICKETS } from '../helpers/broker.js';
import { boundTokenSetup } from '../helpers/dpop.js';
import { startRedis } from '../helpers/redis.js';

const URL_ = `${TICKETS}/tickets`;
const ALGS = DEFAULT_ALGORITHMS.join(' ');

async function setup(t: Test) {
  const { broker, issued, token, proof: makeProof } = await boundTokenSetup(t, URL_);
  const proof = (nonce?: string) => makeProof(nonce ? { nonce } : {});
  const request = (dpop = proof()): RequestCredentials => ({ method: 'GET', url: URL_, authorization: `DPoP ${token}`, dpop });
  const verifier = (extra: Partial<VerifierOptions> = {}) => createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, ...extra });
  return { broker, issued, proof, request, verifier };
}

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as VerifyError);

t.test('a proof used at one instance of the API is refused at another sharing the store', async (t) => {
  const { broker, proof, request, verifier } = await setup(t);
  const store = createMemoryStore({ clock: broker.clock });
  const [a, b] = [verifier({ dpop: { replay: store } }), verifier({ dpop: { replay: store } })];
  const once = proof();
  t.ok(await a.verifyRequest(request(once)));
  t.match(await caught(b.verifyRequest(request(once))), { code: 'invalid_dpop_proof', reason: 'proof_replayed' }, 'memory Store');
  const alone = verifier();
  t.ok(await alone.verifyRequest(request(once)), 'an instance with its own memory does not know it: share the store');

  const redis = await startRedis();
  t.teardown(redis.stop);
  const shared = await createRedisStore({ url: redis.url, clock: systemClock });
  t.teardown(() => shared.close());
  const [c, d] = [verifier({ dpop: { replay: shared } }), verifier({ dpop: { replay: shared } })];
  const another = proof();
  t.ok(await c.verifyRequest(request(another)));
  t.match(await caught(d.verifyRequest(request(another))), { code: 'invalid_dpop_proof', reason: 'proof_replayed' }, 'Redis Store');
  await redis.kill();
  t.match(await caught(c.verifyRequest(request(proof()))), { code: 'temporarily_unavailable', reason: 'replay_cache_unavailable', status: 503 }, 'a store that cannot answer: 503, never a pass');
});

t.test('server nonces: use_dpop_nonce with the nonce, then accepted; every instance with the secret agrees', async (t) => {
  const { broker, proof, request, verifier } = await setup(t);
  const secret = Buffer.alloc(32, 1);
  const a = verifier({ dpop: { nonce: { secret } } });
  const b = verifier({ dpop: { nonce: { secret } } });
  const refused = await caught(a.verifyRequest(request())) as VerifyError;
  t.match(refused, { code: 'use_dpop_nonce', reason: 'nonce_required', status: 401, scheme: 'DPoP' });
  const headers = a.refusalHeaders(refused, { realm: 'tickets' });
  t.equal(headers['dpop-nonce'], refused.dpopNonce, 'the nonce travels in DPoP-Nonce');
  t.match(parseChallenge(headers['www-authenticate'], 'DPoP'), { error: 'use_dpop_nonce', algs: ALGS });
  t.same(parseChallenge(headers['www-authenticate'], 'Bearer'), { realm: 'tickets' }, 'the Bearer challenge carries no error of the DPoP request');
  t.match(await b.verifyRequest(request(proof(refused.dpopNonce))), { agent: 'ticket-summarizer' }, 'another instance accepts the nonce');
  t.match(await caught(a.verifyRequest(request(proof('made-up')))), { code: 'use_dpop_nonce' }, 'a nonce not ours');
  broker.clock.advance(125_000);
  t.match(await caught(a.verifyRequest(request(proof(refused.dpopNonce)))), { code: 'use_dpop_nonce' }, 'an expired nonce');
  t.type(a.dpopNonce(), 'string', 'a current nonce for any response');
  t.equal(verifier().dpopNonce(), undefined, 'none without nonces');
  t.ok(await verifier().verifyRequest(request()), 'without the option, no nonce is asked for');
});

t.test('an API that takes only DPoP-bound tokens', async (t) => {
  const { issued, request, verifier } = await setup(t);
  const strict = verifier({ dpop: { required: true } });
  t.same(strict.dpop, { required: true, algorithms: DEFAULT_ALGORITHMS, nonces: false });
  const bearer = await caught(strict.verifyRequest({ method: 'GET', url: URL_, authorization: `Bearer ${issued}`, dpop: undefined })) as VerifyError;
  t.match(bearer, { code: 'invalid_token', reason: 'dpop_required' });
  t.equal(strict.refusalHeaders(bearer)['www-authenticate'], `DPoP error="invalid_token", error_description="this API accepts only DPoP-bound access tokens", algs="${ALGS}"`, 'one challenge: DPoP');
  t.match(await caught(strict.verify(issued)), { reason: 'dpop_required' });
  t.ok(await strict.verifyRequest(request()), 'a bound token with its proof');
});

t.test('challenges of both schemes, the error on the one used', async (t) => {
  const { issued, proof, request, verifier } = await setup(t);
  const both = verifier();
  const options = { realm: 'tickets', resourceMetadata: `${TICKETS}/.well-known/oauth-protected-resource` };
  const none = await caught(both.verifyRequest({ method: 'GET', url: URL_, authorization: undefined, dpop: undefined })) as VerifyError;
  t.equal(both.refusalHeaders(none, options)['www-authenticate'],
    `Bearer realm="tickets", resource_metadata="${options.resourceMetadata}", DPoP realm="tickets", algs="${ALGS}", resource_metadata="${options.resourceMetadata}"`, 'RFC 9449 §7.2');
  const badProof = await caught(both.verifyRequest(request(proof().replace(/.$/, '')))) as VerifyError;
  const headers = both.refusalHeaders(badProof, options);
  t.same(parseChallenge(headers['www-authenticate'], 'Bearer'), { realm: 'tickets', resource_metadata: options.resourceMetadata });
  t.match(parseChallenge(headers['www-authenticate'], 'DPoP'), { error: 'invalid_dpop_proof', algs: ALGS });
  t.equal(headers['cache-control'], 'no-store');
  t.notOk('dpop-nonce' in headers);
  const asBearer = await caught(both.verifyRequest({ method: 'GET', url: URL_, authorization: `Bearer ${issued}x`, dpop: undefined })) as VerifyError;
  t.match(parseChallenge(both.refusalHeaders(asBearer)['www-authenticate'], 'Bearer'), { error: 'invalid_token' });
  t.notOk(parseChallenge(both.refusalHeaders(asBearer)['www-authenticate'], 'DPoP')?.error);
  const down = new VerifyError('temporarily_unavailable', 'keys_unavailable', 'the token cannot be checked right now');
  t.same(both.refusalHeaders(down), { 'cache-control': 'no-store', 'retry-after': '5' }, '503: no challenge');
  const narrow = verifier({ dpop: { algorithms: ['ES256', 'EdDSA'] } });
  t.match(parseChallenge(narrow.refusalHeaders(none)['www-authenticate'], 'DPoP'), { algs: 'ES256 EdDSA' });
});

t.test('the in-memory replay cache is bounded and forgets only what expired', async (t) => {
  const clock = manualClock(0);
  const cache = memoryReplayCache(2, clock);
  t.equal(await cache.claimOnce('a', 1000), true);
  t.equal(await cache.claimOnce('a', 1000), false);
  t.equal(await cache.claimOnce('b', 1000), true);
  await t.rejects(cache.claimOnce('c', 1000), /full/, 'full of live proofs: no answer rather than a forgotten one');
  clock.advance(1000);
  t.equal(await cache.claimOnce('c', 1000), true, 'room again once they expired');
  t.equal(await cache.claimOnce('a', 1000), true, 'an expired claim may be made again (its proof is too old by then)');
  t.throws(() => memoryReplayCache(0, clock), TypeError);
});

t.test('options are checked when the verifier is built', async (t) => {
  const base = { issuer: 'https://sts.test', audience: TICKETS };
  t.throws(() => createVerifier({ ...base, dpop: { algorithms: ['HS256'] } }), /dpop.algorithms: algorithm HS256 is not allowed/);
  t.throws(() => createVerifier({ ...base, dpop: { algorithms: [] } }), /dpop.algorithms must not be empty/);
  t.throws(() => createVerifier({ ...base, dpop: { proofMaxAgeSeconds: 3600 } }), /proofMaxAgeSeconds/);
  t.throws(() => createVerifier({ ...base, dpop: { nonce: { secret: Buffer.alloc(8) } } }), /at least 32 bytes/);
  t.throws(() => createVerifier({ ...base, dpop: { nonce: { secret: Buffer.alloc(32), lifetimeSeconds: 1 } } }), /lifetimeSeconds/);
  t.throws(() => createVerifier({ ...base, dpop: { replayCacheSize: -1 } }), /replayCacheSize/);
  t.match(createVerifier({ ...base, dpop: { nonce: true } }).dpop, { nonces: true, required: false });
});

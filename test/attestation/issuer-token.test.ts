import t from 'tap';
import { sha256Hex, verifyIssuerToken, type AttestationResult } from '../../src/attestation/index.js';
import {
  agent, compile, context, issuerEntry, jwksOf, k8sClaims, K8S, makeKey, NOW_S, sign, trustedIssuer,
} from './helpers.js';

const key = await makeKey('k1');
const rsa = await makeKey('r1', 'RS256');
const issuer = trustedIssuer({ jwks: jwksOf(key, rsa) });
const SUB = 'system:serviceaccount:agents:summarizer';
const summarizer = agent('summarizer', [issuerEntry(SUB, { '/kubernetes.io/namespace': 'agents' })]);
const policy = compile([issuer], [summarizer]);

const reason = (r: AttestationResult) => (r.ok ? 'ok' : r.reason);

t.test('a valid Kubernetes token identifies its agent', async (t) => {
  const token = await sign(key, k8sClaims());
  const r = await verifyIssuerToken(token, context(policy));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.agent.id, 'summarizer');
  t.equal(r.kind, 'issuer');
  t.equal(r.issuer, K8S);
  t.equal(r.subject, SUB);
  t.equal(r.jti, 'jti-1');
  t.equal(r.issuedAtMs, (NOW_S - 10) * 1000);
  t.equal(r.expiresAtMs, (NOW_S + 600) * 1000);
  t.equal(r.tokenHash, sha256Hex(token));
  t.equal(r.replay, undefined, 'not single-use');
});

t.test('RS256 from the allow-list, a string aud, and no jti all pass', async (t) => {
  const token = await sign(rsa, k8sClaims({ aud: 'agent-sts', jti: undefined }));
  const r = await verifyIssuerToken(token, context(policy));
  t.ok(r.ok, reason(r));
});

t.test('single-use issuer: the success carries a replay claim', async (t) => {
  const single = compile([{ ...issuer, singleUse: true }], [summarizer]);
  const token = await sign(key, k8sClaims());
  const r = await verifyIssuerToken(token, context(single));
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(r.replay, { key: `att:${sha256Hex(K8S)}:${sha256Hex('jti-1')}`, ttlMs: (600 + 60) * 1000, issuedAtMs: (NOW_S - 10) * 1000 });
  const noJti = await sign(key, k8sClaims({ jti: undefined }));
  const r2 = await verifyIssuerToken(noJti, context(single));
  t.ok(r2.ok);
  const signedPart = noJti.slice(0, noJti.lastIndexOf('.'));
  if (r2.ok) t.same(r2.replay, { key: `atth:${sha256Hex(signedPart)}`, ttlMs: 660_000, issuedAtMs: (NOW_S - 10) * 1000 }, 'without jti: the signed part of the token');
});

t.test('single-use issuer without jti: a re-spelled signature is the same token (ECDSA malleability)', async (t) => {
  const single = compile([{ ...issuer, singleUse: true }], [summarizer]);
  const token = await sign(key, k8sClaims({ jti: undefined }));
  const variant = withMirroredEcdsaSignature(token);
  t.not(variant, token, 'the variant is a different string');
  const first = await verifyIssuerToken(token, context(single));
  const second = await verifyIssuerToken(variant, context(single));
  t.ok(first.ok && second.ok, 'both spellings carry a valid signature');
  if (first.ok && second.ok) t.equal(second.replay?.key, first.replay?.key, 'one replay key for both');
});

t.test('claim and time failures', async (t) => {
  const ctx = context(policy);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['wrong aud', { aud: 'someone-else' }, 'bad_claims'],
    ['aud array without ours', { aud: ['a', 'b'] }, 'bad_claims'],
    ['missing aud', { aud: undefined }, 'bad_claims'],
    ['expired', { iat: NOW_S - 700, exp: NOW_S - 61 }, 'expired'],
    ['future iat', { iat: NOW_S + 120, exp: NOW_S + 600 }, 'not_yet_valid'],
    ['future nbf', { nbf: NOW_S + 120 }, 'not_yet_valid'],
    ['too old by max_age', { iat: NOW_S - 3700, exp: NOW_S + 60 }, 'too_old'],
    ['lives longer than max_age', { iat: NOW_S - 10, exp: NOW_S + 7200 }, 'too_old'],
    ['missing exp', { exp: undefined }, 'bad_claims'],
    ['missing iat', { iat: undefined }, 'bad_claims'],
    ['missing sub', { sub: undefined }, 'bad_claims'],
    ['non-string sub', { sub: 42 }, 'bad_claims'],
    ['non-string jti', { jti: 7 }, 'bad_claims'],
    ['string exp', { exp: String(NOW_S + 600) }, 'bad_claims'],
  ];
  for (const [name, overrides, want] of cases) {
    const r = await verifyIssuerToken(await sign(key, k8sClaims(overrides)), ctx);
    t.equal(reason(r), want, name);
  }
});

t.test('a Kubernetes token living 3607 s passes a 1h max_age, even at its end', async (t) => {
  const token = await sign(key, k8sClaims({ iat: NOW_S, exp: NOW_S + 3607 }));
  const ctx = context(policy);
  t.ok((await verifyIssuerToken(token, ctx)).ok);
  ctx.clock.advance(3600_000 + 50_000);
  t.ok((await verifyIssuerToken(token, ctx)).ok, 'age 3650 s is within 1h + 60 s');
  ctx.clock.advance(11_000);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'too_old', 'age 3661 s');
});

t.test('a verified identity whose times fail names the known agent', async (t) => {
  const r = await verifyIssuerToken(await sign(key, k8sClaims({ iat: NOW_S - 700, exp: NOW_S - 100 })), context(policy));
  t.equal(reason(r), 'expired');
  if (!r.ok) t.match(r, { agentId: 'summarizer', agentVerified: true, issuer: K8S });
});

t.test('unknown issuer, and exact issuer comparison', async (t) => {
  const ctx = context(policy);
  for (const iss of ['https://evil.example', `${K8S}/`, K8S.toUpperCase(), ` ${K8S}`, `${K8S}\u0000`]) {
    const r = await verifyIssuerToken(await sign(key, k8sClaims({ iss })), ctx);
    t.equal(reason(r), 'unknown_issuer', JSON.stringify(iss));
    if (!r.ok) t.equal(r.agentId, undefined);
  }
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims({ iss: undefined })), ctx)), 'unknown_issuer', 'no iss');
});

t.test('an issuer without keys', async (t) => {
  const bare = compile([trustedIssuer()], [summarizer]);
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims()), context(bare))), 'no_keys');
  const broken = compile([trustedIssuer({ jwks: { keys: 'nope' } as never })], [summarizer]);
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims()), context(broken))), 'no_keys');
});

t.test('bound claims select the agent exactly', async (t) => {
  const ctx = context(policy);
  const cases: Array<[string, unknown, string]> = [
    ['array instead of string', { namespace: ['agents'] }, 'no_agent'],
    ['different case', { namespace: 'Agents' }, 'no_agent'],
    ['trailing NUL', { namespace: 'agents\u0000' }, 'no_agent'],
    ['missing', {}, 'no_agent'],
    ['exact', { namespace: 'agents' }, 'ok'],
  ];
  for (const [name, k8s, want] of cases) {
    const r = await verifyIssuerToken(await sign(key, k8sClaims({ 'kubernetes.io': k8s })), ctx);
    t.equal(reason(r), want, name);
  }
  const odd = agent('odd', [issuerEntry('sub-odd', { '/a~1b/c~0d': 'v' })]);
  const oddPolicy = compile([issuer], [odd]);
  const r = await verifyIssuerToken(await sign(key, k8sClaims({ sub: 'sub-odd', 'a/b': { 'c~d': 'v' } })), context(oddPolicy));
  t.equal(reason(r), 'ok', 'JSON pointer with ~1 and ~0 escapes');
  const wrongSub = await verifyIssuerToken(await sign(key, k8sClaims({ sub: SUB.toUpperCase() })), ctx);
  t.equal(reason(wrongSub), 'no_agent', 'subject compares exactly');
});

t.test('two agents matching the same token are ambiguous', async (t) => {
  const twin = agent('twin', [issuerEntry(SUB)]);
  const r = await verifyIssuerToken(await sign(key, k8sClaims()), context(compile([issuer], [summarizer, twin])));
  t.equal(reason(r), 'ambiguous');
  const self = agent('self', [issuerEntry(SUB), issuerEntry(SUB, { '/kubernetes.io/namespace': 'agents' })]);
  const r2 = await verifyIssuerToken(await sign(key, k8sClaims()), context(compile([issuer], [self])));
  t.ok(r2.ok, 'one agent matching by two entries is not ambiguous');
});

t.test('a verified token no agent claims carries filtered claims for shadow discovery', async (t) => {
  const token = await sign(key, k8sClaims({ sub: 'system:serviceaccount:rogue:bot', client_secret: 'hunter2', nonce: 'n1', id_token: 'eyJ' }));
  const r = await verifyIssuerToken(token, context(policy));
  t.equal(reason(r), 'no_agent');
  if (r.ok) return;
  t.equal(r.agentId, undefined);
  t.equal(r.shadow?.issuer, K8S);
  t.equal(r.shadow?.subject, 'system:serviceaccount:rogue:bot');
  t.match(r.shadow?.claims, { 'kubernetes.io': { namespace: 'agents' } });
  const text = JSON.stringify(r);
  for (const secret of ['hunter2', 'n1', 'eyJ', 'jti-1']) t.notOk(text.includes(secret), `no ${secret}`);
  t.notOk(text.includes(token), 'never the token');
});

/** (r, s) -> (r, n - s): the other valid P-256 signature of the same input. */
function withMirroredEcdsaSignature(token: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const mirrored = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
  return `${token.slice(0, dot)}.${Buffer.concat([sig.subarray(0, 32), mirrored]).toString('base64url')}`;
}

t.test('typ: absent, JWT or JOSE (SPIFFE JWT-SVID); any other kind of token is refused', async (t) => {
  for (const typ of [undefined, 'JWT', 'jwt', 'application/JWT', 'JOSE', 'application/jose']) {
    t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims(), { typ }), context(policy))), 'ok', String(typ));
  }
  for (const typ of ['dpop+jwt', 'id_token+jwt', 'secevent+jwt', 'client-authentication+jwt', 'JOSE+JSON', '', null]) {
    t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims(), { typ }), context(policy))), 'bad_header', String(typ));
  }
});

t.test('exclusive_audience: aud holds the configured audience and nothing else', async (t) => {
  const exclusive = compile([{ ...issuer, exclusiveAudience: true }], [summarizer]);
  const cases: Array<[unknown, string, string]> = [
    ['agent-sts', 'ok', 'ok'],
    [['agent-sts'], 'ok', 'ok'],
    [['agent-sts', 'agent-sts'], 'ok', 'ok'],
    [['agent-sts', 'https://vault.example'], 'ok', 'bad_claims'],
    [['https://vault.example', 'agent-sts'], 'ok', 'bad_claims'],
    [['https://vault.example'], 'bad_claims', 'bad_claims'],
    [[], 'bad_claims', 'bad_claims'],
  ];
  for (const [aud, shared, only] of cases) {
    const token = await sign(key, k8sClaims({ aud: aud as string[] }));
    t.equal(reason(await verifyIssuerToken(token, context(policy))), shared, `default: ${JSON.stringify(aud)}`);
    const r = await verifyIssuerToken(token, context(exclusive));
    t.equal(reason(r), only, `exclusive: ${JSON.stringify(aud)}`);
    if (!r.ok && only !== shared) t.match(r, { detail: /other audiences/, agentId: 'summarizer', agentVerified: true });
  }
});

import t from 'tap';
import type { JWTPayload } from 'jose';
import { sha256Hex, verifyAgentAssertion, verifySubjectToken, type AttestationResult } from '../../src/attestation/index.js';
import type { KeyAttestation } from '../../src/policy/types.js';
import {
  agent, b64, compile, context, issuerEntry, jwksOf, k8sClaims, makeKey, NOW_S, sign, STS_ISSUER, TOKEN_ENDPOINT, trustedIssuer,
} from './helpers.js';

const k1 = await makeKey('k1');
const k2 = await makeKey('k2', 'EdDSA');
const other = await makeKey('o1');
const keys = (...ks: Awaited<ReturnType<typeof makeKey>>[]): KeyAttestation => ({ kind: 'keys', jwks: jwksOf(...ks) });
const policy = compile([trustedIssuer({ jwks: jwksOf(other) })], [
  agent('bot', [keys(k1), keys(k2)]),
  agent('other', [keys(other)]),
  agent('keyless', [issuerEntry('system:serviceaccount:agents:keyless')]),
]);
const reason = (r: AttestationResult) => (r.ok ? 'ok' : r.reason);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: 'bot', sub: 'bot', aud: STS_ISSUER, iat: NOW_S - 5, exp: NOW_S + 120, jti: 'a-1', ...overrides };
}

t.test('a valid assertion identifies the agent and is always single-use', async (t) => {
  const token = await sign(k1, claims());
  const r = await verifyAgentAssertion(token, context(policy));
  t.ok(r.ok, reason(r));
  if (!r.ok) return;
  t.equal(r.agent.id, 'bot');
  t.equal(r.kind, 'keys');
  t.equal(r.issuer, 'bot');
  t.equal(r.subject, 'bot');
  t.equal(r.jti, 'a-1');
  t.same(r.replay, { key: `asr:bot:${sha256Hex('a-1')}`, ttlMs: (120 + 60) * 1000, issuedAtMs: (NOW_S - 5) * 1000 });
  t.equal(r.tokenHash, sha256Hex(token));
});

t.test("aud is the broker's issuer identifier, as one JSON string (draft-ietf-oauth-rfc7523bis)", async (t) => {
  t.equal(reason(await verifyAgentAssertion(await sign(k1, claims({ aud: STS_ISSUER })), context(policy))), 'ok');
  // The token endpoint URL, any array (even [issuer]) and anything else are refused; ['x', issuer]
  // is audience injection (an assertion for several servers is replayable at each of them).
  const refused = [TOKEN_ENDPOINT, [STS_ISSUER], [STS_ISSUER, TOKEN_ENDPOINT], [TOKEN_ENDPOINT], 'https://elsewhere', `${STS_ISSUER}/`, [], undefined, ['x', STS_ISSUER]];
  for (const aud of refused) {
    const r = await verifyAgentAssertion(await sign(k1, claims({ aud })), context(policy));
    t.equal(reason(r), 'bad_claims', JSON.stringify(aud));
    if (!r.ok) t.match(r, { agentId: 'bot', agentVerified: true }, 'the signature was verified first');
  }
  const endpoint = await verifyAgentAssertion(await sign(k1, claims({ aud: TOKEN_ENDPOINT })), context(policy));
  t.match(endpoint, { ok: false, detail: /token endpoint URL is not accepted/ }, 'the log names the migration');
  const array = await verifyAgentAssertion(await sign(k1, claims({ aud: [STS_ISSUER] })), context(policy));
  t.match(array, { ok: false, detail: /single string, not an array/ });
});

t.test('typ: absent, JWT or client-authentication+jwt, as media types (RFC 7515 §4.1.9)', async (t) => {
  const accepted = [undefined, 'JWT', 'jwt', 'application/jwt', 'client-authentication+jwt', 'application/Client-Authentication+JWT'];
  for (const typ of accepted) {
    t.equal(reason(await verifyAgentAssertion(await sign(k1, claims(), { typ }), context(policy))), 'ok', String(typ));
  }
  for (const typ of ['dpop+jwt', 'id_token+jwt', 'secevent+jwt', 'logout+jwt', 'JOSE', 'text/jwt', 'jwt; charset=utf-8', 7]) {
    t.equal(reason(await verifyAgentAssertion(await sign(k1, claims(), { typ }), context(policy))), 'bad_header', String(typ));
  }
});

t.test('any of the agent key entries verifies; no kid with one key works too', async (t) => {
  t.equal(reason(await verifyAgentAssertion(await sign(k2, claims()), context(policy))), 'ok', 'second entry (EdDSA)');
  const noKid = await sign(k1, claims(), { kid: undefined });
  t.equal(reason(await verifyAgentAssertion(noKid, context(policy))), 'ok');
  const twoKeys = compile([], [agent('bot', [{ kind: 'keys', jwks: { keys: [{ ...k1.jwk, kid: undefined }, { ...other.jwk, kid: undefined }] } }])]);
  t.equal(reason(await verifyAgentAssertion(noKid, context(twoKeys))), 'ok', 'several keys without kid: each is tried');
  const wrong = await sign(await makeKey('k1'), claims(), { kid: undefined });
  t.equal(reason(await verifyAgentAssertion(wrong, context(twoKeys))), 'bad_signature');
});

t.test('assertion rules (RFC 7523 §3)', async (t) => {
  const ctx = context(policy);
  const cases: Array<[string, JWTPayload, string]> = [
    ['iss differs from sub', { sub: 'other' }, 'bad_claims'],
    ['missing sub', { sub: undefined }, 'bad_claims'],
    ['missing jti', { jti: undefined }, 'bad_claims'],
    ['empty jti', { jti: '' }, 'bad_claims'],
    ['huge jti', { jti: 'j'.repeat(300) }, 'bad_claims'],
    ['missing iat', { iat: undefined }, 'bad_claims'],
    ['missing exp', { exp: undefined }, 'bad_claims'],
    ['exp more than 5 minutes after iat', { iat: NOW_S - 5, exp: NOW_S - 5 + 301 }, 'bad_claims'],
    ['exactly 5 minutes', { iat: NOW_S - 5, exp: NOW_S - 5 + 300 }, 'ok'],
    ['expired', { iat: NOW_S - 300, exp: NOW_S - 61 }, 'expired'],
    ['expired within tolerance', { iat: NOW_S - 200, exp: NOW_S - 30 }, 'ok'],
    ['future iat', { iat: NOW_S + 100, exp: NOW_S + 200 }, 'not_yet_valid'],
    ['future nbf', { nbf: NOW_S + 100 }, 'not_yet_valid'],
    ['unknown agent', { iss: 'ghost', sub: 'ghost' }, 'unknown_issuer'],
    ['agent without keys', { iss: 'keyless', sub: 'keyless' }, 'no_keys'],
  ];
  for (const [name, overrides, want] of cases) {
    t.equal(reason(await verifyAgentAssertion(await sign(k1, claims(overrides)), ctx)), want, name);
  }
});

t.test('only the named agent keys verify its assertions', async (t) => {
  const r = await verifyAgentAssertion(await sign(other, claims(), { kid: 'k1' }), context(policy));
  t.equal(reason(r), 'bad_signature', "another agent's key");
  if (!r.ok) t.match(r, { agentId: 'bot', agentVerified: false }, 'selected by the unverified iss only');
  const expired = await verifyAgentAssertion(await sign(k1, claims({ iat: NOW_S - 300, exp: NOW_S - 100 })), context(policy));
  if (!expired.ok) t.match(expired, { reason: 'expired', agentId: 'bot', agentVerified: true });
  const hs = `${b64({ alg: 'HS256' })}.${b64(claims())}.AAAA`;
  t.equal(reason(await verifyAgentAssertion(hs, context(policy))), 'bad_signature', 'HS256');
  const none = `${b64({ alg: 'none' })}.${b64(claims())}.`;
  t.equal(reason(await verifyAgentAssertion(none, context(policy))), 'bad_signature', 'alg none');
});

t.test('same guards as issuer tokens', async (t) => {
  t.equal(reason(await verifyAgentAssertion(await sign(k1, claims(), { typ: 'at+jwt' }), context(policy))), 'broker_token');
  t.equal(reason(await verifyAgentAssertion('a.b', context(policy))), 'malformed');
  t.equal(reason(await verifyAgentAssertion('a'.repeat(20_000), context(policy))), 'too_large');
});

t.test('verifySubjectToken routes by the unverified iss/sub', async (t) => {
  const ctx = context(policy);
  const viaIssuer = await verifySubjectToken(await sign(other, k8sClaims({ sub: 'system:serviceaccount:agents:keyless' })), ctx);
  t.match(viaIssuer, { ok: true, kind: 'issuer' });
  t.match(await verifySubjectToken(await sign(k1, claims()), ctx), { ok: true, kind: 'keys' });
  t.equal(reason(await verifySubjectToken(await sign(k1, claims({ sub: 'other' })), ctx)), 'unknown_issuer', 'iss != sub');
  t.equal(reason(await verifySubjectToken(await sign(k1, claims({ iss: 'keyless', sub: 'keyless' })), ctx)), 'unknown_issuer', 'agent without keys');
  t.equal(reason(await verifySubjectToken(await sign(k1, claims({ iss: 'ghost', sub: 'ghost' })), ctx)), 'unknown_issuer');
  t.equal(reason(await verifySubjectToken(await sign(k1, claims({ iss: undefined })), ctx)), 'unknown_issuer');
  t.equal(reason(await verifySubjectToken('x.y.z.w', ctx)), 'malformed');
});

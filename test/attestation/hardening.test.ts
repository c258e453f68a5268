/** RFC 8725 hardening and past JWT-library CVEs, each with a test. */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import t from 'tap';
import { SignJWT } from 'jose';
import { verifyIssuerToken, verifySubjectToken, type AttestationResult } from '../../src/attestation/index.js';
import {
  agent, b64, compile, context, issuerEntry, jwksOf, k8sClaims, K8S, makeKey, sign, startJwksServer, STS_ISSUER, trustedIssuer,
} from './helpers.js';

const keyA = await makeKey('a1');
const keyB = await makeKey('b1');
const rsa = await makeKey('r1', 'RS256');
const attacker = await makeKey('a1'); // same kid as issuer A's key, different key
const ISSUER_B = 'https://ci.example.test';
const SUB = 'system:serviceaccount:agents:summarizer';
const policy = compile(
  [trustedIssuer({ jwks: jwksOf(keyA, rsa) }), trustedIssuer({ issuer: ISSUER_B, jwks: jwksOf(keyB) })],
  [agent('summarizer', [issuerEntry(SUB)]), agent('ci-bot', [issuerEntry('repo:x', {}, ISSUER_B)])],
);
const reason = (r: AttestationResult) => (r.ok ? 'ok' : r.reason);

t.test('alg none is refused (RFC 8725 §3.1)', async (t) => {
  for (const alg of ['none', 'None', 'NONE']) {
    const token = `${b64({ alg, typ: 'JWT' })}.${b64(k8sClaims())}.`;
    const r = await verifyIssuerToken(token, context(policy));
    t.equal(reason(r), 'bad_signature', alg);
  }
});

t.test('HS256 signed with the issuer public key as HMAC secret is refused (key confusion)', async (t) => {
  // The exact bytes a verifier would hold: the PEM of the issuer's RSA public key.
  const spki = createPublicKey({ key: rsa.jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  for (const secret of [spki, JSON.stringify(rsa.jwk)]) {
    const token = await new SignJWT(k8sClaims()).setProtectedHeader({ alg: 'HS256', kid: 'r1' }).sign(new TextEncoder().encode(secret));
    t.equal(reason(await verifyIssuerToken(token, context(policy))), 'bad_signature');
  }
  // Even an issuer whose policy somehow listed HS256 never verifies with it.
  const loose = compile([trustedIssuer({ algorithms: ['HS256', 'RS256'], jwks: jwksOf(rsa) })], [agent('summarizer', [issuerEntry(SUB)])]);
  const token = await new SignJWT(k8sClaims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(spki));
  t.equal(reason(await verifyIssuerToken(token, context(loose))), 'bad_signature');
});

t.test('an algorithm outside the issuer allow-list is refused', async (t) => {
  const es384 = await makeKey('e384', 'ES384');
  const p = compile([trustedIssuer({ algorithms: ['ES256'], jwks: jwksOf(es384) })], [agent('summarizer', [issuerEntry(SUB)])]);
  t.equal(reason(await verifyIssuerToken(await sign(es384, k8sClaims()), context(p))), 'bad_signature');
});

t.test('keys are bound to their issuer: issuer B named, issuer A key used', async (t) => {
  const token = await sign(keyA, k8sClaims({ iss: ISSUER_B, sub: 'repo:x' }), { kid: 'a1' });
  t.equal(reason(await verifyIssuerToken(token, context(policy))), 'bad_signature');
  const ok = await sign(keyB, k8sClaims({ iss: ISSUER_B, sub: 'repo:x' }));
  t.equal(reason(await verifyIssuerToken(ok, context(policy))), 'ok', 'control: B with its own key');
});

t.test('a signature by another key with a known kid fails', async (t) => {
  const r = await verifyIssuerToken(await sign(attacker, k8sClaims()), context(policy));
  t.equal(reason(r), 'bad_signature');
  // The name is only claimed: kept for attestation_failure alerts, marked unverified.
  if (!r.ok) t.match(r, { agentId: 'summarizer', agentVerified: false }, 'an unverified identity is only claimed');
});

t.test('jwk, jku, x5u and x5c headers are never followed (RFC 8725 §3.10)', async (t) => {
  const server = await startJwksServer(jwksOf(attacker));
  t.teardown(() => server.close());
  const evil = await makeKey('evil');
  const headers: Array<[string, Record<string, unknown>]> = [
    ['jku', { jku: server.url }],
    ['x5u', { x5u: server.url }],
    ['jwk', { jwk: evil.jwk, kid: 'evil' }],
    ['jwk with known kid', { jwk: attacker.jwk }],
    ['x5c', { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }],
    ['all of them', { jku: server.url, x5u: server.url, jwk: attacker.jwk }],
  ];
  for (const [name, header] of headers) {
    const signer = header.kid === 'evil' ? evil : attacker;
    const token = await sign(signer, k8sClaims(), header);
    t.equal(reason(await verifyIssuerToken(token, context(policy))), 'bad_signature', name);
  }
  t.equal(server.requests, 0, 'no request reached the server');
});

t.test('a token minted by this broker is never an attestation (RFC 8725 §3.11)', async (t) => {
  const withTyp = await sign(keyA, k8sClaims(), { typ: 'at+jwt' });
  t.equal(reason(await verifyIssuerToken(withTyp, context(policy))), 'broker_token');
  t.equal(reason(await verifySubjectToken(withTyp, context(policy))), 'broker_token');
  const appTyp = await sign(keyA, k8sClaims(), { typ: 'application/AT+JWT' });
  t.equal(reason(await verifyIssuerToken(appTyp, context(policy))), 'broker_token');
  const ownIss = await sign(keyA, k8sClaims({ iss: STS_ISSUER }));
  t.equal(reason(await verifySubjectToken(ownIss, context(policy))), 'broker_token');
});

t.test('a tampered payload fails the signature', async (t) => {
  const token = await sign(keyA, k8sClaims({ sub: 'system:serviceaccount:agents:other' }));
  const [h, , s] = token.split('.');
  const forged = `${h}.${b64(k8sClaims())}.${s}`;
  t.equal(reason(await verifyIssuerToken(forged, context(policy))), 'bad_signature');
});

t.test('crit and unencoded payloads are refused, not crashed on', async (t) => {
  const crit = `${b64({ alg: 'ES256', kid: 'a1', crit: ['x-unknown'], 'x-unknown': 1 })}.${b64(k8sClaims())}.AAAA`;
  t.equal(reason(await verifyIssuerToken(crit, context(policy))), 'bad_header', 'unknown crit (RFC 7515 §4.1.11)');
  const unencoded = `${b64({ alg: 'ES256', kid: 'a1', b64: false, crit: ['b64'] })}.${b64(k8sClaims())}.AAAA`;
  t.equal(reason(await verifyIssuerToken(unencoded, context(policy))), 'bad_header', 'b64: false (RFC 7797)');
  t.equal(policy.policy.issuers[0]?.issuer, K8S);
});

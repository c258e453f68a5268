/**
 * Regression: any `typ` was accepted on attestations and assertions except `at+jwt`, so a
 * DPoP proof, an ID token or a security event token signed by a trusted key passed for one
 * (RFC 8725 §3.11), and `cty`, `b64` and `zip` headers were not looked at. Now `typ` is
 * allow-listed per kind, compared as a media type (RFC 7515 §4.1.9): platform attestations
 * accept none, `JWT` or `JOSE` (SPIFFE JWT-SVID), agent assertions none, `JWT` or
 * `client-authentication+jwt` (draft-ietf-oauth-rfc7523bis); `cty`, `b64`, `zip` and `crit`
 * are refused on every JWS the broker reads. Each refusal gets the same opaque answer.
 */
import { SignJWT } from 'jose';
import t from 'tap';
import { buildTestBroker, K8S, SA, STS, type TestBroker } from '../helpers/broker.js';
import { signRawJws } from '../helpers/raw-jws.js';
import { buildHarness } from '../admin/helpers.js';

const AGENT = 'ticket-summarizer';
const NOT_ACCEPTED = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const CLIENT_FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };
const OTHER_KINDS = ['dpop+jwt', 'at+jwt', 'application/at+jwt', 'id_token+jwt', 'secevent+jwt', 'logout+jwt', 'jwt+json', 'text/jwt'];
const REFUSED_PARAMETERS: Array<Record<string, unknown>> = [
  { cty: 'JWT' }, { cty: 'application/json' }, { b64: false, crit: ['b64'] }, { b64: true }, { zip: 'DEF' }, { crit: ['exp'] },
];

const seconds = (broker: TestBroker) => Math.floor(broker.clock() / 1000);
let serial = 0;

function attestationClaims(broker: TestBroker): Record<string, unknown> {
  const iat = seconds(broker);
  return { iss: K8S, sub: SA, aud: 'agent-sts', iat, exp: iat + 600, jti: `att-${serial++}`, 'kubernetes.io': { namespace: 'agents' } };
}

function assertionClaims(broker: TestBroker): Record<string, unknown> {
  const iat = seconds(broker);
  return { iss: AGENT, sub: AGENT, aud: STS, iat, exp: iat + 60, jti: `asr-${serial++}` };
}

async function assertionWithTyp(broker: TestBroker, typ: string | undefined): Promise<string> {
  const key = broker.agentKeys.get(AGENT);
  if (!key) throw new Error('no agent key');
  return new SignJWT(assertionClaims(broker)).setProtectedHeader({ alg: 'ES256', kid: `${AGENT}-k1`, ...(typ === undefined ? {} : { typ }) }).sign(key.privateKey);
}

t.test('platform attestations: typ absent, JWT or JOSE; any other kind of token is refused', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const withTyp = (typ: string | undefined) => broker.attest(SA, { 'kubernetes.io': { namespace: 'agents' } }, { header: { typ } });
  for (const typ of [undefined, 'JWT', 'jwt', 'application/JWT', 'JOSE', 'application/jose']) {
    t.equal((await broker.exchange(await withTyp(typ))).statusCode, 200, `typ ${String(typ)}`);
  }
  for (const typ of [...OTHER_KINDS, 'client-authentication+jwt']) {
    const res = await broker.exchange(await withTyp(typ));
    t.equal(res.statusCode, 400, typ);
    t.same(res.json(), NOT_ACCEPTED, `${typ}: the opaque answer`);
  }
});

t.test('agent assertions: typ absent, JWT or client-authentication+jwt; any other kind is refused', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  for (const typ of [undefined, 'JWT', 'client-authentication+jwt', 'application/client-authentication+jwt', 'Client-Authentication+JWT']) {
    t.equal((await broker.clientCredentials(await assertionWithTyp(broker, typ))).statusCode, 200, `client_assertion typ ${String(typ)}`);
    t.equal((await broker.exchange(await assertionWithTyp(broker, typ))).statusCode, 200, `subject_token typ ${String(typ)}`);
  }
  for (const typ of [...OTHER_KINDS, 'JOSE']) {
    const res = await broker.clientCredentials(await assertionWithTyp(broker, typ));
    t.equal(res.statusCode, 401, typ);
    t.same(res.json(), CLIENT_FAILED, `${typ}: the opaque answer`);
    t.same((await broker.exchange(await assertionWithTyp(broker, typ))).json(), NOT_ACCEPTED, `${typ} as subject_token`);
  }
});

t.test('cty, b64, zip and crit are refused, though the signature is genuine', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const agentKey = broker.agentKeys.get(AGENT)?.privateKey;
  if (!agentKey) throw new Error('no agent key');
  // Control: the same hand-made tokens without the parameter are accepted.
  t.equal((await broker.exchange(signRawJws({ alg: 'ES256', kid: 'k8s-1' }, attestationClaims(broker), broker.issuerKey.privateKey))).statusCode, 200);
  t.equal((await broker.clientCredentials(signRawJws({ alg: 'ES256', kid: `${AGENT}-k1` }, assertionClaims(broker), agentKey))).statusCode, 200);
  for (const extra of REFUSED_PARAMETERS) {
    const attestation = signRawJws({ alg: 'ES256', kid: 'k8s-1', ...extra }, attestationClaims(broker), broker.issuerKey.privateKey);
    t.same((await broker.exchange(attestation)).json(), NOT_ACCEPTED, `attestation with ${JSON.stringify(extra)}`);
    const assertion = signRawJws({ alg: 'ES256', kid: `${AGENT}-k1`, ...extra }, assertionClaims(broker), agentKey);
    t.same((await broker.clientCredentials(assertion)).json(), CLIENT_FAILED, `assertion with ${JSON.stringify(extra)}`);
  }
});

t.test('operator sign-on: an ID token is a plain JWT; access, logout and other tokens are refused', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const get = (token: string) => h.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${token}` } });
  for (const typ of ['JWT', 'application/jwt']) {
    t.equal((await get(await h.ssoToken({ sub: 'u1', groups: 'sts-auditors' }, { typ }))).statusCode, 200, typ);
  }
  for (const typ of ['at+jwt', 'logout+jwt', 'secevent+jwt', 'dpop+jwt']) {
    t.equal((await get(await h.ssoToken({ sub: 'u1', groups: 'sts-auditors' }, { typ }))).statusCode, 401, typ);
  }
  const failures = h.auditLines.filter((line) => line.event === 'operator_auth_failed').map((line) => line.reason);
  // From one address, the first failure is audited and the rest summed up later (the authentication backoff's audit).
  t.same(failures, ['wrong_typ'], 'the reason is audited');
});

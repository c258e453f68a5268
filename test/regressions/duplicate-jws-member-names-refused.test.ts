/**
 * Regression: a JWS whose header or payload repeated a member name was read last-wins, so
 * one signed token said two things and this broker could read it differently from another
 * verifier (RFC 7515 §4, RFC 7519 §4 allow refusing it; I-JSON, RFC 7493 §2.3). Every JWS
 * the broker reads now refuses repeated names, compared after JSON unescaping ("sub" and
 * "\u0073ub" are one name) and in nested objects too: attestations, agent assertions, its own
 * access tokens and operator sign-on tokens.
 */
import { exportJWK, generateKeyPair } from 'jose';
import t from 'tap';
import { createOperatorKeySets, OperatorJwtError, verifyOperatorJwt } from '../../src/admin/index.js';
import type { OperatorIssuer } from '../../src/policy/types.js';
import { verifyBrokerToken } from '../../src/signing/index.js';
import { buildTestBroker, K8S, SA, STS, type TestBroker } from '../helpers/broker.js';
import { signRawJws } from '../helpers/raw-jws.js';

const AGENT = 'ticket-summarizer';
const NOT_ACCEPTED = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const CLIENT_FAILED = { error: 'invalid_client', error_description: 'client authentication failed' };

/** A JSON object text from members in order, keeping repeated names as written. */
function objectText(members: Array<[string, unknown]>): string {
  return `{${members.map(([name, value]) => `${name.startsWith('"') ? name : JSON.stringify(name)}:${JSON.stringify(value)}`).join(',')}}`;
}

function attestationMembers(broker: TestBroker): Array<[string, unknown]> {
  const iat = Math.floor(broker.clock() / 1000);
  return [['iss', K8S], ['aud', 'agent-sts'], ['iat', iat], ['exp', iat + 600], ['jti', `j-${Math.random()}`], ['kubernetes.io', { namespace: 'agents' }]];
}

t.test('attestations: a repeated header or claim name is refused, however it is spelled', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const key = broker.issuerKey.privateKey;
  const header = '{"alg":"ES256","kid":"k8s-1"}';
  const exchange = async (h: string, members: Array<[string, unknown]>) => broker.exchange(signRawJws(h, objectText(members), key));
  t.equal((await exchange(header, [...attestationMembers(broker), ['sub', SA]])).statusCode, 200, 'control: the same token without a repeat');
  const cases: Array<[string, string, Array<[string, unknown]>]> = [
    // Last-wins would read SA (the agent) where a first-wins verifier reads another subject.
    ['sub twice', header, [['sub', 'system:serviceaccount:agents:other'], ...attestationMembers(broker), ['sub', SA]]],
    ['sub and its escaped twin', header, [['sub', 'system:serviceaccount:agents:other'], ...attestationMembers(broker), ['"\\u0073ub"', SA]]],
    ['aud twice', header, [['aud', 'elsewhere'], ['sub', SA], ...attestationMembers(broker)]],
    ['a nested repeat', header, [['sub', SA], ...attestationMembers(broker), ['x', { a: 1 }], ['"x"', { a: 2 }]]],
    ['kid twice in the header', '{"alg":"ES256","kid":"unknown","kid":"k8s-1"}', [...attestationMembers(broker), ['sub', SA]]],
    ['alg twice in the header', '{"alg":"none","kid":"k8s-1","alg":"ES256"}', [...attestationMembers(broker), ['sub', SA]]],
  ];
  for (const [name, h, members] of cases) {
    const res = await exchange(h, members);
    t.equal(res.statusCode, 400, name);
    t.same(res.json(), NOT_ACCEPTED, `${name}: the opaque answer`);
  }
  const nested = signRawJws(header, `{"sub":${JSON.stringify(SA)},"iss":${JSON.stringify(K8S)},"aud":"agent-sts","iat":${Math.floor(broker.clock() / 1000)},"exp":${Math.floor(broker.clock() / 1000) + 600},"kubernetes.io":{"namespace":"other","namespace":"agents"}}`, key);
  t.same((await broker.exchange(nested)).json(), NOT_ACCEPTED, 'a repeat inside a bound claim object');
});

t.test('agent assertions: a repeated jti or aud is refused', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const key = broker.agentKeys.get(AGENT)?.privateKey;
  if (!key) throw new Error('no agent key');
  const iat = Math.floor(broker.clock() / 1000);
  const base: Array<[string, unknown]> = [['iss', AGENT], ['sub', AGENT], ['iat', iat], ['exp', iat + 60]];
  const header = `{"alg":"ES256","kid":"${AGENT}-k1"}`;
  t.equal((await broker.clientCredentials(signRawJws(header, objectText([...base, ['aud', STS], ['jti', 'once']]), key))).statusCode, 200, 'control');
  const repeats: Array<[string, Array<[string, unknown]>]> = [
    ['jti twice (a replay record under one, the other read elsewhere)', [...base, ['aud', STS], ['jti', 'a'], ['jti', 'b']]],
    ['aud twice', [...base, ['aud', 'https://elsewhere.example'], ['aud', STS], ['jti', 'c']]],
  ];
  for (const [name, members] of repeats) {
    t.same((await broker.clientCredentials(signRawJws(header, objectText(members), key))).json(), CLIENT_FAILED, name);
    t.same((await broker.exchange(signRawJws(header, objectText(members), key))).json(), NOT_ACCEPTED, `${name} as subject_token`);
  }
});

t.test("the broker's own access tokens: a repeated claim is refused even under its own signature", async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const signer = broker.keyRing.currentSigner();
  const iat = Math.floor(broker.clock() / 1000);
  const claims: Array<[string, unknown]> = [['iss', STS], ['sub', AGENT], ['aud', STS], ['exp', iat + 60], ['nbf', iat], ['iat', iat], ['jti', 'j'],
    ['client_id', AGENT], ['scope', 'sts:introspect'], ['intent', 'i'], ['tier', 'read-only'], ['owner', 'team-support']];
  const header = { alg: signer.alg, kid: signer.kid, typ: 'at+jwt' };
  const verify = (token: string) => verifyBrokerToken(token, { ring: broker.keyRing, issuer: STS, now: broker.clock() });
  t.match(await verify(signRawJws(header, objectText(claims), signer)), { ok: true }, 'control');
  t.same(await verify(signRawJws(header, objectText([...claims, ['scope', 'admin']]), signer)), { ok: false, reason: 'malformed' }, 'scope twice');
  const twoTyps = `{"alg":"${signer.alg}","kid":"${signer.kid}","typ":"JWT","typ":"at+jwt"}`;
  t.same(await verify(signRawJws(twoTyps, objectText(claims), signer)), { ok: false, reason: 'malformed' }, 'typ twice in the header');
});

t.test('operator sign-on tokens: a repeated claim is refused', async (t) => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const issuer: OperatorIssuer = {
    issuer: 'https://sso.example', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'sso-1', alg: 'ES256' }] },
    audience: 'agent-sts-admin', algorithms: ['ES256'], roleClaim: 'groups', roles: { admins: 'admin', readers: 'auditor' },
  };
  const nowMs = Date.parse('2026-11-01T12:00:00Z');
  const iat = nowMs / 1000;
  const claims: Array<[string, unknown]> = [['iss', issuer.issuer], ['aud', issuer.audience], ['sub', 'u1'], ['iat', iat], ['exp', iat + 600]];
  const header = '{"alg":"ES256","kid":"sso-1"}';
  const verify = (payload: string) => verifyOperatorJwt(signRawJws(header, payload, privateKey), [issuer], createOperatorKeySets(), nowMs);
  t.match(await verify(objectText([...claims, ['groups', 'readers']])), { id: 'u1', role: 'auditor' }, 'control');
  // Last-wins would make this operator an admin where another parser sees a reader.
  await t.rejects(verify(objectText([...claims, ['groups', 'readers'], ['groups', 'admins']])), new OperatorJwtError('duplicate_member'));
  await t.rejects(verify(objectText([...claims, ['groups', 'readers'], ['"\\u0067roups"', 'admins']])), new OperatorJwtError('duplicate_member'));
});

/**
 * DPoP at the token endpoint (RFC 9449 §5): any client may bind its token with a proof; a tier
 * with sender_constraint: dpop gets tokens only that way; the proof rules of §4.3 hold at the
 * endpoint; introspection shows the binding and a bound caller proves its key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import t from 'tap';
import { createDpopProof, proofJwk } from '../../src/dpop/index.js';
import { jwkThumbprint } from '../../src/jws/index.js';
import { agentDoc, basePolicy, buildTestBroker, STS, TICKETS, type TestBroker } from '../helpers/broker.js';
import { signRawJws } from '../helpers/raw-jws.js';

const TOKEN_URL = `${STS}/oauth/token`;
const key = { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' as const };
const jkt = jwkThumbprint(proofJwk(key));

function policy() {
  const doc = basePolicy();
  Object.assign(doc.tiers as Record<string, unknown>, {
    bound: { description: 'Bound tokens only', scopes: ['*:read', 'sts:introspect'], max_ttl: '10m', review_every: '90d', sender_constraint: 'dpop' },
  });
  doc.agents = [
    ...(doc.agents as Array<Record<string, unknown>>),
    agentDoc('bound-agent', {
      tier: 'bound',
      attestation: [{ issuer: 'https://k8s.test', subject: 'system:serviceaccount:agents:bound-agent', claims: { '/kubernetes.io/namespace': 'agents' } }],
      intents: [
        { name: 'read-tickets', audience: TICKETS, scopes: ['tickets:read'] },
        { name: 'introspect', audience: STS, scopes: ['sts:introspect'] },
      ],
    }),
  ];
  return doc;
}

const proofFor = (b: TestBroker, o: { htu?: string; htm?: string; nonce?: string } = {}) =>
  createDpopProof(key, { htm: o.htm ?? 'POST', htu: o.htu ?? TOKEN_URL, iatS: Math.floor(b.clock() / 1000), ...(o.nonce ? { nonce: o.nonce } : {}) });
const attestBound = (b: TestBroker) => b.attest('system:serviceaccount:agents:bound-agent');

t.test('a proof binds the token: token_type DPoP, cnf.jkt the proof key\'s thumbprint', async (t) => {
  const b = await buildTestBroker({ policy: policy() });
  t.teardown(b.close);
  const res = await b.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await b.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS,
  }, { dpop: proofFor(b) });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().token_type, 'DPoP');
  t.same(decodeJwt(res.json().access_token as string).cnf, { jkt });
  const plain = await b.exchange(await b.attest());
  t.equal(plain.json().token_type, 'Bearer', 'without a proof, an ordinary tier gets a bearer token');
  t.notOk(decodeJwt(plain.json().access_token as string).cnf);
  const meta = (await b.app.inject('/.well-known/oauth-authorization-server')).json();
  t.ok(meta.dpop_signing_alg_values_supported.includes('ES256'), 'RFC 9449 §5.1 metadata');
});

t.test('a tier with sender_constraint: dpop refuses a request without a proof', async (t) => {
  const b = await buildTestBroker({ policy: policy() });
  t.teardown(b.close);
  const res = await b.exchange(await attestBound(b));
  t.equal(res.statusCode, 400);
  t.equal(res.json().error, 'invalid_dpop_proof');
  t.match(b.auditLines.filter((line) => line.event === 'token_denied').at(-1), { agent: 'bound-agent', reason: 'dpop', check: 'required' });
  const bound = await b.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await attestBound(b),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS,
  }, { dpop: proofFor(b) });
  t.equal(bound.statusCode, 200, bound.body);
});

t.test('the proof rules at the token endpoint', async (t) => {
  const b = await buildTestBroker({ policy: policy() });
  t.teardown(b.close);
  const send = async (dpop: string) => b.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await b.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS,
  }, { dpop });
  const nowS = Math.floor(b.clock() / 1000);
  // Each refusal is audited with the agent (authenticated before the proof is judged) and the check that failed.
  const cases: Array<[string, string, string]> = [
    ['a proof for another URL', proofFor(b, { htu: `${STS}/oauth/introspect` }), 'htu'],
    ['a proof for another method', proofFor(b, { htm: 'GET' }), 'htm'],
    ['a proof with a private key member', signRawJws({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.privateKey.export({ format: 'jwk' }) }, { jti: 'p', htm: 'POST', htu: TOKEN_URL, iat: nowS }, key.privateKey), 'bad_key'],
    ['a proof too old', createDpopProof(key, { htm: 'POST', htu: TOKEN_URL, iatS: nowS - 300 }), 'iat'],
    ['two DPoP headers', `${proofFor(b)}, ${proofFor(b)}`, 'multiple_headers'],
    ['not a JWS', 'x.y.z', 'malformed'],
    ['an empty DPoP header', '', 'malformed'],
  ];
  const lastDenial = () => b.auditLines.filter((line) => line.event === 'token_denied').at(-1);
  for (const [name, dpop, check] of cases) {
    const res = await send(dpop);
    t.equal(res.statusCode, 400, `${name}: ${res.body}`);
    t.equal(res.json().error, 'invalid_dpop_proof', name);
    t.match(lastDenial(), { agent: 'ticket-summarizer', reason: 'dpop', check }, `${name}: audited`);
  }
  const proof = proofFor(b);
  t.equal((await send(proof)).statusCode, 200);
  const replayed = await send(proof);
  t.equal(replayed.statusCode, 400, 'a proof used again');
  t.match(lastDenial(), { agent: 'ticket-summarizer', reason: 'dpop', check: 'replayed' });
});

t.test('with STS_DPOP_NONCE the endpoint asks for its nonce, and gives one on every answer', async (t) => {
  const b = await buildTestBroker({ policy: policy(), env: { STS_DPOP_NONCE: 'true' } });
  t.teardown(b.close);
  const form = async () => ({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await b.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS,
  });
  const first = await b.token(await form(), { dpop: proofFor(b) });
  t.equal(first.statusCode, 400);
  t.equal(first.json().error, 'use_dpop_nonce');
  const nonce = first.headers['dpop-nonce'] as string;
  t.ok(nonce, 'DPoP-Nonce header (RFC 9449 §8)');
  const second = await b.token(await form(), { dpop: proofFor(b, { nonce }) });
  t.equal(second.statusCode, 200, second.body);
  t.ok(second.headers['dpop-nonce'], 'a fresh nonce with the token');
});

t.test('introspection shows the binding; a bound caller proves its key with ath', async (t) => {
  const b = await buildTestBroker({ policy: policy() });
  t.teardown(b.close);
  const mint = async (audience: string) => {
    const res = await b.token({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await attestBound(b),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience,
    }, { dpop: proofFor(b) });
    return res.json().access_token as string;
  };
  const token = await mint(TICKETS);
  const caller = await mint(STS);
  const introspect = (authorization: string, dpop?: string) => b.app.inject({
    method: 'POST', url: '/oauth/introspect', payload: `token=${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, ...(dpop ? { dpop } : {}) },
  });
  const asBearer = await introspect(`Bearer ${caller}`);
  t.equal(asBearer.statusCode, 401, 'a bound token is not a bearer token (RFC 9449 §7.2)');
  t.match(asBearer.headers['www-authenticate'], /^DPoP /);
  const withoutProof = await introspect(`DPoP ${caller}`);
  t.equal(withoutProof.statusCode, 401);
  t.match(withoutProof.headers['www-authenticate'], /error="invalid_dpop_proof"/);
  const proof = createDpopProof(key, { htm: 'POST', htu: `${STS}/oauth/introspect`, accessToken: caller, iatS: Math.floor(b.clock() / 1000) });
  const ok = await introspect(`DPoP ${caller}`, proof);
  t.equal(ok.statusCode, 200, ok.body);
  t.match(ok.json(), { active: true, token_type: 'DPoP', cnf: { jkt } });
  t.equal((await introspect(`DPoP ${caller}`, proof)).statusCode, 401, 'the proof is single-use');
  const noAth = createDpopProof(key, { htm: 'POST', htu: `${STS}/oauth/introspect`, iatS: Math.floor(b.clock() / 1000) });
  t.equal((await introspect(`DPoP ${caller}`, noAth)).statusCode, 401, 'a proof without ath');
});

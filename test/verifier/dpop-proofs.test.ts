/**
 * DPoP at the resource side (RFC 9449 §7.1), one rule each, through verifier.verifyRequest:
 * tokens the real broker bound to a proof key at its token endpoint (and, for bindings it never
 * mints, its tokens re-signed with other claims), and proofs made with createDpopProof or by hand.
 */
import t, { type Test } from 'tap';
import { accessTokenHash, createDpopProof, proofJwk } from '../../src/dpop/index.js';
import { createVerifier, VerifyError, type RequestCredentials } from '../../src/verifier/index.js';
import { TICKETS } from '../helpers/broker.js';
import { bindToken, boundTokenSetup, proofKey } from '../helpers/dpop.js';
import { signRawJws } from '../helpers/raw-jws.js';

const URL_ = `${TICKETS}/tickets`;

async function refusal(t: Test, promise: Promise<unknown>, code: string, reason: string): Promise<VerifyError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  t.type(error, VerifyError, `refused (${reason})`);
  t.match(error, { code, reason, status: code === 'insufficient_scope' ? 403 : 401 }, `${code} / ${reason}`);
  return error as VerifyError;
}

t.test('every proof rule at the resource side', async (t) => {
  const { broker, issued, key, token, proof, bind } = await boundTokenSetup(t, URL_);
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock });
  const thief = proofKey();
  const iatS = () => Math.floor(broker.clock() / 1000);
  const request = (over: Partial<RequestCredentials> = {}): RequestCredentials =>
    ({ method: 'GET', url: URL_, authorization: `DPoP ${token}`, dpop: proof(), ...over });

  await t.test('a proof by the bound key, for this request and this token: accepted, the binding exposed', async (t) => {
    const principal = await verifier.verifyRequest(request({ url: `${URL_}?page=2` }), { scopes: ['tickets:read'] });
    t.match(principal, { agent: 'ticket-summarizer', intent: 'summarize-tickets', jkt: key.jkt });
    t.notOk('jkt' in await verifier.verify(issued), 'a bearer token has no binding');
  });

  await t.test('wrong method', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: proof({ htm: 'POST' }) })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'the DPoP proof is for another HTTP method');
    t.equal(error.scheme, 'DPoP');
  });

  await t.test('wrong URL', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: proof({ htu: `${TICKETS}/admin` }) })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'the DPoP proof is for another URL');
    await refusal(t, verifier.verifyRequest(request({ dpop: proof({ htu: 'https://other.test/tickets' }) })), 'invalid_dpop_proof', 'bad_proof');
  });

  await t.test('missing ath', async (t) => {
    const noAth = createDpopProof(key, { htm: 'GET', htu: URL_, iatS: iatS() });
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: noAth })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'the DPoP proof is not for this access token');
  });

  await t.test('wrong ath: a proof made for another token of the same key', async (t) => {
    const other = bindToken(broker, (await broker.exchange(await broker.attest())).json().access_token as string, key.jkt);
    await refusal(t, verifier.verifyRequest(request({ dpop: proof({ accessToken: other }) })), 'invalid_dpop_proof', 'bad_proof');
  });

  await t.test('the wrong key at the API: a valid proof by a key that is not the token\'s cnf.jkt', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: proof({}, thief) })), 'invalid_token', 'key_mismatch');
    t.equal(error.description, 'invalid DPoP key binding');
  });

  await t.test('replay of a proof within the window', async (t) => {
    const once = proof();
    t.ok(await verifier.verifyRequest(request({ dpop: once })), 'first use');
    await refusal(t, verifier.verifyRequest(request({ dpop: once })), 'invalid_dpop_proof', 'proof_replayed');
    broker.clock.advance(59_000);
    await refusal(t, verifier.verifyRequest(request({ dpop: once })), 'invalid_dpop_proof', 'proof_replayed');
    broker.clock.advance(2_000);
    const late = await refusal(t, verifier.verifyRequest(request({ dpop: once })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(late.description, 'the DPoP proof is too old or issued in the future', 'past the window, its age refuses it');
    t.ok(await verifier.verifyRequest(request()), 'a fresh proof is fine');
  });

  await t.test('two DPoP headers', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: [proof(), proof()] })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'send exactly one DPoP header');
    await refusal(t, verifier.verifyRequest(request({ dpop: `${proof()}, ${proof()}` })), 'invalid_dpop_proof', 'bad_proof');
  });

  await t.test('no DPoP header with the DPoP scheme', async (t) => {
    await refusal(t, verifier.verifyRequest(request({ dpop: undefined })), 'invalid_dpop_proof', 'bad_proof');
  });

  await t.test('a proof whose jwk carries a private key member', async (t) => {
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.privateKey.export({ format: 'jwk' }) };
    const claims = { jti: 'private-member', htm: 'GET', htu: URL_, iat: iatS(), ath: accessTokenHash(token) };
    const error = await refusal(t, verifier.verifyRequest(request({ dpop: signRawJws(header, claims, key.privateKey) })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'the DPoP proof does not carry a usable public key');
    t.ok(await verifier.verifyRequest(request({ dpop: signRawJws({ ...header, jwk: proofJwk(key) }, { ...claims, jti: 'public-only' }, key.privateKey) })), 'the same proof with the public members only passes');
  });

  await t.test('a DPoP-bound token with the Bearer scheme is refused (RFC 9449 §7.2)', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request({ authorization: `Bearer ${token}` })), 'invalid_token', 'bound_token_as_bearer');
    t.equal(error.scheme, 'Bearer');
    await refusal(t, verifier.verifyRequest(request({ authorization: `Bearer ${token}`, dpop: undefined })), 'invalid_token', 'bound_token_as_bearer');
    await refusal(t, verifier.verify(token), 'invalid_token', 'bound_token_as_bearer');
    await refusal(t, verifier.verifyAuthorization(`Bearer ${token}`), 'invalid_token', 'bound_token_as_bearer');
  });

  await t.test('an unbound token with the DPoP scheme', async (t) => {
    const unbound = proof({ accessToken: issued });
    await refusal(t, verifier.verifyRequest(request({ authorization: `DPoP ${issued}`, dpop: unbound })), 'invalid_token', 'not_bound');
  });

  await t.test('a proof algorithm this API does not accept', async (t) => {
    const edKey = proofKey('EdDSA');
    const edToken = await bind(edKey);
    const esOnly = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, dpop: { algorithms: ['ES256'] } });
    const edProof = () => createDpopProof(edKey, { htm: 'GET', htu: URL_, accessToken: edToken, iatS: iatS() });
    const error = await refusal(t, esOnly.verifyRequest(request({ authorization: `DPoP ${edToken}`, dpop: edProof() })), 'invalid_dpop_proof', 'bad_proof');
    t.equal(error.description, 'the DPoP proof is signed with an algorithm not accepted here');
    t.match(await verifier.verifyRequest(request({ authorization: `DPoP ${edToken}`, dpop: edProof() })), { jkt: edKey.jkt }, 'EdDSA by default');
  });

  await t.test('a binding this API cannot check is refused', async (t) => {
    const mtls = bindToken(broker, issued, key.jkt, { cnf: { jkt: key.jkt, 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } });
    await refusal(t, verifier.verifyRequest(request({ authorization: `DPoP ${mtls}`, dpop: proof({ accessToken: mtls }) })), 'invalid_token', 'bad_claims');
    const noJkt = bindToken(broker, issued, key.jkt, { cnf: { jwk: proofJwk(key) } });
    await refusal(t, verifier.verifyRequest(request({ authorization: `DPoP ${noJkt}`, dpop: proof({ accessToken: noJkt }) })), 'invalid_token', 'bad_claims');
    await refusal(t, verifier.verify(noJkt), 'invalid_token', 'bad_claims');
  });

  await t.test('scope and intent still apply, refused under the scheme used', async (t) => {
    const error = await refusal(t, verifier.verifyRequest(request(), { scopes: ['tickets:write'] }), 'insufficient_scope', 'missing_scope');
    t.equal(error.scheme, 'DPoP');
  });

  await t.test('the token itself is checked as ever', async (t) => {
    const forged = bindToken(broker, issued, key.jkt, { aud: 'https://kb.test' });
    await refusal(t, verifier.verifyRequest(request({ authorization: `DPoP ${forged}`, dpop: proof({ accessToken: forged }) })), 'invalid_token', 'wrong_audience');
    await t.rejects(verifier.verifyRequest(request({ authorization: ['DPoP a', 'DPoP b'] })), { code: 'invalid_request' }, 'two Authorization headers');
  });
});

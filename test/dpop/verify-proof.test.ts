/** Every check of RFC 9449 §4.3 on DPoP proofs, one case each. */
import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { accessTokenHash, createDpopProof, createNonceIssuer, proofJwk, verifyDpopProof, type ProofExpectations } from '../../src/dpop/index.js';
import { jwkThumbprint } from '../../src/jws/index.js';
import { signRawJws } from '../helpers/raw-jws.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');
const NOW_S = NOW / 1000;
const key = { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' as const };
const other = { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' as const };
const URL_ = 'https://sts.test/oauth/token';
const expect: ProofExpectations = { htm: 'POST', htu: URL_, nowMs: NOW, maxAgeMs: 120_000, futureSkewMs: 30_000 };
const header = (extra: Record<string, unknown> = {}) => ({ typ: 'dpop+jwt', alg: 'ES256', jwk: proofJwk(key), ...extra });
const claims = (extra: Record<string, unknown> = {}) => ({ jti: 'j-1', htm: 'POST', htu: URL_, iat: NOW_S, ...extra });
const reason = (proof: string, e: ProofExpectations = expect) => {
  const r = verifyDpopProof(proof, e);
  return r.ok ? 'ok' : r.reason;
};

t.test('a proof made by createDpopProof verifies, and names its key by thumbprint', async (t) => {
  const r = verifyDpopProof(createDpopProof(key, { htm: 'POST', htu: URL_, iatS: NOW_S }), expect);
  t.ok(r.ok);
  if (r.ok) t.equal(r.jkt, jwkThumbprint(proofJwk(key)), 'jkt is the RFC 7638 thumbprint of the embedded key');
  const ed = { privateKey: generateKeyPairSync('ed25519').privateKey, alg: 'EdDSA' as const };
  t.ok(verifyDpopProof(createDpopProof(ed, { htm: 'POST', htu: URL_, iatS: NOW_S }), expect).ok, 'EdDSA too');
});

t.test('typ must be dpop+jwt', async (t) => {
  t.equal(reason(signRawJws(header({ typ: 'JWT' }), claims(), key.privateKey)), 'wrong_typ');
  t.equal(reason(signRawJws(header({ typ: 'at+jwt' }), claims(), key.privateKey)), 'wrong_typ');
  t.equal(reason(signRawJws(header({ typ: undefined }), claims(), key.privateKey)), 'wrong_typ');
});

t.test('an asymmetric algorithm from the allow-list; none and HS256 never', async (t) => {
  t.equal(reason(signRawJws(header({ alg: 'HS256' }), claims(), key.privateKey)), 'alg_not_allowed');
  const none = `${Buffer.from(JSON.stringify(header({ alg: 'none' }))).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
  t.not(reason(none), 'ok');
  t.equal(reason(createDpopProof(key, { htm: 'POST', htu: URL_, iatS: NOW_S }), { ...expect, algorithms: ['EdDSA'] }), 'alg_not_allowed');
});

t.test('the jwk is a public key: a private member is refused', async (t) => {
  const jwk = key.privateKey.export({ format: 'jwk' });
  t.equal(reason(signRawJws(header({ jwk }), claims(), key.privateKey)), 'bad_key', 'd present');
  t.equal(reason(signRawJws(header({ jwk: { kty: 'oct', k: 'c2VjcmV0' } }), claims(), key.privateKey)), 'bad_key', 'a symmetric key');
  t.equal(reason(signRawJws(header({ jwk: undefined }), claims(), key.privateKey)), 'bad_key', 'no jwk');
});

t.test('signed by the embedded key, not another', async (t) => {
  t.equal(reason(signRawJws(header(), claims(), other.privateKey)), 'bad_signature');
});

t.test('htm and htu are the request\'s (htu without query and fragment, normalized)', async (t) => {
  t.equal(reason(signRawJws(header(), claims({ htm: 'GET' }), key.privateKey)), 'htm');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://sts.test/oauth/introspect' }), key.privateKey)), 'htu');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://evil.test/oauth/token' }), key.privateKey)), 'htu');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://STS.test:443/oauth/token?x=1#f' }), key.privateKey)), 'ok', 'case, default port, query and fragment do not matter');
  t.equal(reason(signRawJws(header(), claims(), key.privateKey), { ...expect, htu: `${URL_}?a=b` }), 'ok', 'nor the request\'s query');
  // RFC 3986 §6.2.2: percent-encoding case, and an encoded unreserved character, name the same path.
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://sts.test/oauth/%74oken' }), key.privateKey)), 'ok', '%74 is t');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://sts.test/a%2fb' }), key.privateKey), { ...expect, htu: 'https://sts.test/a%2Fb' }), 'ok', '%2f is %2F');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://sts.test/a%2Fb' }), key.privateKey), { ...expect, htu: 'https://sts.test/a/b' }), 'htu', 'an encoded slash is not a slash (reserved)');
  t.equal(reason(signRawJws(header(), claims({ htu: 'https://sts.test/oauth/%7Etoken' }), key.privateKey), { ...expect, htu: 'https://sts.test/oauth/~token' }), 'ok', '%7E is ~');
});

t.test('iat within the window', async (t) => {
  t.equal(reason(signRawJws(header(), claims({ iat: NOW_S - 121 }), key.privateKey)), 'iat', 'too old');
  t.equal(reason(signRawJws(header(), claims({ iat: NOW_S + 31 }), key.privateKey)), 'iat', 'too far ahead');
  t.equal(reason(signRawJws(header(), claims({ iat: NOW_S - 119 }), key.privateKey)), 'ok');
  t.equal(reason(signRawJws(header(), claims({ iat: String(NOW_S) }), key.privateKey)), 'bad_claims');
});

t.test('jti is required and bounded', async (t) => {
  t.equal(reason(signRawJws(header(), claims({ jti: undefined }), key.privateKey)), 'bad_claims');
  t.equal(reason(signRawJws(header(), claims({ jti: 'x'.repeat(257) }), key.privateKey)), 'bad_claims');
});

t.test('ath binds the proof to the access token it is sent with', async (t) => {
  const withToken = { ...expect, accessToken: 'token-a' };
  t.equal(reason(signRawJws(header(), claims({ ath: accessTokenHash('token-a') }), key.privateKey), withToken), 'ok');
  t.equal(reason(signRawJws(header(), claims({ ath: accessTokenHash('token-b') }), key.privateKey), withToken), 'ath');
  t.equal(reason(signRawJws(header(), claims(), key.privateKey), withToken), 'ath', 'missing');
});

t.test('a server nonce, when required, is a current one (across instances sharing the secret)', async (t) => {
  let now = NOW;
  const secret = Buffer.alloc(32, 3);
  const issuer = createNonceIssuer(secret, () => now);
  const peer = createNonceIssuer(secret, () => now);
  const nonce = issuer.current();
  const withNonce = { ...expect, nonce: peer.accepts };
  t.equal(reason(signRawJws(header(), claims({ nonce }), key.privateKey), withNonce), 'ok', 'another instance accepts it');
  t.equal(reason(signRawJws(header(), claims(), key.privateKey), withNonce), 'nonce', 'missing');
  t.equal(reason(signRawJws(header(), claims({ nonce: `${nonce}x` }), key.privateKey), withNonce), 'nonce', 'altered');
  t.equal(createNonceIssuer(Buffer.alloc(32, 4), () => now).accepts(nonce), false, 'another secret does not');
  now += 90_000;
  t.equal(peer.accepts(nonce), true, 'good in the next slot');
  now += 60_000;
  t.equal(peer.accepts(nonce), false, 'expired after');
});

t.test('size and structure are bounded before anything else', async (t) => {
  t.equal(reason('x'.repeat(9000)), 'malformed');
  t.equal(reason('a.b'), 'malformed');
  const duplicate = signRawJws('{"typ":"dpop+jwt","alg":"ES256","alg":"ES256","jwk":{}}', claims(), key.privateKey);
  t.equal(reason(duplicate), 'malformed', 'duplicate header members');
});

t.test('a nonce is accepted only in the one encoding the issuer makes', async (t) => {
  const issuer = createNonceIssuer(Buffer.alloc(32, 5), () => NOW);
  const nonce = issuer.current();
  const [slot, tag] = nonce.split('.');
  t.equal(issuer.accepts(nonce), true);
  t.equal(issuer.accepts(`${slot}zz.${tag}`), false, 'junk after the slot');
  t.equal(issuer.accepts(`${nonce}.more`), false, 'a third part');
  t.equal(issuer.accepts(`0${nonce}`), false, 'a leading zero');
  t.equal(issuer.accepts(tag), false, 'no slot');
});

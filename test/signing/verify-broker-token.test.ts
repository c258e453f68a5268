import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { manualClock } from '../../src/clock.js';
import {
  accessTokenHeader, buildAccessTokenClaims, createKeyRing, createLocalSigner, signJwt, verifyBrokerToken,
} from '../../src/signing/index.js';
import { MAX_JWS_BYTES } from '../../src/jws/index.js';
import { ISSUER, mintTestToken } from './helpers/tokens.js';

const T0 = 1_800_000_000_000;
const timing = { rotationMs: 10_000, publishAheadMs: 2_000, maxTokenTtlMs: 60_000 };

async function setup() {
  const clock = manualClock(T0);
  const ring = await createKeyRing({ clock, ...timing });
  const verify = (token: string, now = clock(), issuer = ISSUER) => verifyBrokerToken(token, { ring, issuer, now });
  return { clock, ring, verify };
}

const claimsAt = (nowMs: number) => buildAccessTokenClaims({
  issuer: ISSUER, agentId: 'a', audience: ISSUER, scopes: ['sts:introspect'], intent: 'i', tier: 't', owner: 'o',
  jti: 'j', issuedAtMs: nowMs, ttlSeconds: 60,
});

t.test('accepts our token and returns its header and claims', async (t) => {
  const { ring, verify } = await setup();
  const { token, claims } = mintTestToken(ring.currentSigner(), T0, 60);
  const result = await verify(token);
  t.same(result, { ok: true, header: accessTokenHeader(ring.currentSigner()), claims });
});

t.test('a retired key verifies the tokens it signed, never one issued after it retired', async (t) => {
  const { clock, ring, verify } = await setup();
  const old = ring.currentSigner();
  const { token } = mintTestToken(old, T0, 60);
  await ring.rotateNow();
  clock.advance(30_000);
  t.same((await verify(token)).ok, true, 'retired key still verifies its tokens');
  // A token made with the retired key long after it stopped signing: its private key leaked.
  const forged = signJwt(accessTokenHeader(old), claimsAt(T0 + 61_000), old);
  t.same(await verify(forged, T0 + 62_000), { ok: false, reason: 'issued_after_key_retired' });
});

t.test('refusals', async (t) => {
  const { ring, verify } = await setup();
  const signer = ring.currentSigner();
  const good = mintTestToken(signer, T0, 60).token;
  const reasonOf = async (token: string, now?: number, issuer?: string) => {
    const result = await verify(token, now, issuer);
    return result.ok ? 'accepted' : result.reason;
  };
  t.equal(await reasonOf(signJwt({ alg: 'ES256', kid: signer.kid, typ: 'JWT' }, claimsAt(T0), signer)), 'wrong_typ');
  t.equal(await reasonOf(signJwt({ alg: 'ES256', kid: signer.kid }, claimsAt(T0), signer)), 'wrong_typ', 'typ missing');
  t.equal(await reasonOf(signJwt({ alg: 'ES256', kid: signer.kid, typ: 'application/AT+JWT' }, claimsAt(T0), signer)), 'accepted', 'typ as a full media type (RFC 7515 §4.1.9)');
  t.equal(await reasonOf(signJwt({ alg: 'ES256', kid: signer.kid, typ: 'dpop+jwt' }, claimsAt(T0), signer)), 'wrong_typ');

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rsaToken = await new SignJWT({ ...claimsAt(T0) }).setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'at+jwt' }).sign(rsa);
  t.equal(await reasonOf(rsaToken), 'wrong_alg', 'another alg naming our kid');
  const hs = await new SignJWT({ ...claimsAt(T0) }).setProtectedHeader({ alg: 'HS256', kid: signer.kid, typ: 'at+jwt' }).sign(new Uint8Array(32));
  t.equal(await reasonOf(hs), 'wrong_alg', 'HS256');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: signer.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claimsAt(T0))).toString('base64url')}.`;
  t.equal(await reasonOf(none), 'wrong_alg', 'alg none (empty signature)');

  const stranger = createLocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256');
  t.equal(await reasonOf(signJwt(accessTokenHeader(stranger), claimsAt(T0), stranger)), 'unknown_kid');
  const embedded = await new SignJWT({ ...claimsAt(T0) }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', jwk: { kty: 'EC' } }).sign(
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  t.equal(await reasonOf(embedded), 'unknown_kid', 'an embedded jwk is never used');

  t.equal(await reasonOf(good, T0 + 60_000), 'expired', 'at exp');
  t.equal(await reasonOf(good, T0 + 59_999), 'accepted', 'just before exp');
  t.equal(await reasonOf(good, T0, 'https://other.example.test'), 'wrong_issuer');
  t.equal(await reasonOf(good, T0 - 61_000), 'not_yet_valid', 'beyond 60 s skew');
  t.equal(await reasonOf(good, T0 - 59_000), 'accepted', 'within 60 s skew');
  const futureIat = signJwt(accessTokenHeader(signer), { ...claimsAt(T0), iat: T0 / 1000 + 120 }, signer);
  t.equal(await reasonOf(futureIat), 'issued_in_future');

  const [h, p, s] = good.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  sig[10] = sig[10]! ^ 0x01;
  t.equal(await reasonOf(`${h}.${p}.${sig.toString('base64url')}`), 'bad_signature', 'flipped signature bit');
  const otherPayload = Buffer.from(JSON.stringify({ ...claimsAt(T0), scope: 'admin' })).toString('base64url');
  t.equal(await reasonOf(`${h}.${otherPayload}.${s}`), 'bad_signature', 'swapped payload');

  t.equal(await reasonOf(`${h}.${'A'.repeat(MAX_JWS_BYTES)}.${s}`), 'oversize');
  t.equal(await reasonOf('a.b'), 'malformed');
  t.equal(await reasonOf('a.b.c.d'), 'malformed');
  t.equal(await reasonOf(`${h}.${p}.${s}!`), 'malformed');
  t.equal(await reasonOf(`e30.${p}.${s}`), 'malformed', 'header {} (no alg)');
  t.equal(await reasonOf(`bm90IGpzb24.${p}.${s}`), 'malformed', 'header not JSON');
  const crit = signJwt({ ...accessTokenHeader(signer), crit: ['exp'] } as ReturnType<typeof accessTokenHeader>, claimsAt(T0), signer);
  t.equal(await reasonOf(crit), 'malformed', 'crit is refused');
  const cty = signJwt({ ...accessTokenHeader(signer), cty: 'JWT' } as ReturnType<typeof accessTokenHeader>, claimsAt(T0), signer);
  t.equal(await reasonOf(cty), 'malformed', 'cty is refused');
  const noJti = signJwt(accessTokenHeader(signer), { ...claimsAt(T0), jti: undefined }, signer);
  t.equal(await reasonOf(noJti), 'malformed', 'a claim missing');

  await ring.rotateNow({ compromised: true });
  t.equal(await reasonOf(good), 'compromised_key');
});

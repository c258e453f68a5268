import t from 'tap';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildAccessTokenClaims, accessTokenHeader, createKeyRing } from '../../src/signing/index.js';
import { manualClock } from '../../src/clock.js';
import { ISSUER, mintTestToken } from './helpers/tokens.js';

const input = {
  issuer: ISSUER, agentId: 'ticket-summarizer', audience: 'https://tickets.example.internal',
  scopes: ['tickets:read', 'tickets:list'], intent: 'summarize-tickets', tier: 'read-only', owner: 'team-support',
  jti: 'j-1', issuedAtMs: 1_800_000_000_999, ttlSeconds: 600,
};

t.test('RFC 9068 §2.2 claims', async (t) => {
  t.same(buildAccessTokenClaims(input), {
    iss: ISSUER, sub: 'ticket-summarizer', aud: 'https://tickets.example.internal',
    exp: 1_800_000_600, nbf: 1_800_000_000, iat: 1_800_000_000, jti: 'j-1', client_id: 'ticket-summarizer',
    scope: 'tickets:read tickets:list', intent: 'summarize-tickets', tier: 'read-only', owner: 'team-support',
  });
});

t.test('ttlSeconds must be a positive integer', async (t) => {
  t.throws(() => buildAccessTokenClaims({ ...input, ttlSeconds: 0 }), RangeError);
  t.throws(() => buildAccessTokenClaims({ ...input, ttlSeconds: 1.5 }), RangeError);
});

t.test('header is { alg, kid, typ: at+jwt } and the token verifies as an RFC 9068 token', async (t) => {
  const clock = manualClock(1_800_000_000_000);
  const ring = await createKeyRing({ clock });
  const signer = ring.currentSigner();
  t.same(accessTokenHeader(signer), { alg: 'ES256', kid: signer.kid, typ: 'at+jwt' });
  const { token, claims } = mintTestToken(signer, clock(), 60);
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(ring.jwks()), {
    issuer: ISSUER, audience: claims.aud, typ: 'at+jwt', currentDate: new Date(clock()),
  });
  t.same(protectedHeader, { alg: 'ES256', kid: signer.kid, typ: 'at+jwt' });
  t.same(payload, claims);
});

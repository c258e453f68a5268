import t from 'tap';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { manualClock } from '../../src/clock.js';
import { KeyRing, SIGNING_ALGS, createKeyRing, type SigningAlg } from '../../src/signing/index.js';
import { ISSUER, captureLogger, mintTestToken } from './helpers/tokens.js';

const T0 = 1_800_000_000_000;
const opts = { rotationMs: 10_000, publishAheadMs: 2_000, maxTokenTtlMs: 5_000 };
const STEP = 500;
const TTL_S = 5;

t.test('defaults and option checks', async (t) => {
  const ring = await createKeyRing({ clock: manualClock(T0) });
  t.equal(ring.alg, 'ES256');
  t.equal(ring.jwksMaxAgeSeconds(), 300, '1h publish-ahead: capped at 5 minutes');
  t.throws(() => new KeyRing({ clock: manualClock(T0), rotationMs: 1000, publishAheadMs: 1000 }), /publishAheadMs/);
  t.throws(() => new KeyRing({ clock: manualClock(T0), rotationMs: -1 }), /rotationMs/);
  t.throws(() => new KeyRing({ clock: manualClock(T0), alg: 'HS256' as SigningAlg }), /alg/);
});

t.test('by default a retired key stays published for the longest token life (1 h) plus clock skew', async (t) => {
  const clock = manualClock(T0);
  const ring = await createKeyRing({ clock });
  const old = ring.currentSigner().kid;
  await ring.rotateNow();
  clock.advance(3_600_000 + 60_000 - 1);
  await ring.tick();
  t.ok(ring.lookupKey(old), 'a token signed just before the rotation still verifies');
  clock.advance(1);
  await ring.tick();
  t.notOk(ring.lookupKey(old), 'then the key leaves the JWKS');
});

t.test('before init nothing signs; the first key of an empty ring signs at once', async (t) => {
  const clock = manualClock(T0);
  const ring = new KeyRing({ clock, ...opts });
  t.notOk(ring.ready());
  t.throws(() => ring.currentSigner(), /no signing key/);
  await ring.init();
  t.ok(ring.ready());
  t.equal(ring.jwks().keys.length, 1);
  t.equal(ring.currentSigner().kid, ring.jwks().keys[0]?.kid);
  t.equal(ring.currentKeyAgeMs(), 0);
  t.equal(ring.jwksMaxAgeSeconds(), 1, 'shorter than the 2 s publish-ahead window');
});

t.test('rotation walk: publish ahead, sign, retire, remove; every token verifies until expiry', async (t) => {
  const clock = manualClock(T0);
  const { lines, logger } = captureLogger();
  const ring = await createKeyRing({ clock, ...opts, logger });
  const firstKid = ring.currentSigner().kid;
  const firstSeen = new Map<string, number>([[firstKid, T0]]);
  const lastSeen = new Map<string, number>();
  const stoppedSigning = new Map<string, number>();
  const snapshots = new Map<number, JSONWebKeySet>();
  const minted: Array<{ token: string; atMs: number; expMs: number; jwksAtMint: JSONWebKeySet }> = [];
  let previousSigner = firstKid;
  let failures = 0;
  let verified = 0;
  for (let now = T0; now <= T0 + 60_000; now += STEP) {
    clock.set(now);
    await ring.tick();
    const jwks = ring.jwks();
    snapshots.set(now, jwks);
    for (const key of jwks.keys) {
      if (!firstSeen.has(key.kid)) firstSeen.set(key.kid, now);
      lastSeen.set(key.kid, now);
    }
    const signer = ring.currentSigner();
    if (signer.kid !== previousSigner) stoppedSigning.set(previousSigner, now);
    previousSigner = signer.kid;
    if (signer.kid !== firstKid) {
      t.ok(now - firstSeen.get(signer.kid)! >= opts.publishAheadMs, `${signer.kid} published >= publishAhead before signing`);
    }
    const { token, claims } = mintTestToken(signer, now, TTL_S);
    minted.push({ token, atMs: now, expMs: claims.exp * 1000, jwksAtMint: jwks });
    for (const m of minted) {
      if (now >= m.expMs) continue;
      const verifyWith = async (set: JSONWebKeySet) => {
        try {
          verified += 1;
          await jwtVerify(m.token, createLocalJWKSet(set), { issuer: ISSUER, typ: 'at+jwt', currentDate: new Date(now) });
        } catch (error) {
          failures += 1;
          if (failures < 4) t.comment(`fail at ${now - T0} minted ${m.atMs - T0}: ${String(error)}`);
        }
      };
      await verifyWith(jwks); // today's JWKS
      await verifyWith(m.jwksAtMint); // the JWKS as fetched when it was minted
      // A verifier whose cache is one publish-ahead window old already has the signing key.
      const cached = snapshots.get(m.atMs - opts.publishAheadMs);
      if (cached && m.atMs >= T0 + opts.publishAheadMs) await verifyWith(cached);
    }
  }
  t.equal(failures, 0, 'no token failed to verify before it expired');
  t.ok(verified > 500, `${verified} verifications`);
  t.ok(ring.rotationCount >= 5, `rotated ${ring.rotationCount} times`);
  t.equal(ring.currentKeyAgeMs(), (60_000 % 10_000), 'age of the current key');
  for (const [kid, stopped] of stoppedSigning) {
    const removeAt = stopped + opts.maxTokenTtlMs + 60_000;
    if (removeAt > T0 + 60_000) continue;
    t.equal(lastSeen.get(kid), removeAt - STEP, `${kid} stayed published until its tokens expired, then left`);
  }
  t.notMatch(lines.join('\n'), /"d"|privateJwk/, 'no key material in the log');
  t.match(lines.join('\n'), /key_activated/);
});

t.test('JWKS: public members only, kid = RFC 7638 thumbprint, alg and use', async (t) => {
  for (const alg of SIGNING_ALGS) {
    const clock = manualClock(T0);
    const ring = await createKeyRing({ clock, alg, ...opts });
    clock.advance(8_000);
    await ring.tick();
    const { keys } = ring.jwks();
    t.equal(keys.length, 2, `${alg}: current and next`);
    for (const key of keys) {
      const allowed = new Set(['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use']);
      t.same(Object.keys(key).filter((name) => !allowed.has(name)), [], `${alg}: no other members`);
      t.equal(key.alg, alg);
      t.equal(key.use, 'sig');
      t.equal(key.kid, await calculateJwkThumbprint(key, 'sha256'));
    }
  }
});

t.test('EdDSA and RS256 rings sign tokens jose verifies', async (t) => {
  for (const alg of ['EdDSA', 'RS256'] as const) {
    const clock = manualClock(T0);
    const ring = await createKeyRing({ clock, alg, ...opts });
    const { token } = mintTestToken(ring.currentSigner(), clock());
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(ring.jwks()), { algorithms: [alg], currentDate: new Date(clock()) });
    t.equal(protectedHeader.alg, alg);
  }
});

t.test('compromised rotation: key leaves the JWKS at once, is remembered, a new key signs', async (t) => {
  const clock = manualClock(T0);
  const ring = await createKeyRing({ clock, ...opts });
  const bad = ring.currentSigner().kid;
  const { token } = mintTestToken(ring.currentSigner(), clock());
  clock.advance(1_000);
  const result = await ring.rotateNow({ compromised: true });
  t.equal(result.compromisedKid, bad);
  t.not(ring.currentSigner().kid, bad);
  t.notOk(ring.jwks().keys.some((k) => k.kid === bad), 'gone from the JWKS');
  t.ok(ring.isCompromised(bad));
  t.equal(ring.lookupKey(bad), undefined);
  await t.rejects(jwtVerify(token, createLocalJWKSet(ring.jwks()), { currentDate: new Date(clock()) }));
  clock.advance(opts.maxTokenTtlMs + 60_000);
  await ring.tick();
  t.notOk(ring.isCompromised(bad), 'forgotten once its tokens have all expired');
});

t.test('manual rotation without compromise keeps the old key published', async (t) => {
  const clock = manualClock(T0);
  const ring = await createKeyRing({ clock, ...opts });
  const old = ring.currentSigner().kid;
  const result = await ring.rotateNow();
  t.equal(result.retiredKid, old);
  t.not(ring.currentSigner().kid, old);
  t.ok(ring.lookupKey(old), 'retired key still verifies');
  t.equal(ring.rotationCount, 1);
});

t.test('a pino logger fits; a compromised rotation logs kids and events, never key material', async (t) => {
  const { pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); done(); } });
  const clock = manualClock(T0);
  const ring = await createKeyRing({ clock, ...opts, alg: 'RS256', logger: pino({ level: 'info' }, sink) });
  const bad = ring.currentSigner().kid;
  await ring.rotateNow({ compromised: true });
  const log = chunks.join('');
  t.match(log, new RegExp(`"event":"key_compromised","kid":"${bad}"`));
  t.notMatch(log, /"(d|p|q|dp|dq|qi|n)":/, 'no private (or even public) key members');
});

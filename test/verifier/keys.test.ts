/**
 * The verifier's view of the broker's keys, against the real key ring: refetch on an unknown
 * kid but not within the cooldown, a cache no older than the broker's max-age, refreshKeys
 * after a compromise, scheduled rotations under traffic with no failed verification, and
 * fail closed (503) when the keys cannot be had.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { createVerifier, VerifyError, type VerifierOptions } from '../../src/verifier/index.js';
import { keyPair, TICKETS } from '../helpers/broker.js';
import { countingFetch, listeningBroker, type ListeningBroker } from '../helpers/listening-broker.js';
import { json, localServer } from '../helpers/local-server.js';

const JWKS = '/.well-known/jwks.json';

function verifierFor(broker: ListeningBroker, extra: Partial<VerifierOptions> = {}) {
  const counter = countingFetch();
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, fetch: counter.fetch, ...extra });
  return { verifier, jwksFetches: () => counter.calls(JWKS) };
}

const mint = async (broker: ListeningBroker) => {
  const response = await broker.exchange(await broker.attest());
  if (response.statusCode !== 200) throw new Error(`no token: ${response.body}`);
  return response.json().access_token as string;
};

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(() => undefined, (error: unknown) => (error instanceof VerifyError ? error.reason : String(error)));
}

t.test('an unknown kid is refetched, but not again within the cooldown', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  // Long enough that a loaded 2-core machine stays within it between two verifications.
  const cooldownMs = 1000;
  const { verifier, jwksFetches } = verifierFor(broker, { jwks: { cooldownMs } });
  await verifier.verify(await mint(broker));
  t.equal(jwksFetches(), 1);

  await broker.keyRing.rotateNow(); // no next key yet: a fresh key signs at once
  const rotated = await mint(broker);
  t.equal(await reasonOf(verifier.verify(rotated)), 'unknown_key', 'within the cooldown: no refetch, refused');
  t.equal(jwksFetches(), 1);
  await delay(cooldownMs + 50);
  t.ok(await verifier.verify(rotated), 'after the cooldown the unknown kid causes a refetch');
  t.equal(jwksFetches(), 2);

  const stranger = await keyPair('ES256', 'made-up');
  const forged = () => new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: `made-up-${randomUUID()}`, typ: 'at+jwt' })
    .setIssuer(broker.issuer).setAudience(TICKETS).setSubject('x').setIssuedAt(Math.floor(broker.clock() / 1000)).setExpirationTime('5m').sign(stranger.privateKey);
  const reasons = await Promise.all(Array.from({ length: 20 }, async () => reasonOf(verifier.verify(await forged()))));
  t.ok(reasons.every((r) => r === 'unknown_key'), 'twenty made-up kids are refused');
  t.equal(jwksFetches(), 2, 'and cause no fetch within the cooldown');
});

t.test('the JWKS is kept no longer than the broker\'s max-age, nor than maxCacheAgeMs', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const maxAge = broker.keyRing.jwksMaxAgeSeconds() * 1000;
  const jwksReply = await fetch(`${broker.issuer}${JWKS}`);
  t.equal(jwksReply.headers.get('cache-control'), `public, max-age=${maxAge / 1000}`);
  const token = await mint(broker);
  const { verifier, jwksFetches } = verifierFor(broker);
  await verifier.verify(token);
  broker.clock.advance(maxAge - 1000);
  await verifier.verify(token);
  t.equal(jwksFetches(), 1, 'within max-age: cached');
  broker.clock.advance(1000);
  await verifier.verify(token);
  t.equal(jwksFetches(), 2, 'at max-age: fetched again');

  const capped = verifierFor(broker, { jwks: { maxCacheAgeMs: 60_000 } });
  const fresh = await mint(broker);
  await capped.verifier.verify(fresh);
  broker.clock.advance(60_000);
  await capped.verifier.verify(fresh);
  t.equal(capped.jwksFetches(), 2, 'the cap applies when shorter than max-age');
});

t.test('a compromised key: trusted until the cache refreshes, gone after refreshKeys()', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { verifier } = verifierFor(broker);
  const leaked = await mint(broker);
  await verifier.verify(leaked);
  await broker.keyRing.rotateNow({ compromised: true });
  t.ok(await verifier.verify(leaked), 'offline, the cached JWKS still holds the withdrawn key (documented)');
  await verifier.refreshKeys();
  t.equal(await reasonOf(verifier.verify(leaked)), 'unknown_key', 'refreshKeys() drops it at once');
  t.ok(await verifier.verify(await mint(broker)), 'tokens of the new key verify');
});

t.test('scheduled rotations under traffic: no verification fails', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  // A cooldown longer than the run: only the max-age refreshes can bring the new keys.
  const { verifier, jwksFetches } = verifierFor(broker, { jwks: { cooldownMs: 3_600_000 } });
  const failures: string[] = [];
  const kids = new Set<string>();
  let verified = 0;
  let active = 0;
  let paused = false;
  let running = true;
  const yieldOnce = () => new Promise((resolve) => setImmediate(resolve));
  const worker = async () => {
    while (running) {
      if (paused) { await yieldOnce(); continue; }
      active++;
      const token = await mint(broker);
      kids.add(decodeProtectedHeader(token).kid as string);
      const reason = await reasonOf(verifier.verify(token));
      if (reason) failures.push(reason);
      active--;
      verified++;
    }
  };
  const traffic = async (count: number) => {
    const target = verified + count;
    while (verified < target) await yieldOnce();
  };
  const workers = Array.from({ length: 4 }, worker);
  // Two-minute steps (under the JWKS max-age) with traffic whenever a second key is published
  // (the next one ahead of signing, or the retired one); in between, with traffic paused so no
  // token outlives the jump, the clock jumps ahead to the next rotation.
  for (let step = 0; broker.keyRing.rotationCount < 2 && step < 400; step++) {
    if (broker.keyRing.jwks().keys.length > 1) {
      await traffic(4);
      broker.clock.advance(2 * 60_000);
    } else {
      paused = true;
      while (active > 0) await yieldOnce();
      broker.clock.advance(50 * 60_000);
      paused = false;
    }
    await broker.keyRing.tick();
  }
  await traffic(8);
  running = false;
  await Promise.all(workers);
  t.equal(broker.keyRing.rotationCount, 2, 'two scheduled rotations happened');
  t.ok(kids.size >= 3, `${kids.size} signing keys seen`);
  t.same(failures, [], `${verified} verifications, none failed`);
  t.ok(jwksFetches() >= 10, `the JWKS was refreshed by max-age (${jwksFetches()} fetches)`);
});

t.test('keys that cannot be had: 503 temporarily_unavailable, never a pass', async (t) => {
  const broker = await listeningBroker();
  const token = await mint(broker);
  const { verifier } = verifierFor(broker);
  await verifier.verify(token);
  await broker.close();
  broker.clock.advance(broker.keyRing.jwksMaxAgeSeconds() * 1000);
  const stale = await verifier.verify(token).catch((e: unknown) => e);
  t.match(stale, { name: 'VerifyError', code: 'temporarily_unavailable', status: 503, reason: 'keys_unavailable' }, 'past max-age, the broker gone: refused');
  const cold = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, timeoutMs: 1000 });
  t.match(await cold.verify(token).catch((e: unknown) => e), { name: 'VerifyError', code: 'temporarily_unavailable' }, 'no discovery, no pass');

  const big = await localServer({ '/jwks': (_req, res) => json(res, 200, { keys: [], pad: 'x'.repeat(300 * 1024) }) });
  t.teardown(big.close);
  const oversized = createVerifier({ issuer: big.url, audience: TICKETS });
  t.match(await oversized.verify(token).catch((e: unknown) => e), { name: 'VerifyError', code: 'temporarily_unavailable' }, 'an oversized JWKS is not read');

  const impostor = await localServer({ '/.well-known/oauth-authorization-server': (_req, res) => json(res, 200, { issuer: 'https://sts.elsewhere', token_endpoint: 'https://x/t', jwks_uri: 'https://x/j' }) });
  t.teardown(impostor.close);
  const misled = createVerifier({ issuer: impostor.url, audience: TICKETS });
  t.match(await misled.verify(token).catch((e: unknown) => e), { name: 'VerifyError', code: 'temporarily_unavailable' }, 'metadata naming another issuer is not used (RFC 8414 §3.3)');

  const noStore = await localServer({ '/jwks': (_req, res) => json(res, 200, { keys: [] }, { 'cache-control': 'no-store' }) });
  t.teardown(noStore.close);
  const uncached = createVerifier({ issuer: noStore.url, audience: TICKETS });
  for (let i = 0; i < 3; i++) await uncached.verify(token).catch(() => undefined);
  t.equal(noStore.hits('/jwks'), 3, 'no-store: fetched for every verification');
});

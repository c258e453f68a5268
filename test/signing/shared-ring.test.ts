import t from 'tap';
import { randomBytes } from 'node:crypto';
import { setImmediate as flush } from 'node:timers/promises';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { manualClock } from '../../src/clock.js';
import { KeyRing, createKeyRing, type KeyRingStore } from '../../src/signing/index.js';
import { sealRing } from '../../src/signing/ring-persistence.js';
import { advanceRing, generateKeyMaterial } from '../../src/signing/index.js';
import { EMPTY_RING } from '../../src/signing/ring-state.js';
import { createFakeBackend, createFakeStore } from './helpers/fake-store.js';
import { ISSUER, mintTestToken } from './helpers/tokens.js';

const T0 = 1_800_000_000_000;
const timing = { rotationMs: 10_000, publishAheadMs: 2_000, maxTokenTtlMs: 5_000 };
const kek = randomBytes(32);

async function pair() {
  const clock = manualClock(T0);
  const backend = createFakeBackend();
  const storeA = createFakeStore(backend, clock);
  const storeB = createFakeStore(backend, clock);
  const a = await createKeyRing({ clock, ...timing, store: storeA, kek, leaseTtlMs: 3_000 });
  const b = await createKeyRing({ clock, ...timing, store: storeB, kek, leaseTtlMs: 3_000 });
  return { clock, backend, storeA, storeB, a, b };
}

const kids = (jwks: JSONWebKeySet) => jwks.keys.map((k) => k.kid).sort();

t.test('the lease holder creates the ring; the other loads the same ring', async (t) => {
  const { a, b, storeA, storeB, backend } = await pair();
  t.equal(storeA.puts, 1);
  t.equal(storeB.puts, 0);
  t.equal(b.currentSigner().kid, a.currentSigner().kid);
  t.same(b.jwks(), a.jwks());
  t.notMatch(backend.record!.blob, /privateJwk|"d"/, 'stored encrypted');
});

t.test('two instances through several rotations: only the holder rotates; all tokens verify on either JWKS', async (t) => {
  const { clock, a, b, storeB } = await pair();
  const minted: Array<{ token: string; expMs: number; atMint: JSONWebKeySet[] }> = [];
  let failures = 0;
  let checks = 0;
  for (let now = T0; now <= T0 + 50_000; now += 500) {
    clock.set(now);
    // Alternate the order, so the follower is sometimes a step behind.
    if ((now / 500) % 2) { await b.tick(); await a.tick(); } else { await a.tick(); await b.tick(); }
    const atMint = [a.jwks(), b.jwks()];
    for (const ring of [a, b]) {
      const { token, claims } = mintTestToken(ring.currentSigner(), now);
      minted.push({ token, expMs: claims.exp * 1000, atMint });
    }
    for (const m of minted) {
      if (now >= m.expMs) continue;
      for (const set of [a.jwks(), b.jwks(), ...m.atMint]) {
        checks += 1;
        await jwtVerify(m.token, createLocalJWKSet(set), { issuer: ISSUER, currentDate: new Date(now) }).catch(() => { failures += 1; });
      }
    }
  }
  t.equal(failures, 0, `zero failures in ${checks} verifications`);
  t.ok(a.rotationCount >= 4, `${a.rotationCount} rotations`);
  t.equal(b.rotationCount, a.rotationCount);
  t.equal(storeB.puts, 0, 'the follower never wrote');
  t.same(kids(b.jwks()), kids(a.jwks()));
});

t.test('a follower picks up a new ring from the subscription, and on refresh', async (t) => {
  const { clock, a, b, backend } = await pair();
  clock.advance(8_000);
  await a.tick();
  await flush();
  t.equal(b.jwks().keys.length, 2, 'the pub/sub event made it reload');
  backend.listeners.clear(); // events lost: the periodic refresh still converges
  clock.advance(2_000);
  await a.tick();
  t.not(b.currentSigner().kid, a.currentSigner().kid);
  await b.refresh();
  t.equal(b.currentSigner().kid, a.currentSigner().kid);
});

t.test('when the holder stops, the other takes the lease once it expires and rotates', async (t) => {
  const { clock, a, b, storeB } = await pair();
  await a.tick();
  const first = a.currentSigner().kid;
  // a stops ticking (crashed): its 3 s lease runs out.
  for (let i = 0; i < 30; i++) { clock.advance(500); await b.tick(); }
  t.ok(storeB.puts > 0, 'b wrote after taking over');
  t.not(b.currentSigner().kid, first);
  await a.tick();
  t.equal(a.currentSigner().kid, b.currentSigner().kid, 'a, back, follows');
});

t.test('a compromised rotation on a follower reaches every instance', async (t) => {
  const { a, b } = await pair();
  const bad = a.currentSigner().kid;
  const { token } = mintTestToken(a.currentSigner(), T0);
  await b.rotateNow({ compromised: true });
  await flush();
  for (const ring of [a, b]) {
    t.ok(ring.isCompromised(bad));
    t.notOk(ring.jwks().keys.some((k) => k.kid === bad));
    t.not(ring.currentSigner().kid, bad);
    await t.rejects(jwtVerify(token, createLocalJWKSet(ring.jwks()), { currentDate: new Date(T0) }));
  }
});

t.test('rotateNow retries when another instance wrote first', async (t) => {
  const { a, b, storeB } = await pair();
  storeB.failPuts = 2;
  await b.rotateNow();
  await a.refresh();
  t.equal(a.currentSigner().kid, b.currentSigner().kid);
  t.equal(a.rotationCount, 1);
});

t.test('an older ring written back to the store (rollback) is refused and repaired', async (t) => {
  const { backend, a, b } = await pair();
  const oldBlob = backend.record!.blob;
  const bad = a.currentSigner().kid;
  await a.rotateNow({ compromised: true });
  backend.record = { version: backend.record!.version + 1, blob: oldBlob };
  await b.refresh();
  t.ok(b.isCompromised(bad), 'b kept the newer ring');
  t.notOk(b.jwks().keys.some((k) => k.kid === bad));
  await a.tick(); // the holder rewrites its ring
  t.not(backend.record!.blob, oldBlob);
});

t.test('a ring lost from the store (Redis restarted empty) is written back by the holder', async (t) => {
  const { backend, a, b } = await pair();
  const kid = a.currentSigner().kid;
  backend.record = null;
  await b.tick();
  t.equal(b.currentSigner().kid, kid, 'the follower keeps its ring');
  await a.tick();
  t.equal(backend.record!.version, 1);
  await b.refresh();
  t.equal(b.currentSigner().kid, kid);
});

t.test('a wrong KEK stops init with the clear message', async (t) => {
  const { clock, backend } = await pair();
  const ring = new KeyRing({ clock, ...timing, store: createFakeStore(backend, clock), kek: randomBytes(32) });
  await t.rejects(ring.init(), { message: /STS_KEY_ENCRYPTION_KEY does not decrypt the key ring in the store/ });
});

t.test('without the lease, init waits for the ring to appear, boundedly', async (t) => {
  const clock = manualClock(T0);
  const backend = createFakeBackend();
  await createFakeStore(backend, clock).acquireLease('keyring', 60_000); // another instance holds it
  const waiting = new KeyRing({ clock, ...timing, store: createFakeStore(backend, clock), kek, initAttempts: 3, initRetryDelayMs: 1 });
  await t.rejects(waiting.init(), /did not appear in the store after 3 attempts/);
  const patientStore = createFakeStore(backend, clock);
  // Resolves once init has looked for the ring a few times and found nothing.
  const lookedThrice = new Promise<void>((resolve) => {
    const read = patientStore.getKeyRing.bind(patientStore);
    let reads = 0;
    patientStore.getKeyRing = async () => {
      if (++reads === 3) resolve();
      return read();
    };
  });
  const patient = new KeyRing({ clock, ...timing, store: patientStore, kek, initAttempts: 10_000, initRetryDelayMs: 1 });
  const pending = patient.init();
  await lookedThrice;
  t.notOk(patient.ready(), 'still waiting after three looks');
  const ring = advanceRing(EMPTY_RING, T0, timing, () => generateKeyMaterial('ES256'));
  backend.record = { version: 1, blob: sealRing(ring, kek) };
  await pending;
  t.equal(patient.currentSigner().kid, ring.keys[0]?.kid);
  await patient.close();
});

t.test('a shared store needs a 32-byte KEK; a memory store keeps the ring in memory', async (t) => {
  const clock = manualClock(T0);
  const backend = createFakeBackend();
  t.throws(() => new KeyRing({ clock, store: createFakeStore(backend, clock) }), /STS_KEY_ENCRYPTION_KEY is required/);
  t.throws(() => new KeyRing({ clock, store: createFakeStore(backend, clock), kek: randomBytes(16) }), /32 bytes/);
  const memory = createFakeStore(backend, clock, 'memory');
  const ring = await createKeyRing({ clock, ...timing, store: memory as KeyRingStore });
  t.ok(ring.ready());
  t.equal(memory.puts, 0);
  t.equal(backend.record, null);
});

t.test('close releases the lease so another instance can rotate at once', async (t) => {
  const { a, b, storeB, clock } = await pair();
  await a.close();
  clock.advance(8_000);
  await b.tick();
  t.ok(storeB.puts > 0);
  t.equal(b.jwks().keys.length, 2);
});

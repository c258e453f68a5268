import t from 'tap';
import { advanceRing, generateKeyMaterial, rotateRing, type RingState } from '../../src/signing/index.js';
import { EMPTY_RING } from '../../src/signing/ring-state.js';

const timing = { rotationMs: 10_000, publishAheadMs: 2_000, maxTokenTtlMs: 5_000 };
const generate = () => generateKeyMaterial('EdDSA');
const T0 = 1_800_000_000_000;
const statuses = (ring: RingState) => ring.keys.map((k) => k.status);

t.test('an empty ring gets a key that signs at once', async (t) => {
  const ring = advanceRing(EMPTY_RING, T0, timing, generate);
  t.same(statuses(ring), ['current']);
  t.equal(ring.keys[0]?.activatedAtMs, T0);
  t.equal(advanceRing(ring, T0 + 7_999, timing, generate), ring, 'nothing due: same object');
});

t.test('next at activation + rotation - publishAhead; promoted at activation + rotation', async (t) => {
  const first = advanceRing(EMPTY_RING, T0, timing, generate);
  const withNext = advanceRing(first, T0 + 8_000, timing, generate);
  t.same(statuses(withNext), ['current', 'next']);
  t.equal(withNext.keys[1]?.publishedAtMs, T0 + 8_000);
  t.equal(advanceRing(withNext, T0 + 9_999, timing, generate), withNext);
  const rotated = advanceRing(withNext, T0 + 10_000, timing, generate);
  t.same(statuses(rotated), ['retired', 'current']);
  t.equal(rotated.keys[1]?.kid, withNext.keys[1]?.kid);
  t.equal(rotated.rotations, 1);
  t.ok(rotated.generation > withNext.generation, 'each change bumps the generation');
});

t.test('a next key generated late still waits its full publish-ahead window', async (t) => {
  const first = advanceRing(EMPTY_RING, T0, timing, generate);
  const late = advanceRing(first, T0 + 30_000, timing, generate); // ticks missed: next only now
  t.same(statuses(late), ['current', 'next']);
  t.equal(advanceRing(late, T0 + 31_999, timing, generate), late, 'not yet: published < publishAhead');
  t.same(statuses(advanceRing(late, T0 + 32_000, timing, generate)), ['retired', 'current']);
});

t.test('a retired key is removed at retiredAt + maxTokenTtl + 60 s', async (t) => {
  let ring = advanceRing(EMPTY_RING, T0, timing, generate);
  ring = advanceRing(advanceRing(ring, T0 + 8_000, timing, generate), T0 + 10_000, timing, generate);
  const removeAt = T0 + 10_000 + 5_000 + 60_000;
  const before = advanceRing(ring, removeAt - 1, timing, generate);
  t.ok(before.keys.some((k) => k.status === 'retired'));
  const after = advanceRing(before, removeAt, timing, generate);
  t.notOk(after.keys.some((k) => k.status === 'retired'));
});

t.test('manual rotation promotes a published next key, else activates a fresh one', async (t) => {
  const first = advanceRing(EMPTY_RING, T0, timing, generate);
  const fresh = rotateRing(first, T0 + 1_000, timing, generate);
  t.same(statuses(fresh.state), ['retired', 'current']);
  t.equal(fresh.retiredKid, first.keys[0]?.kid);
  t.not(fresh.activatedKid, first.keys[0]?.kid);
  const withNext = advanceRing(first, T0 + 8_000, timing, generate);
  const promoted = rotateRing(withNext, T0 + 8_500, timing, generate);
  t.equal(promoted.activatedKid, withNext.keys[1]?.kid);
});

t.test('compromised rotation pulls the current key and the unused next key, keeps retired ones', async (t) => {
  let ring = advanceRing(EMPTY_RING, T0, timing, generate);
  ring = advanceRing(advanceRing(ring, T0 + 8_000, timing, generate), T0 + 10_000, timing, generate);
  ring = advanceRing(ring, T0 + 18_000, timing, generate); // retired, current, next
  const [retired, current, next] = ring.keys;
  const result = rotateRing(ring, T0 + 18_500, timing, generate, { compromised: true });
  t.equal(result.compromisedKid, current?.kid);
  const kids = result.state.keys.map((k) => k.kid);
  t.ok(kids.includes(retired!.kid));
  t.notOk(kids.includes(current!.kid));
  t.notOk(kids.includes(next!.kid));
  t.same(statuses(result.state), ['retired', 'current']);
  t.same(result.state.compromised, [{ kid: current!.kid, compromisedAtMs: T0 + 18_500, untilMs: T0 + 18_500 + 65_000 }]);
  const later = advanceRing(result.state, T0 + 18_500 + 65_000, timing, generate);
  t.same(later.compromised, [], 'forgotten once every token it signed has expired');
});

import type { KeyMaterial } from './algorithms.js';
import { afterSigningMs, findKey, type RingKey, type RingState, type RingTiming } from './ring-state.js';

type GenerateKey = () => KeyMaterial;

/**
 * Pure rotation schedule: the ring as it should be at `nowMs`. Returns the same object
 * when nothing is due. Key generation is the only effect, injected as `generate`.
 */
export function advanceRing(state: RingState, nowMs: number, timing: RingTiming, generate: GenerateKey): RingState {
  let ring = state;
  for (let i = 0; i < 4; i++) {
    const next = step(ring, nowMs, timing, generate);
    if (next === ring) break;
    ring = next;
  }
  return ring;
}

function step(ring: RingState, nowMs: number, timing: RingTiming, generate: GenerateKey): RingState {
  const keys = ring.keys.filter((k) => !(k.status === 'retired' && nowMs >= (k.retiredAtMs ?? 0) + afterSigningMs(timing)));
  const compromised = ring.compromised.filter((c) => nowMs < c.untilMs);
  if (keys.length !== ring.keys.length || compromised.length !== ring.compromised.length) {
    return bump({ ...ring, keys, compromised });
  }
  const current = findKey(ring, 'current');
  const next = findKey(ring, 'next');
  const nextIsPublishedLongEnough = next !== undefined && nowMs - next.publishedAtMs >= timing.publishAheadMs;
  if (!current) {
    if (nextIsPublishedLongEnough) return promote(ring, nowMs);
    // Nothing signs and nothing is pending (an empty ring): the first key signs at once.
    if (!next) return bump({ ...ring, keys: [...ring.keys, fresh(generate(), nowMs, 'current')] });
    return ring;
  }
  const rotateAtMs = (current.activatedAtMs ?? current.publishedAtMs) + timing.rotationMs;
  if (!next && nowMs >= rotateAtMs - timing.publishAheadMs) {
    return bump({ ...ring, keys: [...ring.keys, fresh(generate(), nowMs, 'next')] });
  }
  // A next key generated late (ticks missed) still waits its full publish-ahead window.
  if (nowMs >= rotateAtMs && nextIsPublishedLongEnough) return promote(ring, nowMs);
  return ring;
}

interface RotationResult {
  state: RingState;
  activatedKid: string;
  retiredKid: string | null;
  compromisedKid: string | null;
}

/**
 * Operator rotation (`POST /admin/keys/rotate`). Without `compromised`, the `next` key (published
 * for a while, however short) is promoted, else a fresh key signs at once: the operator asked
 * for now, and the old key stays published, so only verifiers holding a JWKS cached before
 * this instant miss the new kid until they refetch (jose's remote JWKS refetches on an
 * unknown kid). With `compromised`, the current key leaves the JWKS at once and is
 * remembered so every token it signed counts as revoked; the unused `next` key is discarded
 * too (it was stored beside the leaked one); a fresh key signs at once. Retired keys stay:
 * they verify live tokens issued before the compromise.
 */
export function rotateRing(
  state: RingState, nowMs: number, timing: RingTiming, generate: GenerateKey, options: { compromised?: boolean } = {},
): RotationResult {
  const current = findKey(state, 'current');
  const next = findKey(state, 'next');
  if (options.compromised) {
    const key = fresh(generate(), nowMs, 'current');
    const kept = state.keys.filter((k) => k.status === 'retired');
    const compromised = current
      ? [...state.compromised, { kid: current.kid, compromisedAtMs: nowMs, untilMs: nowMs + afterSigningMs(timing) }]
      : state.compromised;
    const ring = bump({ ...state, rotations: state.rotations + 1, keys: [...kept, key], compromised });
    return { state: ring, activatedKid: key.kid, retiredKid: null, compromisedKid: current?.kid ?? null };
  }
  if (next) {
    return { state: promote(state, nowMs), activatedKid: next.kid, retiredKid: current?.kid ?? null, compromisedKid: null };
  }
  const key = fresh(generate(), nowMs, 'next');
  return {
    state: promote({ ...state, keys: [...state.keys, key] }, nowMs),
    activatedKid: key.kid, retiredKid: current?.kid ?? null, compromisedKid: null,
  };
}

function promote(ring: RingState, nowMs: number): RingState {
  const hadCurrent = ring.keys.some((k) => k.status === 'current');
  const keys = ring.keys.map((k): RingKey => {
    if (k.status === 'current') return { ...k, status: 'retired', retiredAtMs: nowMs };
    if (k.status === 'next') return { ...k, status: 'current', activatedAtMs: nowMs };
    return k;
  });
  return bump({ ...ring, keys, rotations: ring.rotations + (hadCurrent ? 1 : 0) });
}

function fresh(material: KeyMaterial, nowMs: number, status: 'current' | 'next'): RingKey {
  return {
    ...material, status, publishedAtMs: nowMs,
    activatedAtMs: status === 'current' ? nowMs : null, retiredAtMs: null,
  };
}

function bump(ring: RingState): RingState {
  return { ...ring, generation: ring.generation + 1 };
}

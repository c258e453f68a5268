import type { RingState } from './ring-state.js';

interface RingChange {
  event: 'key_published' | 'key_activated' | 'key_retired' | 'key_removed' | 'key_compromised';
  kid: string;
}

/** What changed between two rings, for the log (kids are public thumbprints; no key material). */
export function describeRingChanges(before: RingState, after: RingState): RingChange[] {
  const was = new Map(before.keys.map((k) => [k.kid, k.status]));
  const is = new Map(after.keys.map((k) => [k.kid, k.status]));
  const compromisedBefore = new Set(before.compromised.map((c) => c.kid));
  const changes: RingChange[] = [];
  for (const [kid, status] of is) {
    const old = was.get(kid);
    if (old === status) continue;
    if (status === 'next' || (old === undefined && status !== 'current')) changes.push({ event: 'key_published', kid });
    if (status === 'current') changes.push({ event: 'key_activated', kid });
    if (status === 'retired') changes.push({ event: 'key_retired', kid });
  }
  for (const c of after.compromised) {
    if (!compromisedBefore.has(c.kid)) changes.push({ event: 'key_compromised', kid: c.kid });
  }
  for (const kid of was.keys()) {
    if (!is.has(kid) && !after.compromised.some((c) => c.kid === kid)) changes.push({ event: 'key_removed', kid });
  }
  return changes;
}

/**
 * How two copies of one agent's control state combine, whichever instance or file they come
 * from (pure). Each copy carries the version of its last suspension or resumption: the store
 * epoch it was written in, then a per-agent sequence. The newer version's suspension state
 * wins; revoke-before keeps the latest instant. Absence never erases anything: a store that
 * lost its data cannot lift a suspension by forgetting it, while a resumption made after the
 * loss (a newer epoch) still wins over the suspension it lifts.
 */
import type { ControlRecord, ControlVersion } from './types.js';

export function emptyControl(agentId: string): ControlRecord {
  return { agentId, suspended: null, revokedBeforeMs: null, version: null };
}

export function compareVersions(a: ControlVersion | null, b: ControlVersion | null): number {
  if (a === null || b === null) return (a === null ? 0 : 1) - (b === null ? 0 : 1);
  return a.epochMs - b.epochMs || a.seq - b.seq;
}

export function mergeControl(a: ControlRecord, b: ControlRecord): ControlRecord {
  const newer = compareVersions(b.version, a.version) > 0 ? b : a;
  return {
    agentId: a.agentId,
    suspended: newer.suspended,
    revokedBeforeMs: latest(a.revokedBeforeMs, b.revokedBeforeMs),
    version: newer.version,
  };
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

import type { KeyMaterial } from './algorithms.js';

/**
 * `next`: published, not yet signing. `current`: signing. `retired`: published until every
 * token it signed has expired. A removed key is simply absent.
 */
export type KeyStatus = 'next' | 'current' | 'retired';

export interface RingKey extends KeyMaterial {
  status: KeyStatus;
  publishedAtMs: number;
  activatedAtMs: number | null;
  retiredAtMs: number | null;
}

/** A key pulled at once; remembered until every token it signed has expired. */
export interface CompromisedKey {
  kid: string;
  compromisedAtMs: number;
  untilMs: number;
}

/** Plain data: what is persisted (encrypted) and what every instance serves. */
export interface RingState {
  /** Bumped on every change; a ring read from the store with a lower one is a rollback. */
  generation: number;
  rotations: number;
  keys: readonly RingKey[];
  compromised: readonly CompromisedKey[];
}

export interface RingTiming {
  rotationMs: number;
  publishAheadMs: number;
  maxTokenTtlMs: number;
}

/** Allowed clock difference between broker instances and verifiers. */
export const CLOCK_SKEW_MS = 60_000;

export const EMPTY_RING: RingState = Object.freeze({ generation: 0, rotations: 0, keys: [], compromised: [] });

export function findKey(state: RingState, status: KeyStatus): RingKey | undefined {
  return state.keys.find((key) => key.status === status);
}

/** How long a key stays published (retired) or remembered (compromised) after it stopped signing. */
export function afterSigningMs(timing: RingTiming): number {
  return timing.maxTokenTtlMs + CLOCK_SKEW_MS;
}

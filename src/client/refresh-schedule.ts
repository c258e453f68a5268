/**
 * When a cached token is renewed. Well before expiry (a fifth of its life ahead), with a
 * random spread over another tenth so that many agents started together do not all come back
 * at the same instant. Pure: the caller supplies the clock readings and the random draw.
 */

export const REFRESH_AHEAD_FRACTION = 0.2;
export const REFRESH_JITTER_FRACTION = 0.1;
/** A token closer to expiry than this is not handed out, even when a refresh failed. */
const MIN_REMAINING_MS = 5_000;

/** `random` in [0, 1). */
export function refreshAtMs(obtainedAtMs: number, expiresAtMs: number, random: number): number {
  const lifetime = Math.max(0, expiresAtMs - obtainedAtMs);
  const ahead = lifetime * (REFRESH_AHEAD_FRACTION + REFRESH_JITTER_FRACTION * random);
  return Math.max(obtainedAtMs, expiresAtMs - ahead);
}

export function stillUsable(expiresAtMs: number, nowMs: number): boolean {
  return nowMs < expiresAtMs - MIN_REMAINING_MS;
}

/** After a failed renewal that left a usable token: when to try again (soon, but not per call). */
export function retryRenewalAtMs(expiresAtMs: number, nowMs: number): number {
  return nowMs + Math.max(0, Math.min(10_000, (expiresAtMs - MIN_REMAINING_MS - nowMs) / 4));
}

/**
 * Single use of DPoP proofs (RFC 9449 §11.1): each proof's `jti` is claimed once for as long as
 * the proof could be accepted. In memory by default, bounded; or any shared store with an
 * atomic claim (agent-sts's Store, a Redis `SET NX PX`), so that a proof used at one instance
 * of the API is refused at every other.
 */

export interface ReplayGuard {
  /** True the first time `key` is claimed within `ttlMs`, false after; throws when it cannot tell. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

export const DEFAULT_REPLAY_CACHE_SIZE = 100_000;

/**
 * Every key lives the same ttl from its claim, so the map's insertion order is expiry order and
 * the expired ones are always at its front. When it is full of live proofs it refuses to answer
 * (the caller fails closed) rather than forget one that could then be replayed.
 */
export function memoryReplayCache(maxEntries: number, now: () => number): ReplayGuard {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('dpop.replayCacheSize must be a whole number >= 1');
  const expiries = new Map<string, number>();
  const dropExpired = (nowMs: number) => {
    for (const [key, expiresAtMs] of expiries) {
      if (expiresAtMs > nowMs) return;
      expiries.delete(key);
    }
  };
  return {
    async claimOnce(key, ttlMs) {
      const nowMs = now();
      dropExpired(nowMs);
      const held = expiries.get(key);
      if (held !== undefined && held > nowMs) return false;
      if (expiries.size >= maxEntries) throw new Error('the DPoP replay cache is full');
      expiries.delete(key);
      expiries.set(key, nowMs + ttlMs);
      return true;
    },
  };
}

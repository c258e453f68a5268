/**
 * The per-address budget of the token endpoint (STS_RATE_LIMIT_ADDRESS). Every request is
 * first counted in this process, before its body is read: the first line against a flood,
 * with no store round trip. The count shared by every instance lives in the store, and each
 * request is counted there once: a token request in the same round trip as its mint check
 * (no round trip of its own), one refused before that check in a round trip of its own. The
 * request that goes over the shared budget gets 429, and the shared count this process learns
 * blocks the address here until its window ends, so the budget holds across instances.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { Clock } from '../clock.js';
import type { Rate } from '../config-values.js';
import type { WindowCount } from '../store/types.js';

interface Window {
  count: number;
  endsAtMs: number;
  /** The shared count said the address is over its budget until this instant. */
  blockedUntilMs: number;
}

export interface AddressVerdict {
  allowed: boolean;
  retryAfterS: number;
}

export interface AddressLimiterOptions {
  rate: Rate;
  clock: Clock;
  /** Distinct addresses tracked at once (default 100 000): the oldest windows go first. */
  maxAddresses?: number;
  /** Adds requests to the shared counts (the store); absent, the budget is this process's alone. */
  share?: (hits: ReadonlyMap<string, number>, windowMs: number) => Promise<Map<string, WindowCount>>;
  onShareError?: (error: unknown) => void;
}

export interface AddressLimiter {
  readonly rate: Rate;
  /** The address's key: IPv6 clients by /64 (one subscriber), IPv4-mapped addresses as IPv4. */
  keyOf(address: string): string;
  /** Counts a request in this process; false when the address is over its budget here or, as last seen, anywhere. */
  admit(key: string): AddressVerdict;
  /** What the store counted for the address across instances. */
  learn(key: string, shared: WindowCount): AddressVerdict;
  /**
   * A request refused before the mint check, counted in the shared budget in a round trip of
   * its own. Resolves with the verdict after it (an unreachable store leaves it allowed: the
   * request is refused anyway).
   */
  countRefused(key: string): Promise<AddressVerdict>;
}

export function createAddressLimiter(o: AddressLimiterOptions): AddressLimiter {
  const { rate, clock } = o;
  const max = o.maxAddresses ?? 100_000;
  const windows = new Map<string, Window>();

  const windowOf = (key: string, nowMs: number): Window => {
    let w = windows.get(key);
    if (w && w.endsAtMs <= nowMs && w.blockedUntilMs <= nowMs) {
      windows.delete(key);
      w = undefined;
    }
    if (!w) {
      if (windows.size >= max) windows.delete(windows.keys().next().value as string);
      w = { count: 0, endsAtMs: nowMs + rate.windowMs, blockedUntilMs: 0 };
      windows.set(key, w);
    }
    return w;
  };
  const verdict = (w: Window, nowMs: number): AddressVerdict => {
    const blocked = w.blockedUntilMs > nowMs || w.count > rate.max;
    const until = Math.max(w.blockedUntilMs, w.count > rate.max ? w.endsAtMs : 0);
    return { allowed: !blocked, retryAfterS: blocked ? Math.max(1, Math.ceil((until - nowMs) / 1000)) : 0 };
  };
  const learn = (key: string, shared: WindowCount): AddressVerdict => {
    const nowMs = clock();
    const w = windowOf(key, nowMs);
    if (shared.count > rate.max) w.blockedUntilMs = Math.max(w.blockedUntilMs, nowMs + shared.resetInMs);
    return verdict(w, nowMs);
  };
  return {
    rate,
    keyOf: (address) => normalizeIP(address, 64),
    admit(key) {
      const nowMs = clock();
      const w = windowOf(key, nowMs);
      w.count += 1;
      return verdict(w, nowMs);
    },
    learn,
    async countRefused(key) {
      if (!o.share) return { allowed: true, retryAfterS: 0 };
      try {
        const shared = (await o.share(new Map([[key, 1]]), rate.windowMs)).get(key);
        if (shared) return learn(key, shared);
      } catch (error) {
        o.onShareError?.(error);
      }
      return { allowed: true, retryAfterS: 0 };
    },
  };
}

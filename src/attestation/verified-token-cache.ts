/**
 * Reusable (not single-use) issuer tokens verified once are not verified again while
 * valid (issue 5). Keyed by the token's SHA-256; an entry records the policy version it
 * was matched under and the token's times, so the caller re-checks exp/nbf/max_age on
 * every hit and a reloaded policy never reuses an old match. Failures are never cached.
 */
import type { TokenTimes } from './time-checks.js';

export interface CachedVerification {
  policyVersion: string;
  agentId: string;
  issuer: string;
  subject: string;
  jti?: string;
  times: TokenTimes;
  /** Dropped after this instant (ms): the token's exp plus the clock tolerance. */
  expiresAtMs: number;
}

export interface VerifiedTokenCacheOptions {
  maxEntries?: number;
}

export class VerifiedTokenCache {
  readonly maxEntries: number;
  // A Map keeps insertion order: re-inserting on a hit makes it an LRU.
  readonly #entries = new Map<string, CachedVerification>();

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(tokenHash: string, nowMs: number): CachedVerification | undefined {
    const entry = this.#entries.get(tokenHash);
    if (!entry) return undefined;
    this.#entries.delete(tokenHash);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.#entries.set(tokenHash, entry);
    return entry;
  }

  set(tokenHash: string, entry: CachedVerification): void {
    this.#entries.delete(tokenHash);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(tokenHash, entry);
  }

  delete(tokenHash: string): void {
    this.#entries.delete(tokenHash);
  }

  clear(): void {
    this.#entries.clear();
  }
}

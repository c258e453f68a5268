/**
 * Reusable (not single-use) issuer tokens verified once are not verified again while
 * valid (issue 5). Keyed by the token's SHA-256; an entry records the policy version it
 * was matched under and the token's times, so the caller re-checks exp/nbf/max_age on
 * every hit and a reloaded policy never reuses an old match. Failures are never cached.
 */
import type { TokenTimes } from '../jws/index.js';

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

/** A full cache drops this fraction (1/n) of its entries, least recently used first. */
const EVICTION_BATCH_DIVISOR = 100;

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
    if (this.#entries.size >= this.maxEntries) this.#evictLeastRecent(Math.ceil(this.maxEntries / EVICTION_BATCH_DIVISOR));
    this.#entries.set(tokenHash, entry);
  }

  /**
   * Drops the `count` least recently used entries with one iterator. V8 leaves a deleted Map
   * slot in place until the table is rehashed and every new iterator walks past those slots,
   * so evicting one entry per insert (a fresh `keys().next()` each time) cost about 5 µs per
   * insert into a full cache of 10k unique tokens; in batches it costs about 0.2 µs.
   */
  #evictLeastRecent(count: number): void {
    let left = count;
    for (const key of this.#entries.keys()) {
      if (left-- <= 0) break;
      this.#entries.delete(key);
    }
  }

  delete(tokenHash: string): void {
    this.#entries.delete(tokenHash);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Tokens by canonical target, each with the instant it is due for renewal, and at most one
 * renewal in flight per target however many callers wait for it. Bounded: past maxEntries
 * the entry stored longest ago goes.
 */
import type { AccessToken } from './access-token.js';

interface Entry {
  token: AccessToken;
  refreshAtMs: number;
}

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<AccessToken>>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxCachedTokens must be a whole number >= 1');
  }

  /** The token while it is not yet due for renewal. */
  fresh(key: string, nowMs: number): AccessToken | undefined {
    const entry = this.entries.get(key);
    return entry && nowMs < entry.refreshAtMs ? entry.token : undefined;
  }

  /** The token held for this key, due or not (the caller checks it is still usable). */
  held(key: string): AccessToken | undefined {
    return this.entries.get(key)?.token;
  }

  store(key: string, token: AccessToken, refreshAtMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { token, refreshAtMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Forget the token, but only if it is still the one given (a newer one obtained meanwhile stays). */
  drop(key: string, token?: AccessToken): void {
    if (token === undefined || this.entries.get(key)?.token === token) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Run `obtain` unless a run for this key is already in flight; every caller gets its result. */
  singleFlight(key: string, obtain: () => Promise<AccessToken>): Promise<AccessToken> {
    const running = this.inflight.get(key);
    if (running) return running;
    const run = obtain().finally(() => this.inflight.delete(key));
    this.inflight.set(key, run);
    return run;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The broker's signing keys, through jose's remote JWKS: refetched on an unknown `kid`, but
 * not again within the cooldown (a stream of made-up kids cannot make us hammer the broker).
 * The cache is kept no longer than the broker's `Cache-Control: max-age` (measured on our
 * clock) nor than maxCacheAgeMs: the broker publishes a key before it signs for longer than
 * that max-age, so a verifier that honours it always holds the next key in time, and a key
 * withdrawn as compromised is gone from here within the max-age at the latest.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { cacheMaxAgeMs, readBody, type FetchLike } from '../discovery/index.js';

const MAX_JWKS_BYTES = 256 * 1024;

export interface BrokerKeysOptions {
  jwksUri: string;
  fetch: FetchLike;
  now: () => number;
  cooldownMs: number;
  maxCacheAgeMs: number;
  timeoutMs: number;
}

export interface BrokerKeys {
  getKey: JWTVerifyGetKey;
  /** Fetch again when the cached set is older than its allowed age (or was never fetched). */
  ensureFresh(): Promise<void>;
  /** Fetch now, whatever the cache and cooldown say. */
  refresh(): Promise<void>;
}

export function createBrokerKeys(options: BrokerKeysOptions): BrokerKeys {
  let fetchedAtMs = Number.NEGATIVE_INFINITY;
  let maxAgeMs = 0;
  // jose parses what this returns; the body is read here first so its size is bounded.
  const boundedFetch = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await options.fetch(url, init);
    const body = await readBody(response, MAX_JWKS_BYTES);
    if (response.status === 200) {
      fetchedAtMs = options.now();
      maxAgeMs = Math.min(options.maxCacheAgeMs, cacheMaxAgeMs(response.headers.get('cache-control')) ?? options.maxCacheAgeMs);
    }
    return new Response(body, { status: response.status, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' } });
  };
  const remote = createRemoteJWKSet(new URL(options.jwksUri), {
    cooldownDuration: options.cooldownMs,
    // Freshness is decided by ensureFresh on our clock and the broker's max-age, not by jose.
    cacheMaxAge: Number.POSITIVE_INFINITY,
    timeoutDuration: options.timeoutMs,
    [customFetch]: boundedFetch,
  });
  return {
    getKey: remote,
    async ensureFresh() {
      if (options.now() - fetchedAtMs >= maxAgeMs) await remote.reload();
    },
    refresh: () => remote.reload(),
  };
}

/**
 * createTokenClient: an agent's access tokens from agent-sts, cached per (audience or
 * resource, intent, scope), renewed ahead of expiry, one request in flight per target,
 * retried as the broker allows. Talks to the broker only over HTTP (RFC 8414 discovery, the
 * token endpoint); tokens, attestations and assertions never reach an error or a log line.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createDiscovery } from '../discovery/index.js';
import type { AccessToken } from './access-token.js';
import { authorizedFetch } from './authorized-fetch.js';
import { createDpopProofs } from './dpop-proofs.js';
import { fromBrokerCall, TokenClientError } from './errors.js';
import { refreshAtMs, retryRenewalAtMs, stillUsable } from './refresh-schedule.js';
import { nextDelayMs, retryPolicy } from './retry.js';
import { TokenCache } from './token-cache.js';
import { postTokenRequest, tokenForm } from './token-request.js';
import { canonicalTarget, type CanonicalTarget } from './token-target.js';
import type { TokenClientOptions, TokenTarget } from './types.js';

export interface TokenClient {
  readonly issuer: string;
  /** A token for the target: from the cache while it is not due for renewal, else a new one. */
  getToken(target: TokenTarget): Promise<AccessToken>;
  /** fetch with `Authorization: Bearer`, or `DPoP` and a proof for a bound token; renews once on a 401 invalid_token. */
  fetch(input: string | URL, init: RequestInit | undefined, target: TokenTarget): Promise<Response>;
  /** Forget the cached token for a target (the next getToken asks the broker). */
  invalidate(target: TokenTarget, token?: AccessToken): void;
  /** Forget every cached token. */
  clear(): void;
}

export function createTokenClient(options: TokenClientOptions): TokenClient {
  const discovery = createDiscovery({
    issuer: options.issuer,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const issuer = discovery.issuer;
  const policy = retryPolicy(options.retry);
  const cache = new TokenCache(options.maxCachedTokens ?? 100);
  const limits = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 10_000 };
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const log = options.logger;
  const dpop = options.dpop === false ? undefined : createDpopProofs(options.dpop?.alg ?? 'ES256', now);

  const attempt = async (target: CanonicalTarget): Promise<AccessToken> => {
    const metadata = await discovery.metadata().catch((error: unknown) => { throw fromBrokerCall(error); });
    for (let nonceRetry = false; ; nonceRetry = true) {
      // Read again for the retry: an assertion or a single-use attestation may have been spent.
      const credential = await options.attestation.read({ issuer, tokenEndpoint: metadata.token_endpoint, nowMs: now() });
      const form = tokenForm(options.attestation.presentAs, credential, target);
      try {
        return await postTokenRequest(metadata.token_endpoint, form, limits, now(), dpop);
      } catch (error) {
        // RFC 9449 §8: the broker wants its nonce in the proof, and sent it with this answer. Once.
        if (nonceRetry || !dpop || !(error instanceof TokenClientError) || error.error !== 'use_dpop_nonce') throw error;
      }
    }
  };

  const obtain = async (target: CanonicalTarget): Promise<AccessToken> => {
    for (let n = 1; ; n++) {
      try {
        const token = await attempt(target);
        log?.debug?.({ ...target.describe, scope: token.scopes.join(' '), expires_at: new Date(token.expiresAtMs).toISOString() }, 'agent-sts: token obtained');
        return token;
      } catch (error) {
        const failure = error instanceof TokenClientError ? error : fromBrokerCall(error);
        const wait = nextDelayMs(failure, n, policy, random());
        if (wait === undefined) throw failure;
        log?.warn?.({ ...target.describe, error: failure.error, status: failure.status, attempt: n, retry_in_ms: wait }, 'agent-sts: token request failed, retrying');
        await sleep(wait);
      }
    }
  };

  const renew = async (target: CanonicalTarget): Promise<AccessToken> => {
    const previous = cache.held(target.key);
    try {
      const token = await obtain(target);
      cache.store(target.key, token, refreshAtMs(token.obtainedAtMs, token.expiresAtMs, random()));
      return token;
    } catch (error) {
      const failure = error as TokenClientError;
      // The broker refused (a 4xx): the old token is not handed out again. Only when it could
      // not answer is a token that is still valid better than none.
      if (failure.retryable && previous && stillUsable(previous.expiresAtMs, now())) {
        log?.warn?.({ ...target.describe, error: failure.error, status: failure.status }, 'agent-sts: renewal failed, using the current token until it expires');
        cache.store(target.key, previous, retryRenewalAtMs(previous.expiresAtMs, now()));
        return previous;
      }
      cache.drop(target.key);
      throw failure;
    }
  };

  const getToken = async (target: TokenTarget): Promise<AccessToken> => {
    const canonical = canonicalTarget(target);
    return cache.fresh(canonical.key, now()) ?? cache.singleFlight(canonical.key, () => renew(canonical));
  };

  const invalidate = (target: TokenTarget, token?: AccessToken) => cache.drop(canonicalTarget(target).key, token);

  return {
    issuer,
    getToken,
    invalidate,
    clear: () => cache.clear(),
    fetch: (input, init, target) => authorizedFetch({ getToken, invalidate, fetch: limits.fetch, dpop }, input, init ?? {}, target),
  };
}

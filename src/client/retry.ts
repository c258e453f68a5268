/**
 * Bounded retries for calls to the broker: a 429 or 503 with Retry-After waits what the
 * broker asked (RFC 9110 §10.2.3, RFC 6585 §4), up to a cap; other 5xx answers and network
 * failures back off exponentially with jitter; any other 4xx is final at once.
 */
import type { TokenClientError } from './errors.js';
import type { RetryOptions } from './types.js';

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 10) {
    throw new TypeError('retry.maxAttempts must be a whole number from 1 to 10');
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!(policy[name] >= 0) || !Number.isFinite(policy[name])) throw new TypeError(`retry.${name} must be a finite number >= 0`);
  }
  return policy;
}

/** The wait before attempt `attempt + 1`, or undefined when there is none. `random` in [0, 1). */
export function nextDelayMs(error: TokenClientError, attempt: number, policy: RetryPolicy, random: number): number | undefined {
  if (!error.retryable || attempt >= policy.maxAttempts) return undefined;
  if (error.retryAfterMs !== undefined) return error.retryAfterMs <= policy.maxRetryAfterMs ? error.retryAfterMs : undefined;
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * random);
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from now. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d{1,7}$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

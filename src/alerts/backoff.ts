/**
 * Exponential backoff with jitter: attempt n (1-based) waits base * 2^(n-1), scaled by a
 * random factor in [0.5, 1) ("equal jitter") so many senders do not retry in step, capped.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const exp = baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(maxDelayMs, Math.round(exp * (0.5 + random() / 2)));
}

/** Which responses are worth another try: the receiver's trouble, not a refusal of the request. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

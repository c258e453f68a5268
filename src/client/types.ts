/** The public shapes of the token client. */
import type { FetchLike } from '../discovery/index.js';

/**
 * What a token is for: exactly one of `audience` (RFC 8693 §2.1) or `resource` (RFC 8707, the
 * URL of the server, as MCP clients use it), optionally the intent and a subset of its scopes.
 */
export type TokenTarget = (
  | { audience: string; resource?: undefined }
  | { resource: string; audience?: undefined }
) & {
  intent?: string;
  scope?: string | readonly string[];
};

export interface AttestationContext {
  issuer: string;
  tokenEndpoint: string;
  nowMs: number;
}

/**
 * Where the agent's proof comes from, read afresh for every token request. A platform token
 * travels as an RFC 8693 `subject_token`; an assertion the agent signs itself as an RFC 7523
 * client assertion with the client_credentials grant.
 */
export interface AttestationSource {
  readonly presentAs: 'subject_token' | 'client_assertion';
  read(context: AttestationContext): Promise<string>;
}

/** pino-compatible; the client never passes it a token, an attestation or an assertion. */
export interface ClientLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /** First backoff step (default 200 ms); doubles per attempt, half of it jittered. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error is thrown with retryAfterMs (default 30 s). */
  maxRetryAfterMs?: number;
}

export interface TokenClientOptions {
  /** The broker's issuer identifier; its endpoints are discovered (RFC 8414). */
  issuer: string;
  attestation: AttestationSource;
  retry?: RetryOptions;
  /** Per HTTP call to the broker (default 10 s). */
  timeoutMs?: number;
  /** Distinct (target, intent, scope) tokens kept (default 100; the oldest goes first). */
  maxCachedTokens?: number;
  logger?: ClientLogger;
  /**
   * DPoP (RFC 9449): the client makes one key pair in memory (ES256 by default) and sends a
   * proof with every token request, so the broker may bind the token to it; bound tokens then
   * go out with `Authorization: DPoP` and a proof per request. `false` sends no proofs: only
   * for APIs that cannot take DPoP, and tiers that do not require it.
   */
  dpop?: false | { alg?: 'ES256' | 'EdDSA' };
  fetch?: FetchLike;
  /** Injectable for tests: the clock, the source of jitter, and how to wait. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

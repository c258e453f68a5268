/**
 * Why a request's token was not accepted, in RFC 6750 §3.1 terms: `invalid_request` (400),
 * `invalid_token` (401), `insufficient_scope` (403), plus `temporarily_unavailable` (503)
 * when the broker's keys or introspection could not be reached (fail closed). `reason` is a
 * fixed word for logs and metrics; `description` is safe to send. Neither holds the token.
 */

export type VerifyErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

export type VerifyFailureReason =
  | 'no_token' | 'malformed' | 'too_large' | 'bad_signature' | 'unknown_key' | 'algorithm_not_allowed' | 'wrong_type'
  | 'wrong_issuer' | 'wrong_audience' | 'expired' | 'not_yet_valid' | 'issued_in_future' | 'bad_claims'
  | 'inactive' | 'missing_scope' | 'wrong_intent' | 'bad_request' | 'keys_unavailable' | 'introspection_unavailable'
  | 'revoked' | 'revocations_unavailable';

const STATUS: Record<VerifyErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
};

export class VerifyError extends Error {
  readonly code: VerifyErrorCode;
  readonly reason: VerifyFailureReason;
  readonly description: string;
  readonly status: number;
  /** For insufficient_scope: the scopes the call needs (RFC 6750 §3 `scope`). */
  readonly requiredScopes: readonly string[] | undefined;

  constructor(code: VerifyErrorCode, reason: VerifyFailureReason, description: string, options: { requiredScopes?: readonly string[]; cause?: unknown } = {}) {
    super(`${code}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifyError';
    this.code = code;
    this.reason = reason;
    this.description = description;
    this.status = STATUS[code];
    this.requiredScopes = options.requiredScopes;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidToken = (reason: VerifyFailureReason, description = 'the access token is not valid', cause?: unknown) =>
  new VerifyError('invalid_token', reason, description, cause === undefined ? {} : { cause });

export const unavailable = (reason: 'keys_unavailable' | 'introspection_unavailable' | 'revocations_unavailable', cause?: unknown) =>
  new VerifyError('temporarily_unavailable', reason, 'the token cannot be checked right now', cause === undefined ? {} : { cause });

/**
 * Why a request's token was not accepted, in RFC 6750 §3.1 terms: `invalid_request` (400),
 * `invalid_token` (401), `insufficient_scope` (403), plus RFC 9449 §7.1's `invalid_dpop_proof`
 * and `use_dpop_nonce` (401), and `temporarily_unavailable` (503) when the broker's keys,
 * introspection or the proof replay cache could not be reached (fail closed). `reason` is a
 * fixed word for logs and metrics; `description` is safe to send. Neither holds the token.
 */

export type VerifyErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce' | 'temporarily_unavailable';

/** The authentication scheme of the refused request (RFC 6750 Bearer, RFC 9449 DPoP). */
export type AuthScheme = 'Bearer' | 'DPoP';

export type VerifyFailureReason =
  | 'no_token' | 'malformed' | 'too_large' | 'bad_signature' | 'unknown_key' | 'algorithm_not_allowed' | 'wrong_type'
  | 'wrong_issuer' | 'wrong_audience' | 'expired' | 'not_yet_valid' | 'issued_in_future' | 'bad_claims'
  | 'inactive' | 'missing_scope' | 'wrong_intent' | 'bad_request' | 'keys_unavailable' | 'introspection_unavailable'
  /** DPoP: the proof failed a check of RFC 9449 §4.3, was used before, or is missing. */
  | 'bad_proof' | 'proof_replayed' | 'nonce_required'
  /** DPoP: the token is bound to another key, is not bound, is bound but sent as a bearer token, or this API takes only bound tokens. */
  | 'key_mismatch' | 'not_bound' | 'bound_token_as_bearer' | 'dpop_required'
  | 'replay_cache_unavailable'
  | 'revoked' | 'revocations_unavailable'
  /** A push to the revocation receiver without the authorization its stream was given. */
  | 'wrong_push_secret';

const STATUS: Record<VerifyErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  temporarily_unavailable: 503,
};

/** The JSON body of a refusal: RFC 6749 §5.2 members, or none when no credential was presented. */
export type RefusalBody = { error: VerifyErrorCode; error_description: string } | Record<string, never>;

export interface VerifyErrorOptions {
  requiredScopes?: readonly string[];
  cause?: unknown;
  scheme?: AuthScheme;
  dpopNonce?: string;
}

export class VerifyError extends Error {
  readonly code: VerifyErrorCode;
  readonly reason: VerifyFailureReason;
  readonly description: string;
  readonly status: number;
  /** For insufficient_scope: the scopes the call needs (RFC 6750 §3 `scope`). */
  readonly requiredScopes: readonly string[] | undefined;
  /** The scheme the refused request used, when it got that far: its challenge carries the error. */
  readonly scheme: AuthScheme | undefined;
  /** For use_dpop_nonce: the nonce the next proof must carry (RFC 9449 §9, the DPoP-Nonce header). */
  readonly dpopNonce: string | undefined;

  constructor(code: VerifyErrorCode, reason: VerifyFailureReason, description: string, options: VerifyErrorOptions = {}) {
    super(`${code}: ${description}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VerifyError';
    this.code = code;
    this.reason = reason;
    this.description = description;
    this.status = STATUS[code];
    this.requiredScopes = options.requiredScopes;
    this.scheme = options.scheme;
    this.dpopNonce = options.dpopNonce;
  }

  /** The same refusal, attributed to the scheme the request used. */
  inScheme(scheme: AuthScheme): VerifyError {
    if (this.scheme === scheme) return this;
    return new VerifyError(this.code, this.reason, this.description, {
      scheme,
      ...(this.requiredScopes ? { requiredScopes: this.requiredScopes } : {}),
      ...(this.cause === undefined ? {} : { cause: this.cause }),
      ...(this.dpopNonce === undefined ? {} : { dpopNonce: this.dpopNonce }),
    });
  }

  /** RFC 6750 §3.1: the request had no credential at all, so neither challenge nor body carries an error code. */
  get noCredential(): boolean {
    return this.reason === 'no_token';
  }

  /** The response body, saying what the challenge says (nothing, for a request without a credential). */
  toJSON(): RefusalBody {
    return this.noCredential ? {} : { error: this.code, error_description: this.description };
  }
}

export const invalidToken = (reason: VerifyFailureReason, description = 'the access token is not valid', cause?: unknown) =>
  new VerifyError('invalid_token', reason, description, cause === undefined ? {} : { cause });

export const invalidProof = (reason: 'bad_proof' | 'proof_replayed', description: string) =>
  new VerifyError('invalid_dpop_proof', reason, description, { scheme: 'DPoP' });

export const unavailable = (reason: 'keys_unavailable' | 'introspection_unavailable' | 'replay_cache_unavailable' | 'revocations_unavailable', cause?: unknown) =>
  new VerifyError('temporarily_unavailable', reason, 'the token cannot be checked right now', cause === undefined ? {} : { cause });

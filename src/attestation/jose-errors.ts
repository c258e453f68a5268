/** Maps what jose (or a key source) throws to an attestation failure reason. */
import type { AttestationFailureReason } from './types.js';

/** Thrown by a key resolver when a jwks_uri could not be fetched: the caller may retry later. */
export class KeysUnavailableError extends Error {
  readonly code = 'ERR_KEYS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}

const BY_CODE: Readonly<Record<string, AttestationFailureReason>> = {
  ERR_KEYS_UNAVAILABLE: 'keys_unavailable',
  ERR_JWKS_TIMEOUT: 'keys_unavailable',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'bad_signature',
  ERR_JWKS_NO_MATCHING_KEY: 'bad_signature',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'bad_signature',
  ERR_JOSE_NOT_SUPPORTED: 'bad_signature',
  ERR_JWK_INVALID: 'bad_signature',
  ERR_JWKS_INVALID: 'no_keys',
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
};

export interface MappedError {
  reason: AttestationFailureReason;
  detail: string;
  /** True when jose got as far as a verified signature (claims errors come after it). */
  signatureVerified: boolean;
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

export function mapVerifyError(error: unknown): MappedError {
  const code = String(field(error, 'code') ?? '');
  // jose messages name the check, never the token; keep them short anyway.
  const message = String(field(error, 'message') ?? 'unknown error').slice(0, 200);
  const detail = code ? `${code}: ${message}` : `unexpected: ${message}`;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const claim = field(error, 'claim');
    const timing = (claim === 'nbf' || claim === 'iat') && field(error, 'reason') === 'check_failed';
    const reason = timing ? 'not_yet_valid' : 'bad_claims';
    return { reason, detail, signatureVerified: true };
  }
  if (code === 'ERR_JWT_EXPIRED') return { reason: 'expired', detail, signatureVerified: true };
  // Anything unexpected is a refusal, never a crash; treat it as a bad token.
  return { reason: BY_CODE[code] ?? 'malformed', detail, signatureVerified: false };
}

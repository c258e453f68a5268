/**
 * The shapes of compact JWS handling: plain data in, plain data out. Every step returns a
 * failure instead of throwing; each caller maps the reason to its own vocabulary and keeps
 * `detail` for its log (it never holds a token or key material).
 */
export type JsonObject = Record<string, unknown>;

export type JwsFailureReason =
  /** Over the size bound; refused before any decoding. */
  | 'too_large'
  /** Not a compact JWS of base64url-encoded JSON objects, or no `alg`. */
  | 'malformed'
  /** A member name appears twice in the header or the payload. */
  | 'duplicate_member'
  /** A header parameter this broker never accepts (`crit`, `b64`, `zip`, `cty`). */
  | 'refused_header'
  /** `typ` outside the caller's allow-list. */
  | 'wrong_typ'
  | 'alg_not_allowed'
  /** No configured key fits the header (`kid`, `alg`). */
  | 'no_matching_key'
  | 'bad_signature'
  /** The key set could not be fetched: the caller may answer "retry later". */
  | 'keys_unavailable'
  /** The configured key set is unusable. */
  | 'no_keys'
  | 'bad_claims'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old';

export interface JwsFailure {
  ok: false;
  reason: JwsFailureReason;
  detail: string;
  /** With claim failures: the registered claim that failed. */
  claim?: string;
}

/** A compact JWS split and decoded; nothing in it is verified yet. */
export interface DecodedJws {
  ok: true;
  header: JsonObject & { alg: string };
  payload: JsonObject;
  /** The first two segments exactly as sent: what the signature covers (RFC 7515 §5.2). */
  signingInput: string;
  /** The third segment, still base64url-encoded. */
  signature: string;
}

export function jwsFailure(reason: JwsFailureReason, detail: string, claim?: string): JwsFailure {
  return claim === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, claim };
}

/** Compact tokens over this size are refused before any decoding. */
export const MAX_JWS_BYTES = 16_384;

/** Clock skew accepted on exp, nbf and iat of tokens from other parties. */
export const CLOCK_TOLERANCE_MS = 60_000;

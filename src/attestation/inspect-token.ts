/**
 * The checks made before any key is touched: size, compact shape, and explicit typing.
 * The decoded header and payload are UNVERIFIED: they only select an issuer or key.
 */
import { MAX_TOKEN_BYTES, type AttestationFailure } from './types.js';

export type JsonObject = Record<string, unknown>;

export interface InspectedToken {
  ok: true;
  header: JsonObject;
  payload: JsonObject;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(reason: AttestationFailure['reason'], detail: string): AttestationFailure {
  return { ok: false, reason, detail };
}

function decodeSegment(segment: string): JsonObject | null {
  // RFC 7515 §2: base64url without padding; a length of 1 mod 4 is never valid.
  if (segment.length === 0 || !B64URL.test(segment) || segment.length % 4 === 1) return null;
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

/** RFC 8725 §3.11 / RFC 9068 §4: `at+jwt` marks an access token minted by a broker like this one. */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const t = typ.toLowerCase();
  return t === 'at+jwt' || t === 'application/at+jwt';
}

export function inspectToken(token: unknown, stsIssuer: string): InspectedToken | AttestationFailure {
  if (typeof token !== 'string' || token.length === 0) return fail('malformed', 'token is not a non-empty string');
  // Check the cheap length first so a huge string is never scanned for its byte length.
  if (token.length > MAX_TOKEN_BYTES || Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) {
    return fail('too_large', `token exceeds ${MAX_TOKEN_BYTES} bytes`);
  }
  const segments = token.split('.');
  if (segments.length !== 3) return fail('malformed', `compact JWS needs 3 segments, got ${segments.length}`);
  const [h, p, s] = segments as [string, string, string];
  // An empty signature (alg none) is left to jose, which refuses the algorithm.
  if (!B64URL.test(s) || s.length % 4 === 1) return fail('malformed', 'signature is not base64url');
  const header = decodeSegment(h);
  if (!header) return fail('malformed', 'header is not base64url-encoded JSON object');
  const payload = decodeSegment(p);
  if (!payload) return fail('malformed', 'payload is not base64url-encoded JSON object');
  if (typeof header.alg !== 'string') return fail('malformed', 'header has no alg');
  if (isAccessTokenType(header.typ)) return fail('broker_token', 'typ at+jwt: an access token is not an attestation');
  if (payload.iss === stsIssuer) return fail('broker_token', "iss is the broker's own issuer");
  return { ok: true, header, payload };
}

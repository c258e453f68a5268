/**
 * Compact JWS decoding (RFC 7515 §7.1) with every structural check made before a key is
 * touched: size, three base64url segments, UTF-8 JSON objects without duplicate member
 * names, an `alg`, and none of the header parameters this broker refuses. Each token is
 * decoded once; the result is UNVERIFIED and may only select an issuer or a key.
 */
import { findDuplicateMember } from './duplicate-members.js';
import { jwsFailure, MAX_JWS_BYTES, type DecodedJws, type JsonObject, type JwsFailure } from './types.js';

const B64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Header parameters refused whatever the token: `crit` names extensions (RFC 7515 §4.1.11)
 * and none is understood here; `b64: false` (RFC 7797 §3) changes what the signature covers;
 * `zip` compresses content (RFC 7516 §4.1.3, meaningless in a JWS, a decompression risk);
 * `cty` announces nested or non-JWT content (RFC 7515 §4.1.10, RFC 7519 §5.2) where only a
 * JWT claims set is read.
 */
const REFUSED_HEADER_PARAMETERS = ['crit', 'b64', 'zip', 'cty'] as const;

type Segment = { ok: true; value: JsonObject } | JwsFailure;

function isBase64url(segment: string): boolean {
  // RFC 7515 §2: base64url without padding; a length of 1 mod 4 is never valid.
  return B64URL.test(segment) && segment.length % 4 !== 1;
}

function decodeSegment(segment: string, name: 'header' | 'payload'): Segment {
  if (segment.length === 0 || !isBase64url(segment)) return jwsFailure('malformed', `${name} is not base64url`);
  let text: string;
  let value: unknown;
  try {
    // RFC 8725 §3.7: UTF-8 only; invalid sequences are refused, not replaced.
    text = utf8.decode(Buffer.from(segment, 'base64url'));
    value = JSON.parse(text);
  } catch {
    return jwsFailure('malformed', `${name} is not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return jwsFailure('malformed', `${name} is not a JSON object`);
  const duplicate = findDuplicateMember(text, value);
  if (duplicate !== undefined) return jwsFailure('duplicate_member', `${name} repeats the member name ${JSON.stringify(duplicate.slice(0, 64))}`);
  return { ok: true, value: value as JsonObject };
}

function hasAlg(header: JsonObject): header is JsonObject & { alg: string } {
  return typeof header.alg === 'string' && header.alg.length > 0;
}

function refusedParameter(header: JsonObject): string | undefined {
  return REFUSED_HEADER_PARAMETERS.find((name) => header[name] !== undefined);
}

export function decodeJws(token: unknown, maxBytes: number = MAX_JWS_BYTES): DecodedJws | JwsFailure {
  if (typeof token !== 'string' || token.length === 0) return jwsFailure('malformed', 'token is not a non-empty string');
  // The cheap length first, so a huge string is never scanned for its byte length.
  if (token.length > maxBytes || Buffer.byteLength(token, 'utf8') > maxBytes) return jwsFailure('too_large', `token exceeds ${maxBytes} bytes`);
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot < 0 || firstDot === lastDot || token.indexOf('.', firstDot + 1) !== lastDot) {
    return jwsFailure('malformed', 'a compact JWS has exactly 3 segments');
  }
  const signature = token.slice(lastDot + 1);
  // An empty signature (an unsecured JWS, alg none) is left to the algorithm allow-list.
  if (!isBase64url(signature)) return jwsFailure('malformed', 'signature is not base64url');
  const header = decodeSegment(token.slice(0, firstDot), 'header');
  if (!header.ok) return header;
  if (!hasAlg(header.value)) return jwsFailure('malformed', 'header has no alg');
  const refused = refusedParameter(header.value);
  if (refused !== undefined) return jwsFailure('refused_header', `header parameter "${refused}" is not accepted`);
  const payload = decodeSegment(token.slice(firstDot + 1, lastDot), 'payload');
  if (!payload.ok) return payload;
  return { ok: true, header: header.value, payload: payload.value, signingInput: token.slice(0, lastDot), signature };
}

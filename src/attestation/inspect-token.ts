/**
 * The checks made on any attestation before a key is touched: the JWS structure (decoded
 * once, see jws/decode) and the guard against this broker's own tokens. The decoded header
 * and payload are UNVERIFIED: they only select an issuer or key.
 */
import { decodeJws, isMediaType, type DecodedJws, type JwsFailure } from '../jws/index.js';
import { failure, jwsRefused } from './result.js';
import type { AttestationFailure } from './types.js';

export type InspectedToken = DecodedJws;

/** RFC 8725 §3.11 / RFC 9068 §2.1: `at+jwt` marks an access token minted by a broker like this one. */
export function isAccessTokenType(typ: unknown): boolean {
  return isMediaType(typ, 'at+jwt');
}

/** `decoded`: the token already decoded by a caller that had to read its `iss` first (decoded once per request). */
export function inspectToken(token: unknown, stsIssuer: string, decoded: DecodedJws | JwsFailure = decodeJws(token)): InspectedToken | AttestationFailure {
  if (!decoded.ok) return jwsRefused(decoded);
  if (isAccessTokenType(decoded.header.typ)) return failure('broker_token', 'typ at+jwt: an access token is not an attestation');
  if (decoded.payload.iss === stsIssuer) return failure('broker_token', "iss is the broker's own issuer");
  return decoded;
}

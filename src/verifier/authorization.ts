/**
 * The access token from the `Authorization` header, the only place it is accepted (RFC 6750
 * §2.1: tokens stay out of URLs and logged bodies): `Bearer <token>` (RFC 6750) or
 * `DPoP <token>` (RFC 9449 §7.1). Scheme names are case-insensitive (RFC 9110 §11.1).
 */
import { VerifyError, type AuthScheme } from './errors.js';
import { MAX_TOKEN_BYTES } from './verify-jwt.js';

export interface PresentedToken {
  scheme: AuthScheme;
  token: string;
}

/** RFC 9110 §11.2 token68. */
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The scheme and token, or undefined when the request carries no credentials at all (RFC 6750
 * §3.1: then the challenge has no error code). A malformed header, another scheme, or two
 * Authorization headers (which one would count?) are invalid_request.
 */
export function presentedToken(authorization: string | readonly string[] | undefined): PresentedToken | undefined {
  if (Array.isArray(authorization)) {
    if (authorization.length > 1) throw new VerifyError('invalid_request', 'bad_request', 'send one Authorization header');
    return presentedToken(authorization[0]);
  }
  const header = authorization as string | undefined;
  if (header === undefined || header === '') return undefined;
  if (header.length > MAX_TOKEN_BYTES + 16) throw new VerifyError('invalid_request', 'too_large', 'the Authorization header is too large');
  const match = CREDENTIALS.exec(header);
  if (!match) throw new VerifyError('invalid_request', 'bad_request', 'use Authorization: Bearer <token> or DPoP <token>');
  return { scheme: (match[1] as string).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] as string };
}

/** The bearer token of an `Authorization: Bearer` header; any other scheme is invalid_request. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const presented = presentedToken(authorization);
  if (presented && presented.scheme !== 'Bearer') throw new VerifyError('invalid_request', 'bad_request', 'use Authorization: Bearer <token>');
  return presented?.token;
}

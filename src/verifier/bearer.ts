/**
 * The HTTP side of RFC 6750 for any framework: the token from `Authorization: Bearer`
 * (§2.1; the only method accepted, so tokens stay out of URLs and logs of bodies), and the
 * `WWW-Authenticate` challenge for a refusal (§3), with RFC 9728's `resource_metadata`.
 */
import { VerifyError } from './errors.js';
import { MAX_TOKEN_BYTES } from './verify-jwt.js';

/**
 * The bearer token, or undefined when the request carries no credentials at all (§3.1: then
 * the challenge has no error code). A malformed header is invalid_request.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization === '') return undefined;
  if (authorization.length > MAX_TOKEN_BYTES + 16) throw new VerifyError('invalid_request', 'too_large', 'the Authorization header is too large');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) throw new VerifyError('invalid_request', 'bad_request', 'use Authorization: Bearer <token>');
  return match[1] as string;
}

export interface ChallengeOptions {
  realm?: string;
  /** RFC 9728 §5.1: where a client finds this resource's metadata. */
  resourceMetadata?: string;
}

/** `Bearer realm="...", error="...", error_description="...", scope="...", resource_metadata="..."`. */
export function bearerChallenge(error: VerifyError | undefined, options: ChallengeOptions = {}): string {
  const params: Array<[string, string]> = [];
  if (options.realm !== undefined) params.push(['realm', options.realm]);
  // §3.1: a request without credentials gets no error code; 503 is not a challenge at all.
  if (error && error.reason !== 'no_token' && error.code !== 'temporarily_unavailable') {
    params.push(['error', error.code], ['error_description', error.description]);
    if (error.code === 'insufficient_scope' && error.requiredScopes?.length) params.push(['scope', error.requiredScopes.join(' ')]);
  }
  if (options.resourceMetadata !== undefined) params.push(['resource_metadata', options.resourceMetadata]);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.map(([name, value]) => `${name}="${quoted(value)}"`).join(', ')}`;
}

/** RFC 9110 §5.6.4 quoted-string: backslash-escape `"` and `\`, drop what is not printable. */
function quoted(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, (c) => `\\${c}`);
}

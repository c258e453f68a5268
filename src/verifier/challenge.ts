/**
 * The `WWW-Authenticate` challenges of a refusal: RFC 6750 §3 `Bearer`, RFC 9449 §7.1 `DPoP`
 * (with `algs`, the proof algorithms accepted), or both when the API accepts both schemes
 * (RFC 9449 §7.2), each with RFC 9728's `resource_metadata`. The error goes on the challenge
 * of the scheme the refused request used; the other challenge says only that it is accepted.
 */
import type { AuthScheme, VerifyError } from './errors.js';

export interface ChallengeOptions {
  realm?: string;
  /** RFC 9728 §5.1: where a client finds this resource's metadata. */
  resourceMetadata?: string;
}

export interface AcceptedSchemes {
  bearer: boolean;
  /** The DPoP proof algorithms accepted; empty when DPoP is not. */
  dpopAlgorithms: readonly string[];
}

/** `Bearer realm="...", error="...", error_description="...", scope="...", resource_metadata="..."`. */
export function bearerChallenge(error: VerifyError | undefined, options: ChallengeOptions = {}): string {
  return challenge('Bearer', error, options, []);
}

/** `DPoP realm="...", error="...", error_description="...", scope="...", algs="...", resource_metadata="..."`. */
export function dpopChallenge(error: VerifyError | undefined, options: ChallengeOptions & { algorithms: readonly string[] }): string {
  return challenge('DPoP', error, options, options.algorithms.length > 0 ? [['algs', options.algorithms.join(' ')]] : []);
}

/** Every challenge the API offers, in one header value (RFC 9110 §11.6.1 allows a list). */
export function authenticateChallenges(error: VerifyError | undefined, accepted: AcceptedSchemes, options: ChallengeOptions = {}): string {
  const dpop = accepted.dpopAlgorithms.length > 0;
  // An error about a scheme not offered (a bearer token where only DPoP is accepted) goes on every challenge.
  const offered = (scheme: AuthScheme | undefined) => scheme === 'Bearer' ? accepted.bearer : scheme === 'DPoP' ? dpop : false;
  const errorFor = (scheme: AuthScheme) => (error && (error.scheme === scheme || !offered(error.scheme)) ? error : undefined);
  const challenges: string[] = [];
  if (accepted.bearer) challenges.push(bearerChallenge(errorFor('Bearer'), options));
  if (dpop) challenges.push(dpopChallenge(errorFor('DPoP'), { ...options, algorithms: accepted.dpopAlgorithms }));
  return challenges.join(', ');
}

function challenge(scheme: AuthScheme, error: VerifyError | undefined, options: ChallengeOptions, extra: Array<[string, string]>): string {
  const params: Array<[string, string]> = [];
  if (options.realm !== undefined) params.push(['realm', options.realm]);
  // RFC 6750 §3.1: a request without credentials gets no error code; 503 is not a challenge at all.
  if (error && !error.noCredential && error.code !== 'temporarily_unavailable') {
    params.push(['error', error.code], ['error_description', error.description]);
    if (error.code === 'insufficient_scope' && error.requiredScopes?.length) params.push(['scope', error.requiredScopes.join(' ')]);
  }
  params.push(...extra);
  if (options.resourceMetadata !== undefined) params.push(['resource_metadata', options.resourceMetadata]);
  return params.length === 0 ? scheme : `${scheme} ${params.map(([name, value]) => `${name}="${quoted(value)}"`).join(', ')}`;
}

/** RFC 9110 §5.6.4 quoted-string: backslash-escape `"` and `\`, drop what is not printable. */
function quoted(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, (c) => `\\${c}`);
}

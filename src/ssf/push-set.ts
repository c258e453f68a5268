/**
 * One RFC 8935 delivery: POST the SET as `application/secevent+jwt` with the receiver's
 * authorization header. Redirects are never followed (a receiver must not be able to point
 * the broker at another host, an internal one, through a 3xx); each attempt is bounded in
 * time and in the response read. What the receiver answered decides what happens next:
 * - 2xx (RFC 8935 §2.2 says 202): delivered.
 * - 400 (§2.3) with `invalid_key`, `authentication_failed` or `access_denied`: the receiver's
 *   keys or credentials may catch up, so retried; any other 400 refuses this SET for good.
 * - anything else (3xx, 401, 403, 404, 429, 5xx, a timeout, no connection, a name that
 *   resolves to an address the push target policy refuses): retried.
 */
import { isSafeUrl } from '../discovery/index.js';
import { pushHostAllowed, type PushTargetPolicy } from './push-address.js';
import { ForbiddenAddressError, postOnce, type Resolver } from './push-post.js';

export type PushOutcome =
  | { result: 'delivered' }
  | { result: 'rejected'; err: string }
  | { result: 'retry'; why: string };

/** RFC 8935 §2.4's registered codes; anything else is counted as `other`. */
const PUSH_ERRORS = ['invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed', 'access_denied'] as const;
const RETRIED_ERRORS = new Set(['invalid_key', 'authentication_failed', 'access_denied']);
const MAX_ERROR_BODY = 4_096;

export interface PushTarget {
  endpointUrl: string;
  authorizationHeader?: string;
  /** The stored header did not open (redis-state.ts): the receiver would only refuse the SET. */
  authorizationUnreadable?: true;
}

export async function pushSet(target: PushTarget, set: string, options: { timeoutMs: number; targets: PushTargetPolicy; signal?: AbortSignal; resolve?: Resolver }): Promise<PushOutcome> {
  const url = new URL(target.endpointUrl);
  // Checked again at each delivery: a stream stored before the rule still never posts there.
  if (!isSafeUrl(url) || !pushHostAllowed(url.hostname, options.targets)) return { result: 'rejected', err: 'unsafe_endpoint' };
  // Kept for when the receiver sets its header again (a stream update), not sent without it.
  if (target.authorizationUnreadable) return { result: 'retry', why: 'authorization_unreadable' };
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let answer: { status: number; body: string };
  try {
    answer = await postOnce(url, set, {
      'content-type': 'application/secevent+jwt',
      accept: 'application/json',
      ...(target.authorizationHeader ? { authorization: target.authorizationHeader } : {}),
    }, {
      signal,
      targets: options.targets,
      // Only a 400 is read (for its error code); any other answer's body is left unread.
      readBody: (status) => (status === 400 ? MAX_ERROR_BODY : 0),
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  } catch (error) {
    // The name may point elsewhere later (and the events wait in the backlog meanwhile).
    if (error instanceof ForbiddenAddressError) return { result: 'retry', why: 'forbidden_address' };
    return { result: 'retry', why: timeout.aborted ? 'timeout' : 'unreachable' };
  }
  if (answer.status >= 200 && answer.status < 300) return { result: 'delivered' };
  if (answer.status !== 400) return { result: 'retry', why: answer.status >= 300 && answer.status < 400 ? 'redirect' : `status_${answer.status}` };
  const err = errorCode(answer.body);
  return RETRIED_ERRORS.has(err) ? { result: 'retry', why: err } : { result: 'rejected', err };
}

/** RFC 8935 §2.3: `{"err": ..., "description": ...}`, from the first few KiB of the answer. */
function errorCode(text: string): string {
  try {
    const body = JSON.parse(text) as { err?: unknown };
    return typeof body.err === 'string' && (PUSH_ERRORS as readonly string[]).includes(body.err) ? body.err : 'other';
  } catch {
    return 'other';
  }
}

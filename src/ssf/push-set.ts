/**
 * One RFC 8935 delivery: POST the SET as `application/secevent+jwt` with the receiver's
 * authorization header. Redirects are never followed (a receiver must not be able to point
 * the broker at another host, an internal one, through a 3xx); each attempt is bounded in
 * time and in the response read. What the receiver answered decides what happens next:
 * - 2xx (RFC 8935 §2.2 says 202): delivered.
 * - 400 (§2.3) with `invalid_key`, `authentication_failed` or `access_denied`: the receiver's
 *   keys or credentials may catch up, so retried; any other 400 refuses this SET for good.
 * - anything else (3xx, 401, 403, 404, 429, 5xx, a timeout, no connection): retried.
 */
import { isSafeUrl, readBody } from '../discovery/index.js';
import { isMetadataHost } from './push-endpoint.js';

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
}

export async function pushSet(target: PushTarget, set: string, options: { timeoutMs: number; signal?: AbortSignal; fetch?: typeof fetch }): Promise<PushOutcome> {
  const url = new URL(target.endpointUrl);
  // Checked again at each delivery: a stream stored before the rule still never posts there.
  if (!isSafeUrl(url) || isMetadataHost(url.hostname)) return { result: 'rejected', err: 'unsafe_endpoint' };
  const signal = options.signal ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]) : AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      body: set,
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        ...(target.authorizationHeader ? { authorization: target.authorizationHeader } : {}),
      },
    });
  } catch (error) {
    return { result: 'retry', why: (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable' };
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { result: 'delivered' };
  }
  if (response.status !== 400) {
    await response.body?.cancel().catch(() => undefined);
    return { result: 'retry', why: response.status >= 300 && response.status < 400 ? 'redirect' : `status_${response.status}` };
  }
  const err = await errorCode(response);
  return RETRIED_ERRORS.has(err) ? { result: 'retry', why: err } : { result: 'rejected', err };
}

/** RFC 8935 §2.3: `{"err": ..., "description": ...}`; read up to a few KiB, never more. */
async function errorCode(response: Response): Promise<string> {
  try {
    const body = JSON.parse(await readBody(response, MAX_ERROR_BODY)) as { err?: unknown };
    return typeof body.err === 'string' && (PUSH_ERRORS as readonly string[]).includes(body.err) ? body.err : 'other';
  } catch {
    return 'other';
  }
}

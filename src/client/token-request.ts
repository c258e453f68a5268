/**
 * One POST to the token endpoint and the reading of its answer: an RFC 6749 §5.1 success
 * becomes an AccessToken, an RFC 6749 §5.2 error a TokenClientError with the broker's code,
 * description, status and Retry-After. With a DPoP proof (RFC 9449 §5), whatever the tier: the
 * broker then binds the token to the client's key, and says so with token_type DPoP.
 */
import { callBroker, isJsonObject, readJson, type CallLimits } from '../discovery/index.js';
import { AccessToken } from './access-token.js';
import type { DpopProofs } from './dpop-proofs.js';
import { fromBrokerCall, TokenClientError } from './errors.js';
import { parseRetryAfter } from './retry.js';
import type { CanonicalTarget } from './token-target.js';
import type { AttestationSource } from './types.js';

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_TOKEN_BYTES = 16 * 1024;
const MAX_EXPIRES_IN_S = 86_400;

const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const CLIENT_ASSERTION_TYPE_JWT = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The form for one request: the grant follows how the attestation is presented. */
export function tokenForm(presentAs: AttestationSource['presentAs'], credential: string, target: CanonicalTarget): URLSearchParams {
  const form = new URLSearchParams();
  if (presentAs === 'subject_token') {
    form.set('grant_type', GRANT_TOKEN_EXCHANGE); // RFC 8693 §2.1
    form.set('subject_token', credential);
    form.set('subject_token_type', TOKEN_TYPE_JWT);
  } else {
    form.set('grant_type', 'client_credentials'); // RFC 7523 §2.2
    form.set('client_assertion_type', CLIENT_ASSERTION_TYPE_JWT);
    form.set('client_assertion', credential);
  }
  for (const [name, value] of target.params) form.set(name, value);
  return form;
}

export async function postTokenRequest(endpoint: string, form: URLSearchParams, limits: CallLimits, sentAtMs: number, dpop?: DpopProofs): Promise<AccessToken> {
  let response: Response;
  let body: unknown;
  const url = new URL(endpoint);
  try {
    response = await callBroker(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(dpop ? { dpop: dpop.proof('POST', url) } : {}),
      },
      body: form.toString(),
    }, limits);
    // RFC 9449 §8.2: a nonce on any answer, an error (use_dpop_nonce) or a token, is for the next proof.
    dpop?.remember(url, response);
    body = await readJson(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    throw fromBrokerCall(error);
  }
  if (response.status === 200) return accessTokenFrom(body, sentAtMs, dpop !== undefined);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), sentAtMs);
  const extra = { status: response.status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (isJsonObject(body) && typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? body.error_description : undefined;
    throw new TokenClientError(body.error, description, extra);
  }
  throw new TokenClientError(response.status >= 500 ? 'server_error' : 'invalid_response', `the token endpoint answered ${response.status} without an OAuth error`, extra);
}

/** RFC 6749 §5.1, checked: a bounded token string, a Bearer type (DPoP when we sent a proof), a sane positive lifetime. */
function accessTokenFrom(body: unknown, sentAtMs: number, proofSent: boolean): AccessToken {
  const invalid = (what: string) => new TokenClientError('invalid_response', `the token response ${what}`, { status: 200 });
  if (!isJsonObject(body)) throw invalid('is not a JSON object');
  const { access_token: value, token_type: tokenType, expires_in: expiresIn, scope } = body;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TOKEN_BYTES) throw invalid('has no usable access_token');
  const type = typeof tokenType === 'string' ? tokenType.toLowerCase() : undefined;
  if (type !== 'bearer' && !(type === 'dpop' && proofSent)) throw invalid(proofSent ? 'is neither a Bearer nor a DPoP token' : 'is not a Bearer token');
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_EXPIRES_IN_S) {
    throw invalid('has no usable expires_in');
  }
  if (scope !== undefined && typeof scope !== 'string') throw invalid('has a scope that is not a string');
  return new AccessToken(value, {
    tokenType: type === 'dpop' ? 'DPoP' : 'Bearer',
    obtainedAtMs: sentAtMs,
    expiresAtMs: sentAtMs + expiresIn * 1000,
    scopes: scope ? scope.split(' ').filter((s) => s.length > 0) : [],
  });
}

/**
 * fetch with the agent's token: `Authorization: Bearer`, or for a token bound to the client's
 * key `Authorization: DPoP` with a proof for this request (RFC 9449 §7.1). A 401 whose DPoP
 * challenge says `use_dpop_nonce` (§9) is sent again at once with the API's nonce; a 401 whose
 * challenge says `invalid_token` (RFC 6750 §3.1: expired, revoked, signed by a key the server
 * no longer trusts) drops the cached token and tries once more with a fresh one. Only once
 * each: a second refusal is the answer. A request whose body is a stream cannot be sent twice.
 * A redirect is returned, never followed: following it would carry the token (and a proof made
 * for another URL) to wherever the server points, past the resource check.
 */
import type { AccessToken } from './access-token.js';
import { requestMethod, type DpopProofs } from './dpop-proofs.js';
import { assertUrlInResource, canonicalTarget } from './token-target.js';
import type { TokenTarget } from './types.js';
import { parseChallenge } from './www-authenticate.js';
import type { FetchLike } from '../discovery/index.js';

export interface AuthorizedFetchDeps {
  getToken(target: TokenTarget): Promise<AccessToken>;
  invalidate(target: TokenTarget, token: AccessToken): void;
  fetch: FetchLike;
  dpop: DpopProofs | undefined;
}

export async function authorizedFetch(deps: AuthorizedFetchDeps, input: string | URL, init: RequestInit, target: TokenTarget): Promise<Response> {
  const url = new URL(input);
  const resource = canonicalTarget(target).resource;
  if (resource !== undefined) assertUrlInResource(url, resource);
  const replayable = canReplay(init.body);
  const method = requestMethod(init.method);

  const sendOnce = async (token: AccessToken): Promise<{ response: Response; newNonce: boolean }> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', token.authorization());
    if (token.tokenType === 'DPoP') {
      if (!deps.dpop) throw new TypeError('a DPoP token without the key it is bound to');
      headers.set('dpop', deps.dpop.proof(method, url, token.value));
    }
    const response = await deps.fetch(url, { ...init, headers, redirect: init.redirect === 'error' ? 'error' : 'manual' });
    return { response, newNonce: deps.dpop?.remember(url, response) ?? false };
  };
  const send = async (token: AccessToken): Promise<Response> => {
    const { response, newNonce } = await sendOnce(token);
    if (!newNonce || !replayable || response.status !== 401 || challengeError(response, token) !== 'use_dpop_nonce') return response;
    await response.body?.cancel().catch(() => undefined);
    return (await sendOnce(token)).response;
  };

  const first = await deps.getToken(target);
  const response = await send(first);
  if (response.status !== 401 || !replayable || challengeError(response, first) !== 'invalid_token') return response;
  await response.body?.cancel().catch(() => undefined);
  deps.invalidate(target, first);
  return send(await deps.getToken(target));
}

/** The error of the challenge for the scheme the token was sent with. */
function challengeError(response: Response, token: AccessToken): string | undefined {
  return parseChallenge(response.headers.get('www-authenticate'), token.tokenType)?.error;
}

function canReplay(body: RequestInit['body']): boolean {
  return !(body instanceof ReadableStream) && !isAsyncIterable(body);
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

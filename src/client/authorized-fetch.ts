/**
 * fetch with the agent's token: the Authorization header is added, and a 401 whose challenge
 * says `invalid_token` (RFC 6750 §3.1: expired, revoked, signed by a key the server no longer
 * trusts) drops the cached token and tries once more with a fresh one. Only once: a second
 * refusal is the answer. A request whose body is a stream cannot be sent twice, so it is not.
 */
import type { AccessToken } from './access-token.js';
import { parseBearerChallenge } from './bearer-challenge.js';
import { assertUrlInResource, canonicalTarget } from './token-target.js';
import type { TokenTarget } from './types.js';
import type { FetchLike } from '../discovery/index.js';

export interface AuthorizedFetchDeps {
  getToken(target: TokenTarget): Promise<AccessToken>;
  invalidate(target: TokenTarget, token: AccessToken): void;
  fetch: FetchLike;
}

export async function authorizedFetch(deps: AuthorizedFetchDeps, input: string | URL, init: RequestInit, target: TokenTarget): Promise<Response> {
  const url = new URL(input);
  const resource = canonicalTarget(target).resource;
  if (resource !== undefined) assertUrlInResource(url, resource);
  const send = (token: AccessToken) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', token.authorization());
    return deps.fetch(url, { ...init, headers });
  };
  const first = await deps.getToken(target);
  const response = await send(first);
  if (response.status !== 401 || !canReplay(init.body)) return response;
  if (parseBearerChallenge(response.headers.get('www-authenticate'))?.error !== 'invalid_token') return response;
  await response.body?.cancel().catch(() => undefined);
  deps.invalidate(target, first);
  return send(await deps.getToken(target));
}

function canReplay(body: RequestInit['body']): boolean {
  return !(body instanceof ReadableStream) && !isAsyncIterable(body);
}

function isAsyncIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The online check (RFC 7662): the broker says whether the token is still active, so a
 * revocation or a suspension-with-revocation is seen at once instead of at expiry. The
 * resource server authenticates with its own token for the broker (scope sts:introspect).
 * Any doubt is a refusal: an unreachable broker is 503, an inactive token or an answer about
 * another token is invalid_token.
 */
import { isJsonObject, readJson } from '../discovery/index.js';
import { invalidToken, unavailable } from './errors.js';
import type { AgentPrincipal, BearerFetcher } from './types.js';

const INTROSPECT_SCOPE = 'sts:introspect';
const MAX_RESPONSE_BYTES = 32 * 1024;

export interface IntrospectionDeps {
  endpoint: string;
  issuer: string;
  client: BearerFetcher;
  intent: string | undefined;
}

export async function checkStillActive(token: string, principal: AgentPrincipal, deps: IntrospectionDeps): Promise<void> {
  let answer: unknown;
  try {
    const response = await deps.client.fetch(deps.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      redirect: 'manual',
    }, { audience: deps.issuer, scope: INTROSPECT_SCOPE, ...(deps.intent ? { intent: deps.intent } : {}) });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`introspection answered ${response.status}`);
    }
    answer = await readJson(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    throw unavailable('introspection_unavailable', error);
  }
  if (!isJsonObject(answer)) throw unavailable('introspection_unavailable', new Error('introspection answer is not a JSON object'));
  if (answer.active !== true) throw invalidToken('inactive', 'the access token is no longer active');
  if (answer.jti !== principal.tokenId) throw invalidToken('inactive', 'the access token is no longer active');
}

/**
 * Who asks to revoke a token (RFC 7009 §2.1). Holding the token is enough to revoke it
 * (authentication method `none`), but a client that names or authenticates itself is held to
 * it: a client assertion (RFC 7523 §2.2) is verified and used once, exactly as at the token
 * endpoint, and a secret or an Authorization header is refused (invalid_client, 401). The
 * route then revokes only a token issued to that client.
 */
import { verifyAgentAssertion, type AttestationContext } from '../attestation/index.js';
import { OAuthError } from '../errors.js';
import { readClientAuthentication } from '../exchange/client-auth.js';
import type { FormParams } from '../http/form-body.js';
import type { Store } from '../store/types.js';

export interface RevokingClient {
  /** The client the request named (`client_id`) or authenticated as; absent: the token's holder, unnamed. */
  clientId?: string;
  authenticated: boolean;
}

export async function identifyRevokingClient(
  params: FormParams, authorization: string | undefined, attestation: AttestationContext, store: Pick<Store, 'claimOnce'>,
): Promise<RevokingClient> {
  const presented = readClientAuthentication(params, authorization, false);
  if (presented.clientAssertion === undefined) return presented.clientId === undefined ? { authenticated: false } : { clientId: presented.clientId, authenticated: false };
  const verified = await verifyAgentAssertion(presented.clientAssertion, attestation);
  if (!verified.ok) throw clientRefused('client authentication failed', verified.detail);
  // RFC 7523 §3 item 7: the assertion is single-use, in the same records the token endpoint claims.
  const claim = verified.replay;
  if (!claim || !(await store.claimOnce(claim.key, claim.ttlMs, verified.agent.id))) {
    throw clientRefused('client authentication failed', 'client_assertion used before');
  }
  // RFC 7521 §4.2: a client_id sent besides the assertion names the same client.
  if (presented.clientId !== undefined && presented.clientId !== verified.agent.id) {
    throw clientRefused('client_id does not match the client_assertion', 'client_id differs from the assertion');
  }
  return { clientId: verified.agent.id, authenticated: true };
}

function clientRefused(description: string, internal: string): OAuthError {
  return new OAuthError('invalid_client', description, { reason: 'attestation_invalid', internal });
}

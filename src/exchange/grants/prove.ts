/**
 * Turning attestation results into the exchange's terms: a caller, or the grant's one answer
 * for a failed proof. Shared by every grant, so each says only which proof it reads.
 */
import { verifyAgentAssertion, type AttestationContext, type AttestationResult } from '../../attestation/index.js';
import { OAuthError } from '../../errors.js';
import { CLIENT_REFUSALS } from '../refusals.js';
import type { Authentication, Caller, Refusals } from './grant.js';

export function toAuthentication(result: AttestationResult, refusals: Refusals): Authentication {
  if (result.ok) return { ok: true, caller: { agent: result.agent, proof: result, replay: result.replay ? [{ ...result.replay, refusals }] : [] } };
  const claimed = result.agentId ? { claimedAgentId: result.agentId } : {};
  if (result.reason === 'keys_unavailable') {
    // The only failure that says something about the issuer rather than the token: retry later.
    return {
      ok: false,
      ...claimed,
      error: new OAuthError('temporarily_unavailable', 'the attestation issuer keys cannot be fetched right now, retry shortly', {
        reason: 'unavailable',
        internal: result.detail,
      }),
    };
  }
  const reason = result.reason === 'no_agent' ? 'no_agent' : 'attestation_invalid';
  return { ok: false, ...claimed, ...(result.shadow ? { shadow: result.shadow } : {}), error: refusals.proof(reason, `${result.reason}: ${result.detail}`) };
}

/**
 * RFC 6749 §3.2.1, RFC 7521 §4.2: a client_id sent with a request identifies the client, and
 * here the client is the agent proven: one naming another agent is refused, never ignored, so
 * a misconfigured client learns at once which identity it really has.
 */
export function withClientId(auth: Authentication, clientId: string | undefined): Authentication {
  if (!auth.ok || clientId === undefined || clientId === auth.caller.agent.id) return auth;
  return { ok: false, error: CLIENT_REFUSALS.proof('client_mismatch', 'client_id does not name the authenticated agent') };
}

/**
 * A grant that authenticates by another proof may also authenticate its client (private_key_jwt,
 * as openid-client sends it): then the client assertion must be valid, single-use like any
 * assertion, and name the same agent (RFC 6749 §2.3: failed client authentication is invalid_client).
 */
export async function withClientAssertion(caller: Caller, clientAssertion: string | undefined, ctx: AttestationContext): Promise<Authentication> {
  if (clientAssertion === undefined) return { ok: true, caller };
  const client = await verifyAgentAssertion(clientAssertion, ctx);
  if (!client.ok) {
    return { ok: false, error: CLIENT_REFUSALS.proof('attestation_invalid', `client assertion: ${client.reason}: ${client.detail}`) };
  }
  if (client.agent.id !== caller.agent.id) {
    return {
      ok: false,
      error: new OAuthError('invalid_request', 'the authenticated client must be the agent the presented token names', { reason: 'client_mismatch' }),
    };
  }
  return { ok: true, caller: { ...caller, replay: client.replay ? [...caller.replay, { ...client.replay, refusals: CLIENT_REFUSALS }] : caller.replay } };
}

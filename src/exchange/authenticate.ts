/**
 * Step 1 of an exchange: who is calling? Verifies the subject token (token exchange) or the
 * client assertion (client_credentials). Every failure looks the same to the caller (no
 * oracle for attackers); the distinct reason goes to the log. A verified identity that no
 * agent claims is recorded as a shadow agent for the operators.
 */
import type { FastifyBaseLogger } from 'fastify';
import { verifyAgentAssertion, verifySubjectToken, type AttestationContext, type AttestationFailure, type AttestationSuccess } from '../attestation/index.js';
import type { DenialReason } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Store } from '../store/types.js';
import { attestationRefused } from './refusals.js';
import type { TokenRequest } from './token-request.js';
import type { ExchangeTrace } from './trace.js';

export interface AuthenticateDeps {
  attestation: AttestationContext;
  store: Store;
  logger: FastifyBaseLogger;
}

export async function authenticateCaller(request: TokenRequest, trace: ExchangeTrace, deps: AuthenticateDeps): Promise<AttestationSuccess> {
  const result =
    request.grant === 'token_exchange'
      ? await verifySubjectToken(request.subjectToken, deps.attestation)
      : await verifyAgentAssertion(request.clientAssertion, deps.attestation);
  if (!result.ok) {
    if (result.agentId) trace.claimedAgentId = result.agentId;
    if (result.shadow) recordShadow(result, deps);
    throw attestationError(request, result);
  }
  trace.agentId = result.agent.id;
  trace.tier = result.agent.tier;
  trace.attestationKind = result.kind;
  trace.issuer = result.issuer;
  trace.subject = result.subject;
  if (request.grant === 'token_exchange' && request.clientAssertion !== undefined) {
    await authenticateExchangeClient(request.clientAssertion, result.agent.id, deps);
  }
  // RFC 6749 §2.3.1 / RFC 7521 §4.2: a client_id sent alongside must name the authenticated client.
  if (request.grant === 'client_credentials' && request.clientId !== undefined && request.clientId !== result.agent.id) {
    throw new OAuthError('invalid_client', 'client authentication failed', {
      reason: 'client_mismatch',
      internal: 'client_id does not match the assertion subject',
    });
  }
  return result;
}

/**
 * A token exchange that also authenticates its client (private_key_jwt, as openid-client sends
 * it) must authenticate correctly, once, as the agent the subject token names: RFC 6749 §2.3
 * (failed client authentication is invalid_client); acting for another agent is delegation,
 * which agent-sts does not offer.
 */
async function authenticateExchangeClient(assertion: string, subjectAgentId: string, deps: AuthenticateDeps): Promise<void> {
  const client = await verifyAgentAssertion(assertion, deps.attestation);
  if (!client.ok) {
    throw new OAuthError('invalid_client', 'client authentication failed', { reason: 'attestation_invalid', internal: `client assertion: ${client.reason}: ${client.detail}` });
  }
  if (client.replay && !(await deps.store.claimOnce(client.replay.key, client.replay.ttlMs))) {
    throw new OAuthError('invalid_client', 'client authentication failed', { reason: 'replayed', internal: 'client assertion replayed' });
  }
  if (client.agent.id !== subjectAgentId) {
    throw new OAuthError('invalid_request', 'the authenticated client must be the agent the subject token names (delegation is not supported)', {
      reason: 'client_mismatch',
    });
  }
}

function attestationError(request: TokenRequest, failure: AttestationFailure): OAuthError {
  if (failure.reason === 'keys_unavailable') {
    return new OAuthError('temporarily_unavailable', 'the attestation issuer keys cannot be fetched right now, retry shortly', {
      reason: 'unavailable',
      internal: failure.detail,
    });
  }
  const reason: DenialReason = failure.reason === 'no_agent' ? 'no_agent' : 'attestation_invalid';
  // RFC 8693 §2.2.2: an invalid subject token is invalid_request; RFC 7523 §3.2: a bad client assertion is invalid_client.
  return attestationRefused(request, reason, `${failure.reason}: ${failure.detail}`);
}

function recordShadow(failure: AttestationFailure, deps: AuthenticateDeps): void {
  const shadow = failure.shadow;
  if (!shadow) return;
  deps.store
    .recordShadow({ issuer: shadow.issuer, subject: shadow.subject, claims: shadow.claims, atMs: deps.attestation.now() })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not record a shadow agent'));
}

/**
 * The errors an exchange answers when the caller or its agent is refused. The OAuth code
 * depends on the grant: token exchange authenticates by its subject token, client
 * credentials by the client assertion.
 */
import type { DenialReason } from '../context.js';
import { SUSPENDED_BY } from '../anomaly/index.js';
import { OAuthError } from '../errors.js';
import type { GovernanceBlock } from '../policy/types.js';
import type { TokenRequest } from './token-request.js';

export const GOVERNANCE_TEXT: Record<GovernanceBlock, string> = {
  pending: 'is awaiting creation review (no approved_by)',
  retired: 'is retired',
  orphaned: 'is orphaned: its owner is missing or inactive',
  review_overdue: 'is overdue for its permission review (reviewed_at older than the tier review_every)',
};

/** Who suspended the agent, so its owner knows what happened (only an operator can resume it). */
export function suspensionText(by: string): string {
  return by === SUSPENDED_BY ? 'is suspended by the automatic anomaly response' : 'is suspended by an operator';
}

/** RFC 8693 §2.2.2: a subject token unacceptable by policy is invalid_request; a client that may not use the grant is unauthorized_client (RFC 6749 §5.2). */
export function agentRefused(request: TokenRequest, agentId: string, reason: DenialReason, text: string): OAuthError {
  const description = `agent ${agentId} may not get tokens: it ${text}`;
  return request.grant === 'token_exchange'
    ? new OAuthError('invalid_request', description, { reason })
    : new OAuthError('unauthorized_client', description, { reason });
}

export function attestationRefused(request: TokenRequest, reason: DenialReason, internal: string): OAuthError {
  return request.grant === 'token_exchange'
    ? new OAuthError('invalid_request', 'subject_token was not accepted', { reason, internal })
    : new OAuthError('invalid_client', 'client authentication failed', { reason, internal });
}

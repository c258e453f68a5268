/**
 * The errors an exchange answers when the caller or its agent is refused. The OAuth code
 * depends on how the grant authenticates: token exchange by its subject token (RFC 8693
 * §2.2.2), client credentials by the client assertion (RFC 6749 §5.2, RFC 7523 §3.2), the
 * jwt-bearer grant by its assertion (RFC 7523 §3.1). A failed proof gets one answer whatever
 * its cause; the cause goes to the log.
 */
import { SUSPENDED_BY } from '../anomaly/index.js';
import { OAuthError } from '../errors.js';
import type { Refusals } from './grants/grant.js';


/** Who suspended the agent, so its owner knows what happened (only an operator can resume it). */
export function suspensionText(by: string): string {
  return by === SUSPENDED_BY ? 'is suspended by the automatic anomaly response' : 'is suspended by an operator';
}

const agentDescription = (agentId: string, text: string) => `agent ${agentId} may not get tokens: it ${text}`;

/** RFC 8693 §2.2.2: a subject token that is invalid or unacceptable by policy is invalid_request. */
export const SUBJECT_TOKEN_REFUSALS: Refusals = {
  proof: (reason, internal, check) => new OAuthError('invalid_request', 'subject_token was not accepted', { reason, internal, ...(check ? { check } : {}) }),
  agent: (agentId, reason, text) => new OAuthError('invalid_request', agentDescription(agentId, text), { reason }),
};

/** RFC 8693 §2.2.2 likewise for the actor's own proof: the answer names the token at fault. */
export const ACTOR_TOKEN_REFUSALS: Refusals = {
  proof: (reason, internal, check) => new OAuthError('invalid_request', 'actor_token was not accepted', { reason, internal, ...(check ? { check } : {}) }),
  agent: SUBJECT_TOKEN_REFUSALS.agent,
};

/** RFC 6749 §5.2: failed client authentication is invalid_client (401); a client that may not use the grant is unauthorized_client. */
export const CLIENT_REFUSALS: Refusals = {
  proof: (reason, internal, check) => new OAuthError('invalid_client', 'client authentication failed', { reason, internal, ...(check ? { check } : {}) }),
  agent: (agentId, reason, text) => new OAuthError('unauthorized_client', agentDescription(agentId, text), { reason }),
};

/** RFC 7523 §3.1: an assertion that is not valid, or not acceptable, is invalid_grant. */
export const ASSERTION_REFUSALS: Refusals = {
  proof: (reason, internal, check) => new OAuthError('invalid_grant', 'assertion was not accepted', { reason, internal, ...(check ? { check } : {}) }),
  agent: (agentId, reason, text) => new OAuthError('invalid_grant', agentDescription(agentId, text), { reason }),
};

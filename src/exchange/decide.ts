/**
 * Steps of the exchange that differ when the caller acts for someone (RFC 8693 delegation):
 * what the mint check must also read, what makes the presented authority dead, and which
 * grant decision applies. Pure: the exchange passes plain data in and gets plain data out.
 */
import type { DenialReason } from '../context.js';
import { OAuthError } from '../errors.js';
import { decideDelegatedGrant, decideGrant, type Removal } from '../policy/index.js';
import type { Agent, Intent, Tier } from '../policy/types.js';
import type { MintCheckInput, MintCheckResult } from '../store/index.js';
import { delegationEnded } from '../tokens/index.js';
import type { Caller, Refusals } from './grants/index.js';
import type { Target } from './target.js';

export interface Decision {
  intent: Intent;
  scopes: string[];
  ttlMs: number;
  /** Delegation only: what was asked for, and what each side removed from it. */
  requested?: string[];
  removed?: Removal[];
}

/** The parts of the mint check a delegation adds: the presented token's liveness, the person's revocation. */
export function delegationChecks(caller: Caller): Pick<MintCheckInput, 'presented' | 'person'> {
  const d = caller.delegation;
  if (!d) return {};
  return { ...(d.presented ? { presented: d.presented } : {}), ...(d.person ? { person: d.person } : {}) };
}

/**
 * The authority acted on must still be good: the presented token not revoked, none of its
 * agents suspended or revoked since it was issued, the person's tokens not revoked since their
 * token (or the presented one) was issued. One answer for all (RFC 8693 §2.2.2).
 */
export function guardDelegation(caller: Caller, state: MintCheckResult, refusals: Refusals): void {
  const d = caller.delegation;
  if (!d) return;
  const iat = Math.floor(d.subjectIssuedAtMs / 1000);
  const personRevoked = state.personRevokedBeforeMs ?? null;
  if (personRevoked !== null && d.subjectIssuedAtMs <= personRevoked) throw refusals.proof('delegation', 'the person\'s tokens were revoked', 'person_revoked');
  if (!state.presented) return;
  if (state.presented.revoked) throw refusals.proof('delegation', 'the presented token was revoked', 'presented_revoked');
  const ended = delegationEnded(iat, { suspended: null, revokedBeforeMs: null }, { controls: state.presented.controls, personRevokedBeforeMs: personRevoked });
  if (ended) throw refusals.proof('delegation', `the presented token is no longer good: ${ended}`, 'chain_ended');
}

/** decideGrant for an agent acting for itself, decideDelegatedGrant for one acting for someone. */
export function decide(caller: Caller, agent: Agent, tier: Tier, target: Target): Decision {
  const d = caller.delegation;
  if (!d) {
    const direct = decideGrant({ agent, tier, audience: target.audience, scopes: target.scopes, intent: target.intent });
    if (!direct.ok) throw refusal(direct.error, direct.reason, direct.description, direct.check);
    return direct;
  }
  const delegated = decideDelegatedGrant({
    agent, tier, audience: target.audience, scopes: target.scopes, intent: target.intent,
    delegable: d.delegable, source: d.kind === 'person' ? 'person' : 'presented_token', depth: d.depth, forPerson: d.person !== undefined,
  });
  if (!delegated.ok) {
    const audit = delegated.removed ? { requested_scopes: delegated.requested, removed_scopes: delegated.removed.map((r) => ({ scope: r.scope, by: r.by })) } : undefined;
    throw refusal(delegated.error, delegated.reason, delegated.description, delegated.check, audit);
  }
  return delegated;
}

function refusal(code: 'invalid_request' | 'invalid_target' | 'invalid_scope', reason: DenialReason, description: string, check?: string, audit?: Record<string, unknown>): OAuthError {
  return new OAuthError(code, description, { reason, ...(check ? { check } : {}), ...(audit ? { audit } : {}) });
}

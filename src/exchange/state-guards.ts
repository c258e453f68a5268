/**
 * The checks made on the store's answer to the mint check (pure): replay, the agent's state,
 * the request budgets, and whether a token minted now would be born revoked. Each throws the
 * OAuth error the caller gets; the first failure answers.
 */
import { claimPredatesEpoch } from '../attestation/index.js';
import type { DenialReason } from '../context.js';
import { OAuthError } from '../errors.js';
import { agentGovernance, REFUSAL_TEXT } from '../policy/index.js';
import type { Agent, CompiledPolicy, Tier } from '../policy/types.js';
import type { MintCheckResult, Suspension, WindowCount } from '../store/types.js';
import { revocationByTime } from '../tokens/index.js';
import type { Caller, Refusals } from './grants/index.js';
import { suspensionText } from './refusals.js';

/** The longest Retry-After the born-revoked guard asks for (a revocation window is ~5 s). */
const MAX_WAIT_S = 60;

/**
 * Single-use proofs are claimed once. A store that lost its data (a new epoch) also lost the
 * claims made before it, so every single-use proof of the request (the attestation, a client
 * assertion beside it, a DPoP proof) issued before the epoch's second is refused, each by its
 * own `iat`; a reusable one (a Kubernetes token the kubelet refreshes late) stays good: the
 * epoch is no reason to lock it out. Each refusal names the parameter whose proof it was.
 */
export function guardReplay(caller: Caller, state: MintCheckResult, refusals: Refusals): void {
  if (!state.claimed) {
    const replayed = caller.replay[state.replayedIndex ?? 0];
    throw (replayed?.refusals ?? refusals).proof('replayed', 'single-use proof presented again');
  }
  const predating = caller.replay.find((claim) => claimPredatesEpoch(claim, state.epochMs));
  if (predating) throw predating.refusals.proof('attestation_invalid', 'single-use proof issued before the store epoch (its claim may have been lost)');
}

/**
 * Governance first (pending, retired, orphaned, review overdue: from the policy), then the
 * suspension (from the store, or one this instance knows of that a store which lost its data
 * does not hold again yet).
 */
export function guardAgentState(
  agent: Agent, policy: CompiledPolicy, suspension: Suspension | null, nowMs: number, refusals: Refusals,
): Tier {
  const governance = agentGovernance(agent, policy, nowMs);
  if (governance.blockedBy) throw refusals.agent(agent.id, governance.blockedBy, REFUSAL_TEXT[governance.blockedBy]);
  if (suspension) throw refusals.agent(agent.id, 'suspended', suspensionText(suspension.by));
  const tier = Object.hasOwn(policy.policy.tiers, agent.tier) ? policy.policy.tiers[agent.tier] : undefined;
  if (!tier) throw refusals.agent(agent.id, 'no_agent', 'has no tier');
  return tier;
}

/** The address's and the agent's budgets, as the store counted them across instances. */
export function guardBudgets(state: MintCheckResult, agentId: string): void {
  if (state.limited === 'address') throw tooMany('too many requests from this address', state.address?.resetInMs ?? 1_000);
  if (state.limited === 'agent') throw tooMany(`too many token requests for agent ${agentId}`, state.agent?.resetInMs ?? 1_000);
  if (state.replayShareExhausted) {
    throw tooMany(`too many live single-use attestations for agent ${agentId}; wait for them to expire`, 60_000);
  }
}

/** RFC 6585 §4: 429 with Retry-After. RFC 6749 has no rate-limit code; temporarily_unavailable says "come back". */
export function tooMany(description: string, retryInMs: number, reason: DenialReason = 'rate_limited'): OAuthError {
  return new OAuthError('temporarily_unavailable', description, {
    status: 429,
    reason,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryInMs / 1000))) },
  });
}

/**
 * An operator's "revoke all tokens" reaches a little into the future (clock skew between
 * instances), and a new store epoch set by an instance whose clock is ahead can lie after
 * this instance's now. Introspection treats tokens issued before either instant as revoked,
 * so minting one now would give a token born revoked (introspection and offline JWKS
 * verification would disagree about it): come back once the instant has passed.
 */
export function guardRevokedUntil(state: MintCheckResult, issuedAtMs: number): void {
  const live = (iat: number) => revocationByTime(iat, state.control.revokedBeforeMs, state.epochMs) === null;
  const iat = Math.floor(issuedAtMs / 1000); // as minted: whole seconds
  if (live(iat)) return;
  let firstLive = iat + 1;
  while (!live(firstLive) && firstLive < iat + MAX_WAIT_S) firstLive++;
  const retryAfterS = Math.max(1, Math.ceil((firstLive * 1000 - issuedAtMs) / 1000));
  throw new OAuthError('temporarily_unavailable', `a token issued now would already count as revoked (a revocation or a store reset moments ago); retry in ${retryAfterS} s`, {
    reason: 'unavailable',
    headers: { 'retry-after': String(retryAfterS) },
    internal: 'mint inside a revocation window (agent revocation or store epoch)',
  });
}

export type { WindowCount };

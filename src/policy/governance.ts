/** What the policy alone says about whether an agent may get tokens now. */
import type { Agent, CompiledPolicy, Governance, GovernanceBlock, Owner, Tier } from './types.js';

/** Reviews due within this window are warned about. */
export const REVIEW_DUE_SOON_MS = 14 * 86_400_000;

export function computeGovernance(
  agent: Agent,
  owner: Owner | undefined,
  tier: Tier | undefined,
  nowMs: number,
): Governance {
  const pending = agent.approvedBy === undefined;
  const retired = agent.status === 'retired';
  const orphaned = owner === undefined || !owner.active;
  // An unknown tier cannot happen in a validated policy; treat it as already due (fail closed).
  const reviewDueAtMs = tier === undefined ? agent.reviewedAtMs : agent.reviewedAtMs + tier.reviewEveryMs;
  const reviewOverdue = nowMs > reviewDueAtMs;
  const reviewDueSoon = !reviewOverdue && reviewDueAtMs - nowMs <= REVIEW_DUE_SOON_MS;
  const flags: Array<[GovernanceBlock, boolean]> = [
    ['pending', pending],
    ['retired', retired],
    ['orphaned', orphaned],
    ['review_overdue', reviewOverdue],
  ];
  const blockedBy = flags.find(([, on]) => on)?.[0] ?? null;
  return { pending, retired, orphaned, reviewDueAtMs, reviewOverdue, reviewDueSoon, blockedBy };
}

export function agentGovernance(agent: Agent, compiled: CompiledPolicy, nowMs: number): Governance {
  const { tiers } = compiled.policy;
  const tier = Object.hasOwn(tiers, agent.tier) ? tiers[agent.tier] : undefined;
  return computeGovernance(agent, compiled.ownersById.get(agent.owner), tier, nowMs);
}

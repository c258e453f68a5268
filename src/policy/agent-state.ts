/**
 * An agent's state, the one computation every view uses (the token path's refusal order,
 * the inventory, the metrics gauge, the console and the CLI), from the policy's governance
 * and the store's suspension. Pure: plain data in, plain data out.
 *
 * `state` is exclusive (precedence retired, suspended, pending, active): what the agent IS.
 * The flags (orphaned, review overdue, review due soon) are conditions that can hold in any
 * state. `refusedBy` is why a token request is refused now, in the token path's own order:
 * the policy's reasons first (pending, retired, orphaned, review_overdue), then the store's
 * suspension; null when the agent may get tokens.
 */
import type { Governance, GovernanceBlock } from './types.js';

export const AGENT_STATES = ['active', 'pending', 'suspended', 'retired'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_FLAGS = ['orphaned', 'review_overdue', 'review_due_soon'] as const;
export type AgentFlag = (typeof AGENT_FLAGS)[number];

/** Why an agent gets no token now: a governance block, or an operator's (or the anomaly response's) suspension. */
export type AgentRefusal = GovernanceBlock | 'suspended';
export const AGENT_REFUSALS: readonly AgentRefusal[] = ['pending', 'retired', 'orphaned', 'review_overdue', 'suspended'];

export interface AgentStanding {
  state: AgentState;
  flags: Record<AgentFlag, boolean>;
  refusedBy: AgentRefusal | null;
}

/** Plain-language reasons, for the error description, the console and the CLI. */
export const REFUSAL_TEXT: Record<AgentRefusal, string> = {
  pending: 'is awaiting creation review (no approved_by)',
  retired: 'is retired',
  orphaned: 'is orphaned: its owner is missing or inactive',
  review_overdue: 'is overdue for its permission review (reviewed_at older than the tier review_every)',
  suspended: 'is suspended',
};

export function agentStanding(governance: Governance, suspended: boolean): AgentStanding {
  const state: AgentState = governance.retired ? 'retired' : suspended ? 'suspended' : governance.pending ? 'pending' : 'active';
  return {
    state,
    flags: { orphaned: governance.orphaned, review_overdue: governance.reviewOverdue, review_due_soon: governance.reviewDueSoon },
    refusedBy: governance.blockedBy ?? (suspended ? 'suspended' : null),
  };
}

export function isAgentState(value: string): value is AgentState {
  return (AGENT_STATES as readonly string[]).includes(value);
}

/**
 * The `sts_agent_state` gauge values, computed at scrape time from the policy and the
 * store's suspensions. Pure: plain data in, counts out.
 *
 * `active`, `pending`, `suspended` and `retired` are the exclusive effective state of each
 * agent (precedence: retired, suspended, pending, active). `orphaned` and `review_overdue`
 * are flags counted over the agents that are not retired (a retired agent whose owner left
 * needs no action), so they overlap the states.
 */
import type { CompiledPolicy } from '../policy/types.js';

export const AGENT_STATES = ['active', 'pending', 'suspended', 'retired', 'orphaned', 'review_overdue'] as const;
export type AgentStateLabel = (typeof AGENT_STATES)[number];

export function countAgentStates(
  compiled: CompiledPolicy,
  suspended: ReadonlySet<string>,
  nowMs: number,
): Record<AgentStateLabel, number> {
  const counts: Record<AgentStateLabel, number> = {
    active: 0, pending: 0, suspended: 0, retired: 0, orphaned: 0, review_overdue: 0,
  };
  for (const agent of compiled.policy.agents) {
    if (agent.status === 'retired') {
      counts.retired++;
      continue;
    }
    if (suspended.has(agent.id)) counts.suspended++;
    else if (agent.approvedBy === undefined) counts.pending++;
    else counts.active++;
    const owner = compiled.ownersById.get(agent.owner);
    if (owner === undefined || !owner.active) counts.orphaned++;
    const tier = compiled.policy.tiers[agent.tier];
    // An unknown tier cannot pass validation; count it as overdue (fail closed).
    const dueAtMs = agent.reviewedAtMs + (tier?.reviewEveryMs ?? 0);
    if (dueAtMs < nowMs) counts.review_overdue++;
  }
  return counts;
}

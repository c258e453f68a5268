/**
 * The `sts_agent_state` and `sts_agent_flag` gauge values, computed at scrape time from the
 * policy and the store's suspensions with the same agentStanding every other view uses.
 * Pure: plain data in, counts out.
 *
 * States are exclusive (every agent is counted once). Flags are counted over the agents that
 * are not retired (a retired agent whose owner left needs no action), so they overlap states.
 */
import { AGENT_FLAGS, AGENT_STATES, agentGovernance, agentStanding, type AgentFlag, type AgentState } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/types.js';

export interface AgentCounts {
  states: Record<AgentState, number>;
  flags: Record<AgentFlag, number>;
}

export function countAgentStates(compiled: CompiledPolicy, suspended: ReadonlySet<string>, nowMs: number): AgentCounts {
  const states = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  const flags = Object.fromEntries(AGENT_FLAGS.map((f) => [f, 0])) as Record<AgentFlag, number>;
  for (const agent of compiled.policy.agents) {
    const standing = agentStanding(agentGovernance(agent, compiled, nowMs), suspended.has(agent.id));
    states[standing.state]++;
    if (standing.state === 'retired') continue;
    for (const flag of AGENT_FLAGS) if (standing.flags[flag]) flags[flag]++;
  }
  return { states, flags };
}

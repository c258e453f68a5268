/**
 * At which audiences tokens may exist that an event about an agent or a person concerns, so
 * that a resource server learns only about tokens meant for it (RFC 7662 §4 asks the same of
 * introspection). Pure over the policy.
 *
 * An agent's tokens are for its intents' audiences; a token for an audience that another agent
 * `serves` may be exchanged onward by it (RFC 8693 delegation) into tokens whose chain passes
 * through the first agent, for that agent's own audiences, and so on.
 */
import type { Agent, CompiledPolicy } from './types.js';

/** Every audience a token naming `agentId` (as holder or in its delegation chain) may carry. */
export function agentTokenAudiences(compiled: CompiledPolicy, agentId: string): Set<string> {
  const agent = compiled.agentsById.get(agentId);
  return onwardAudiences(compiled, agent ? agent.intents.map((i) => i.audience) : []);
}

/** Every audience a token issued on behalf of a person may carry: intents that act for people, and onward. */
export function delegatedTokenAudiences(compiled: CompiledPolicy): Set<string> {
  const direct = [...compiled.agentsById.values()].flatMap((a) => a.intents.filter((i) => (i.onBehalfOf ?? 'forbidden') !== 'forbidden').map((i) => i.audience));
  return onwardAudiences(compiled, direct);
}

/** The audiences given, and those of every agent that serves one of them, until nothing is added. */
function onwardAudiences(compiled: CompiledPolicy, start: readonly string[]): Set<string> {
  const audiences = new Set(start);
  const pending = [...compiled.agentsById.values()];
  for (let grew = true; grew;) {
    grew = false;
    for (const agent of [...pending]) {
      if (!servesAny(agent, audiences)) continue;
      pending.splice(pending.indexOf(agent), 1);
      for (const intent of agent.intents) {
        if (!audiences.has(intent.audience)) grew = true;
        audiences.add(intent.audience);
      }
    }
  }
  return audiences;
}

const servesAny = (agent: Agent, audiences: ReadonlySet<string>): boolean => (agent.serves ?? []).some((a) => audiences.has(a));

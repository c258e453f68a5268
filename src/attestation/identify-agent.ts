/**
 * Which agent a verified issuer token proves: the attestation entries naming its exact
 * (iss, sub) whose bound claims all match. Exactly one agent must match.
 */
import type { Agent, CompiledPolicy } from '../policy/types.js';
import { matchesBindings } from './claim-match.js';

export type Identification =
  | { ok: true; agent: Agent }
  | { ok: false; reason: 'no_agent' | 'ambiguous'; agentIds: string[] };

export function identifyAgent(
  policy: CompiledPolicy,
  issuer: string,
  subject: string,
  payload: Record<string, unknown>,
): Identification {
  const candidates = policy.attestationIndex.get(issuer)?.get(subject) ?? [];
  const matched = new Map<string, Agent>();
  for (const { agent, entry } of candidates) {
    // Defence in depth: the index is keyed by these, but compare the entry itself too.
    if (entry.issuer !== issuer || entry.subject !== subject) continue;
    if (matchesBindings(payload, entry.claims)) matched.set(agent.id, agent);
  }
  const agents = [...matched.values()];
  if (agents.length === 1) return { ok: true, agent: agents[0] as Agent };
  return { ok: false, reason: agents.length === 0 ? 'no_agent' : 'ambiguous', agentIds: agents.map((a) => a.id) };
}

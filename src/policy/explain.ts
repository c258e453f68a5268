/**
 * explainDecision: what a token request would get and every step that led there, without
 * minting. Pure, and a description of the real decision rather than a second one: the
 * governance verdict is computeGovernance's, the refusal order is agentStanding's (the token
 * path's), the grant is decideGrant's. Offline (a policy file) the store's suspension is
 * unknown; the admin API passes it in.
 */
import { agentStanding, REFUSAL_TEXT, type AgentRefusal } from './agent-state.js';
import { decideDelegatedGrant, type DelegationDecision } from './decide-delegation.js';
import { decideGrant, type GrantDecision } from './decide-grant.js';
import {
  delegatedScopeVerdicts, delegationStep, governanceSteps, grantSteps, scopeVerdicts, senderConstraintStep, suspensionStep, ttlStep,
  type ExplainStep, type ScopeVerdict, type SuspensionFact,
} from './explain-steps.js';
import { computeGovernance } from './governance.js';
import type { CompiledPolicy } from './types.js';

export interface ExplainInput {
  agentId: string;
  audience: string;
  intent?: string;
  scopes?: string[];
  /** Which grant the request uses: it decides the OAuth error code of an agent refusal. */
  grant?: 'token_exchange' | 'client_credentials';
  nowMs: number;
  /** The store's suspension: null when not suspended; absent when unknown (offline). */
  suspension?: SuspensionFact | null;
  /** Whether the request carries a DPoP proof; absent when not said. */
  dpop?: boolean;
  /** The request acts for a person (RFC 8693 delegation): what their token carries. Absent: the agent asks for itself. */
  onBehalfOf?: PersonFacts;
}

export interface PersonFacts {
  /** The scopes the person's token may delegate. */
  scopes: string[];
  /** Agents in the resulting chain, the acting one included (a person's token acted on directly: 1). */
  depth?: number;
  /** How long the person's token has left: the new token never outlives it. */
  remainingMs?: number;
}

export interface Explanation {
  agent: string;
  at: string;
  policy_version: string;
  decision: 'issue' | 'refuse';
  /** What the token endpoint would answer when it refuses (RFC 6749 §5.2 / RFC 8693 §2.2.2). */
  error: string | null;
  reason: AgentRefusal | 'no_agent' | 'dpop' | 'intent' | 'audience' | 'scope' | 'delegation' | null;
  description: string | null;
  steps: ExplainStep[];
  scopes: ScopeVerdict[];
  grant: { intent: string; audience: string; scopes: string[]; ttl_seconds: number } | null;
  /** True when the store's suspension was not known (offline): a suspension would refuse. */
  suspension_unknown: boolean;
}

export function explainDecision(compiled: CompiledPolicy, input: ExplainInput): Explanation {
  const base = { agent: input.agentId, at: new Date(input.nowMs).toISOString(), policy_version: compiled.version, suspension_unknown: input.suspension === undefined };
  const agent = compiled.agentsById.get(input.agentId);
  if (!agent) {
    return { ...base, decision: 'refuse', error: agentError(input), reason: 'no_agent', description: `agent ${input.agentId} is not in the policy`,
      steps: [{ step: 'agent', outcome: 'fail', detail: 'no agent with this id in the policy' }], scopes: [], grant: null, suspension_unknown: false };
  }
  const tier = Object.hasOwn(compiled.policy.tiers, agent.tier) ? compiled.policy.tiers[agent.tier] : undefined;
  const owner = compiled.ownersById.get(agent.owner);
  const governance = computeGovernance(agent, owner, tier, input.nowMs);
  const standing = agentStanding(governance, input.suspension != null);
  const steps: ExplainStep[] = [
    { step: 'agent', outcome: 'pass', detail: `${agent.id}, owner ${agent.owner}, tier ${agent.tier}` },
    ...governanceSteps(agent, owner, tier, governance),
    suspensionStep(input.suspension),
  ];
  if (!tier) {
    steps.push({ step: 'tier', outcome: 'fail', detail: `tier ${agent.tier} is not declared` });
    return { ...base, decision: 'refuse', error: agentError(input), reason: 'no_agent', description: `agent ${agent.id} has no tier`, steps, scopes: [], grant: null };
  }
  // The token path checks the proof right after authenticating the agent, before its standing.
  const binding = senderConstraintStep(tier, input.dpop);
  steps.splice(1, 0, binding);
  const request = {
    agent, tier, audience: input.audience,
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
    ...(input.intent !== undefined ? { intent: input.intent } : {}),
  };
  const person = input.onBehalfOf;
  const decision: GrantDecision | DelegationDecision = person
    ? decideDelegatedGrant({ ...request, delegable: person.scopes, source: 'person', depth: person.depth ?? 1, forPerson: true })
    : decideGrant(request);
  if (person) steps.push(delegationStep(tier, person.scopes, person.depth ?? 1));
  const intent = decision.intent ?? agent.intents.find((i) => i.name === input.intent);
  steps.push(...grantSteps(decision, input.intent, intent));
  const asked = input.scopes?.length ? [...new Set(input.scopes)] : [...(intent?.scopes ?? [])];
  const scopes = person && 'removed' in decision ? delegatedScopeVerdicts(intent, tier, asked, decision.removed ?? []) : scopeVerdicts(intent, tier, asked);
  const ttlMs = decision.ok ? Math.min(decision.ttlMs, person?.remainingMs ?? Infinity) : 0;
  steps.push(decision.ok ? ttlStep(ttlMs, tier, decision.intent, person?.remainingMs) : { step: 'ttl', outcome: 'skipped', detail: `no lifetime: refused at the ${decision.reason} step` });

  if (binding.outcome === 'fail') {
    return { ...base, decision: 'refuse', error: 'invalid_dpop_proof', reason: 'dpop', description: binding.detail, steps, scopes, grant: null };
  }
  if (standing.refusedBy !== null) {
    return { ...base, decision: 'refuse', error: agentError(input), reason: standing.refusedBy,
      description: `agent ${agent.id} may not get tokens: it ${REFUSAL_TEXT[standing.refusedBy]}`, steps, scopes, grant: null };
  }
  if (!decision.ok) return { ...base, decision: 'refuse', error: decision.error, reason: decision.reason, description: decision.description, steps, scopes, grant: null };
  return {
    ...base, decision: 'issue', error: null, reason: null, description: null, steps, scopes,
    grant: { intent: decision.intent.name, audience: decision.intent.audience, scopes: decision.scopes, ttl_seconds: Math.floor(ttlMs / 1000) },
  };
}

/** RFC 8693 §2.2.2: an unacceptable subject token is invalid_request; RFC 6749 §5.2: a client that may not use the grant is unauthorized_client. */
function agentError(input: ExplainInput): string {
  return input.grant === 'client_credentials' ? 'unauthorized_client' : 'invalid_request';
}

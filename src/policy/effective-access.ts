/**
 * What a policy lets one agent do, flattened for comparison: the (audience, scope) pairs its
 * intents grant within the tier ceiling, each intent's token lifetime, the ways it may
 * authenticate, and whether it may get tokens at a given instant. Pure.
 */
import { jwkThumbprint } from '../signing/index.js';
import { agentStanding, type AgentRefusal } from './agent-state.js';
import { HARD_MAX_TTL_MS } from './decide-grant.js';
import { agentGovernance } from './governance.js';
import { scopeWithinCeiling } from './scope-glob.js';
import type { Agent, CompiledPolicy } from './types.js';

export interface EffectiveAccess {
  tier: string;
  /** `audience scope` pairs. */
  grants: Set<string>;
  /** Intent name -> effective max TTL (ms). */
  ttls: Map<string, number>;
  /** `issuer <iss> subject <sub> [claims]` or `key <thumbprint>`. */
  methods: Set<string>;
  refusedBy: AgentRefusal | null;
}

export function effectiveAccess(agent: Agent, compiled: CompiledPolicy, nowMs: number): EffectiveAccess {
  const tier = Object.hasOwn(compiled.policy.tiers, agent.tier) ? compiled.policy.tiers[agent.tier] : undefined;
  const grants = new Set<string>();
  const ttls = new Map<string, number>();
  for (const intent of agent.intents) {
    for (const scope of intent.scopes) if (tier && scopeWithinCeiling(scope, tier.scopes)) grants.add(`${intent.audience} ${scope}`);
    ttls.set(intent.name, Math.min(tier?.maxTtlMs ?? 0, intent.maxTtlMs ?? Number.POSITIVE_INFINITY, HARD_MAX_TTL_MS));
  }
  return {
    tier: agent.tier,
    grants,
    ttls,
    methods: new Set(authenticationMethods(agent)),
    refusedBy: agentStanding(agentGovernance(agent, compiled, nowMs), false).refusedBy,
  };
}

/** One line per way to authenticate as the agent (keys by RFC 7638 thumbprint). */
export function authenticationMethods(agent: Agent): string[] {
  return agent.attestation.flatMap((entry) => {
    if (entry.kind === 'issuer') {
      const claims = entry.claims.map((c) => `${c.key}=${JSON.stringify(c.value)}`).sort().join(', ');
      return [`issuer ${entry.issuer} subject ${entry.subject}${claims ? ` [${claims}]` : ''}`];
    }
    return entry.jwks.keys.map((k) => `key ${keyId(k)}`);
  });
}

/** RFC 7638 thumbprint, or the kid when the key type has none we compute. */
export function keyId(jwk: object): string {
  try {
    return jwkThumbprint(jwk as Parameters<typeof jwkThumbprint>[0]);
  } catch {
    const kid = (jwk as { kid?: unknown }).kid;
    return typeof kid === 'string' ? `kid:${kid}` : 'unknown';
  }
}

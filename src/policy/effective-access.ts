/**
 * What a policy lets one agent do, flattened for comparison: the (audience, scope) pairs its
 * intents grant within the tier ceiling, each intent's token lifetime and whom it may act for,
 * the ways it may authenticate, whether its tokens must be bound to a key, how long a
 * delegation chain it may extend, the audiences it serves and introspects for, and whether it
 * may get tokens at a given instant. Pure.
 */
import { jwkThumbprint } from '../signing/index.js';
import { agentStanding, type AgentRefusal } from './agent-state.js';
import { HARD_MAX_TTL_MS } from './decide-grant.js';
import { agentGovernance } from './governance.js';
import { INTROSPECT_SCOPE } from './introspection.js';
import { scopeWithinCeiling } from './scope-glob.js';
import type { Agent, CompiledPolicy, OnBehalfOf } from './types.js';

/** Stands for "every audience" among `introspects`, which never holds a wildcard (validated). */
export const EVERY_AUDIENCE = '*';

export interface EffectiveAccess {
  tier: string;
  /** `audience scope` pairs. */
  grants: Set<string>;
  /** Intent name -> effective max TTL (ms). */
  ttls: Map<string, number>;
  /** Intent name -> the `audience scope` pairs it grants. */
  intentGrants: Map<string, Set<string>>;
  /** Intent name -> whether it may be used on its own, for people, or only for people. */
  onBehalfOf: Map<string, OnBehalfOf>;
  /** `issuer <iss> subject <sub> [claims]` or `key <thumbprint>`. */
  methods: Set<string>;
  /** `none` when tokens may be issued without a DPoP proof. */
  senderConstraint: 'dpop' | 'none';
  /** Agents a delegated token may pass through, counting this one. */
  maxDelegationDepth: number;
  /** Audiences at which it receives delegated tokens it may exchange onward. */
  serves: Set<string>;
  /** Audiences whose tokens it may introspect; EVERY_AUDIENCE for all; empty without sts:introspect. */
  introspects: Set<string>;
  refusedBy: AgentRefusal | null;
}

export function effectiveAccess(agent: Agent, compiled: CompiledPolicy, nowMs: number): EffectiveAccess {
  const tier = Object.hasOwn(compiled.policy.tiers, agent.tier) ? compiled.policy.tiers[agent.tier] : undefined;
  const grants = new Set<string>();
  const ttls = new Map<string, number>();
  const intentGrants = new Map<string, Set<string>>();
  const onBehalfOf = new Map<string, OnBehalfOf>();
  let canIntrospect = false;
  for (const intent of agent.intents) {
    const granted = new Set<string>();
    intentGrants.set(intent.name, granted);
    for (const scope of intent.scopes) {
      if (!tier || !scopeWithinCeiling(scope, tier.scopes)) continue;
      grants.add(`${intent.audience} ${scope}`);
      granted.add(`${intent.audience} ${scope}`);
      if (scope === INTROSPECT_SCOPE) canIntrospect = true;
    }
    ttls.set(intent.name, Math.min(tier?.maxTtlMs ?? 0, intent.maxTtlMs ?? Number.POSITIVE_INFINITY, HARD_MAX_TTL_MS));
    onBehalfOf.set(intent.name, intent.onBehalfOf ?? 'forbidden');
  }
  return {
    tier: agent.tier,
    grants,
    ttls,
    intentGrants,
    onBehalfOf,
    methods: new Set(authenticationMethods(agent)),
    senderConstraint: tier?.senderConstraint ?? 'none',
    maxDelegationDepth: tier?.maxDelegationDepth ?? 1,
    serves: new Set(agent.serves ?? []),
    // An `introspects` list without the scope to use it grants nothing; the scope without the list grants every audience.
    introspects: new Set(canIntrospect ? (agent.introspects ?? [EVERY_AUDIENCE]) : []),
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

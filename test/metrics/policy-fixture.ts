/** A CompiledPolicy built by hand for metrics and anomaly tests (no YAML, no validation). */
import type { Agent, AnomalyKind, AnomalyRule, CompiledPolicy, Owner, Tier } from '../../src/policy/types.js';
import type { PolicyHolder } from '../../src/context.js';

export const DAY_MS = 86_400_000;
export const NOW_MS = Date.parse('2026-06-01T12:00:00Z');

export function tier(name: string, anomalies: Partial<Record<AnomalyKind, AnomalyRule>> = {}): Tier {
  return { name, scopes: ['*'], maxTtlMs: 600_000, reviewEveryMs: 90 * DAY_MS, anomalies };
}

export function agent(id: string, overrides: Partial<Agent> = {}): Agent {
  return {
    id,
    owner: 'alice',
    tier: 'standard',
    createdBy: 'alice',
    approvedBy: 'bob',
    reviewedAt: '2026-05-01',
    reviewedAtMs: NOW_MS - 30 * DAY_MS,
    status: 'active',
    attestation: [],
    intents: [
      { name: 'read-orders', audience: 'https://orders.example', scopes: ['orders:read'] },
      { name: 'write-orders', audience: 'https://orders.example', scopes: ['orders:write'] },
      { name: 'read-billing', audience: 'https://billing.example', scopes: ['billing:read'] },
    ],
    ...overrides,
  };
}

export function compiled(agents: Agent[], tiers: Tier[] = [tier('standard')], owners?: Owner[]): CompiledPolicy {
  const ownerList = owners ?? [{ id: 'alice', active: true }, { id: 'bob', active: true }];
  return {
    policy: {
      owners: ownerList,
      tiers: Object.fromEntries(tiers.map((t) => [t.name, t])),
      issuers: [],
      userIssuers: [],
      agents,
      operators: [],
      operatorIssuers: [],
    },
    version: 'test',
    agentsById: new Map(agents.map((a) => [a.id, a])),
    ownersById: new Map(ownerList.map((o) => [o.id, o])),
    issuersByIss: new Map(),
    userIssuersByIss: new Map(),
    attestationIndex: new Map(),
  };
}

export function holder(policy: CompiledPolicy): PolicyHolder & { set(p: CompiledPolicy): void } {
  let current = policy;
  return { current: () => current, set: (p) => { current = p; } };
}

/** compilePolicy: the validated policy, frozen, plus the indexes the hot path reads. */
import type { Agent, CompiledPolicy, IssuerAttestation, Owner, Policy, TrustedIssuer, UserIssuer } from './types.js';

type IndexEntry = { agent: Agent; entry: IssuerAttestation };

export function compilePolicy(policy: Policy, version: string, source?: string): CompiledPolicy {
  const frozen = deepFreeze(policy);
  const agentsById = new Map<string, Agent>(frozen.agents.map((a) => [a.id, a]));
  const ownersById = new Map<string, Owner>(frozen.owners.map((o) => [o.id, o]));
  const issuersByIss = new Map<string, TrustedIssuer>(frozen.issuers.map((i) => [i.issuer, i]));
  const userIssuersByIss = new Map<string, UserIssuer>(frozen.userIssuers.map((i) => [i.issuer, i]));
  const attestationIndex = new Map<string, Map<string, IndexEntry[]>>();
  for (const agent of frozen.agents) {
    for (const entry of agent.attestation) {
      if (entry.kind !== 'issuer') continue;
      let bySubject = attestationIndex.get(entry.issuer);
      if (bySubject === undefined) attestationIndex.set(entry.issuer, (bySubject = new Map()));
      let list = bySubject.get(entry.subject);
      if (list === undefined) bySubject.set(entry.subject, (list = []));
      list.push({ agent, entry });
    }
  }
  return Object.freeze({
    policy: frozen,
    version,
    ...(source !== undefined && { source }),
    agentsById,
    ownersById,
    issuersByIss,
    userIssuersByIss,
    attestationIndex,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  }
  return value;
}

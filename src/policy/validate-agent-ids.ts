/** Uniqueness across agents: ids (retired ones included) and attested identities. */
import { bindingsFingerprint } from './claims.js';
import { isRecord } from './problems.js';
import type { Agent } from './types.js';
import { duplicates, type ValidateContext } from './validate-common.js';

/** Duplicate ids, and a retired agent's id reused (its audit trail would become ambiguous). */
export function checkDuplicateIds(ctx: ValidateContext, raw: unknown): void {
  if (!Array.isArray(raw)) return;
  const items = raw.filter(isRecord).filter((a): a is Record<string, unknown> & { id: string } => typeof a.id === 'string');
  for (const id of duplicates(items.map((a) => a.id))) {
    const retired = items.some((a) => a.id === id && a.status === 'retired');
    ctx.problems.error(`agents[${id}].id`, retired
      ? 'reuses the id of a retired agent: retired ids stay reserved so audit trails stay unambiguous'
      : 'duplicate agent id');
  }
}

/** Two agents claiming the same (issuer, subject, claims) would make attestation ambiguous. */
export function checkSharedIdentities(ctx: ValidateContext, agents: readonly Agent[]): void {
  const claimedBy = new Map<string, string>();
  for (const agent of agents) {
    agent.attestation.forEach((entry, i) => {
      if (entry.kind !== 'issuer') return;
      const key = JSON.stringify([entry.issuer, entry.subject, bindingsFingerprint(entry.claims)]);
      const other = claimedBy.get(key);
      if (other !== undefined && other !== agent.id) {
        ctx.problems.error(`agents[${agent.id}].attestation[${i}]`, `the same issuer, subject and claims are already claimed by agent ${other}`);
      } else if (other === undefined) {
        claimedBy.set(key, agent.id);
      }
    });
  }
}

/** Shapes of admin replies built from policy and store data (pure). */
import type { InventoryFilter, LiveInventoryRow } from '../../admin/index.js';
import type { Agent } from '../../policy/types.js';
import type { AgentActivity } from '../../store/types.js';
import type { Static } from '@sinclair/typebox';
import type { ListAgentsQuery } from './schemas.js';

/** The inventory filter a query string asks for (the admin API and the console share the names). */
export function inventoryFilter(q: Static<typeof ListAgentsQuery>): InventoryFilter {
  const bool = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true');
  const filter: InventoryFilter = {};
  const set = <K extends keyof InventoryFilter>(key: K, value: InventoryFilter[K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('orphaned', bool(q.orphaned));
  set('review_overdue', bool(q.review_overdue));
  set('review_due_soon', bool(q.review_due_soon));
  set('refused', bool(q.refused));
  set('state', q.state);
  set('owner', q.owner);
  set('tier', q.tier);
  set('text', q.q);
  return filter;
}

export function agentDetail(agent: Agent, row: LiveInventoryRow, activity: AgentActivity) {
  return {
    agent: row,
    ...(agent.description ? { description: agent.description } : {}),
    intents: agent.intents.map((i) => ({
      name: i.name,
      audience: i.audience,
      scopes: i.scopes,
      ...(i.maxTtlMs !== undefined ? { max_ttl_seconds: Math.floor(i.maxTtlMs / 1000) } : {}),
    })),
    // Public facts only: which issuer/subject attests it, or the ids of its own public keys.
    attestation: agent.attestation.map((e) =>
      e.kind === 'issuer'
        ? { kind: 'issuer', issuer: e.issuer, subject: e.subject }
        : { kind: 'keys', key_ids: e.jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : [])) },
    ),
    recent_denials: activity.recentDenials.map((d) => ({ at: new Date(d.atMs).toISOString(), reason: d.reason })),
  };
}

/** `since`: epoch milliseconds or an ISO 8601 instant; null when neither. */
export function parseSince(value: string): number | null {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** An Accept header that ranks text/csv before application/json. */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const csv = accept.indexOf('text/csv');
  const json = accept.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}

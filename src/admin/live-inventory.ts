/**
 * The live inventory (`GET /admin/agents`, the console): the policy's governance report
 * (buildInventory, given the store's suspensions so state and refusal reason come from the
 * one agentStanding) joined with the rest the store knows: token revocation and the last
 * 24 h activity.
 */
import { buildInventory, type AgentFlag, type AgentState, type InventoryRow } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { AgentActivity, AgentControl, Store } from '../store/types.js';

export interface LiveInventoryRow extends InventoryRow {
  suspension: { at: string; by: string; reason: string } | null;
  tokens_revoked_before: string | null;
  last_seen_at: string | null;
  issued_24h: number;
  denied_24h: number;
  /** Distinct people it acted for in the last 24 h. */
  people_24h: number;
}

export interface InventoryFilter {
  orphaned?: boolean;
  review_overdue?: boolean;
  review_due_soon?: boolean;
  state?: AgentState;
  /** Only agents refused now (true) or only those that may get tokens (false). */
  refused?: boolean;
  owner?: string;
  tier?: string;
  /** Case-insensitive substring of the id, owner, tier, intents, audiences or issuers. */
  text?: string;
}

export function joinAgentState(row: InventoryRow, control: AgentControl, activity: AgentActivity): LiveInventoryRow {
  const s = control.suspended;
  return {
    ...row,
    suspension: s ? { at: iso(s.atMs), by: s.by, reason: s.reason } : null,
    tokens_revoked_before: control.revokedBeforeMs === null ? null : iso(control.revokedBeforeMs),
    last_seen_at: activity.lastSeenMs === null ? null : iso(activity.lastSeenMs),
    issued_24h: activity.issued24h,
    denied_24h: activity.denied24h,
    people_24h: activity.people24h,
  };
}

/** Every agent of the policy, or only `ids`, with the store's state. */
export async function buildLiveInventory(compiled: CompiledPolicy, store: Store, nowMs: number, ids?: readonly string[]): Promise<LiveInventoryRow[]> {
  const wanted = ids ?? compiled.policy.agents.map((a) => a.id);
  const state = new Map(
    await Promise.all(
      wanted.map(async (id) => [id, await Promise.all([store.getAgentControl(id), store.getActivity(id, nowMs)])] as const),
    ),
  );
  const rows = buildInventory(compiled, nowMs, (id) => state.get(id)?.[0].suspended != null).filter((r) => state.has(r.id));
  return rows.map((row) => {
    const [control, activity] = state.get(row.id) as [AgentControl, AgentActivity];
    return joinAgentState(row, control, activity);
  });
}

const FLAGS: readonly AgentFlag[] = ['orphaned', 'review_overdue', 'review_due_soon'];

export function filterInventory<R extends LiveInventoryRow>(rows: readonly R[], filter: InventoryFilter): R[] {
  const text = filter.text?.trim().toLowerCase();
  return rows.filter(
    (r) =>
      FLAGS.every((f) => filter[f] === undefined || r[f] === filter[f]) &&
      (filter.state === undefined || r.state === filter.state) &&
      (filter.refused === undefined || (r.blocked_by !== null) === filter.refused) &&
      (filter.owner === undefined || r.owner === filter.owner) &&
      (filter.tier === undefined || r.tier === filter.tier) &&
      (!text || searchable(r).includes(text)),
  );
}

function searchable(r: LiveInventoryRow): string {
  return [r.id, r.owner, r.tier, ...r.intents, ...r.audiences, ...r.issuers].join('\n').toLowerCase();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

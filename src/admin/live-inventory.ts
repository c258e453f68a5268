/**
 * The live inventory (`GET /admin/agents`): the policy's governance report (buildInventory)
 * joined with what the store knows: suspension, token revocation, and the last 24 h activity.
 */
import { buildInventory, type InventoryRow } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { AgentActivity, AgentControl, Store } from '../store/types.js';

export type AgentState = 'pending' | 'active' | 'suspended' | 'retired';
export const AGENT_STATES: readonly AgentState[] = ['pending', 'active', 'suspended', 'retired'];

export interface LiveInventoryRow extends Omit<InventoryRow, 'state'> {
  state: AgentState;
  suspension: { at: string; by: string; reason: string } | null;
  tokens_revoked_before: string | null;
  last_seen_at: string | null;
  issued_24h: number;
  denied_24h: number;
}

export interface InventoryFilter {
  orphaned?: boolean;
  review_overdue?: boolean;
  state?: AgentState;
}

/** Retired is final; a suspension outranks a pending review (it is an operator's act). */
export function effectiveState(row: InventoryRow, control: AgentControl): AgentState {
  if (row.state === 'retired') return 'retired';
  if (control.suspended) return 'suspended';
  return row.state;
}

export function joinAgentState(row: InventoryRow, control: AgentControl, activity: AgentActivity): LiveInventoryRow {
  const s = control.suspended;
  return {
    ...row,
    state: effectiveState(row, control),
    suspension: s ? { at: iso(s.atMs), by: s.by, reason: s.reason } : null,
    tokens_revoked_before: control.revokedBeforeMs === null ? null : iso(control.revokedBeforeMs),
    last_seen_at: activity.lastSeenMs === null ? null : iso(activity.lastSeenMs),
    issued_24h: activity.issued24h,
    denied_24h: activity.denied24h,
  };
}

export async function buildLiveInventory(compiled: CompiledPolicy, store: Store, nowMs: number): Promise<LiveInventoryRow[]> {
  const rows = buildInventory(compiled, nowMs);
  return Promise.all(
    rows.map(async (row) => {
      const [control, activity] = await Promise.all([store.getAgentControl(row.id), store.getActivity(row.id, nowMs)]);
      return joinAgentState(row, control, activity);
    }),
  );
}

export function filterInventory(rows: readonly LiveInventoryRow[], filter: InventoryFilter): LiveInventoryRow[] {
  return rows.filter(
    (r) =>
      (filter.orphaned === undefined || r.orphaned === filter.orphaned) &&
      (filter.review_overdue === undefined || r.review_overdue === filter.review_overdue) &&
      (filter.state === undefined || r.state === filter.state),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Everything one agent's console page shows, read from the live policy and the store. */
import { buildLiveInventory } from '../../admin/index.js';
import type { AgentPageData } from '../../console/index.js';
import type { BrokerContext } from '../../context.js';
import { auditCredentials, usageFromRecords } from '../../credentials/index.js';
import { explainDecision, type Role } from '../../policy/index.js';

const DECISIONS = 50;

export async function agentPageData(ctx: BrokerContext, id: string, q: Record<string, string | undefined>, role: Role): Promise<AgentPageData | null> {
  const compiled = ctx.policy.current();
  const agent = compiled.agentsById.get(id);
  if (!agent) return null;
  const nowMs = ctx.clock();
  const [[row], activity, records, control] = await Promise.all([
    buildLiveInventory(compiled, ctx.store, nowMs, [id]),
    ctx.store.getActivity(id, nowMs),
    ctx.store.readAudit({ agent: id, limit: 1000 }),
    ctx.store.getAgentControl(id),
  ]);
  if (!row) return null;
  const explainQuery = {
    ...(q.audience ? { audience: q.audience.slice(0, 2048) } : {}),
    ...(q.intent ? { intent: q.intent.slice(0, 256) } : {}),
    ...(q.scope ? { scope: q.scope.slice(0, 4096) } : {}),
  };
  const scopes = explainQuery.scope?.split(' ').filter(Boolean);
  const explanation = explainQuery.audience
    ? explainDecision(compiled, {
      agentId: id, audience: explainQuery.audience, nowMs, suspension: control.suspended,
      ...(explainQuery.intent ? { intent: explainQuery.intent } : {}), ...(scopes?.length ? { scopes } : {}),
    })
    : null;
  // Methods and their last use, from this agent's own records (the audit is per agent here).
  const usage = usageFromRecords(records, new Map([[id, activity.lastSeenMs]]));
  const credentials = auditCredentials({ ...compiled, policy: { ...compiled.policy, agents: [agent] } }, { nowMs, usage });
  const done = q.done;
  return {
    agent, row,
    methods: credentials.agents[0]?.methods ?? [],
    decisions: records.filter((r) => r.event === 'token_issued' || r.event === 'token_denied').slice(0, DECISIONS),
    anomalies: records.filter((r) => r.event === 'anomaly_detected').slice(0, DECISIONS),
    recentDenials: activity.recentDenials.map((d) => ({ at: new Date(d.atMs).toISOString(), reason: d.reason })),
    explanation, explainQuery, role,
    ...(done === 'suspend' || done === 'resume' || done === 'revoke' ? { notice: `${done === 'suspend' ? 'Suspended' : done === 'resume' ? 'Resumed' : 'Revoked'}: recorded in the audit trail.` } : {}),
  };
}

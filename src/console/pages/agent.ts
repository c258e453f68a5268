/**
 * One agent's page, as a list of sections (summary, why it is refused, intents, how it
 * authenticates, recent decisions, anomalies, actions). Each section is a function of the
 * page's data, so another (e.g. the people it acted for, once delegation exists) is one
 * more entry in AGENT_SECTIONS.
 */
import type { LiveInventoryRow } from '../../admin/index.js';
import type { CredentialMethod } from '../../credentials/index.js';
import { REFUSAL_TEXT, type Agent, type Explanation, type Role } from '../../policy/index.js';
import type { AuditRecord } from '../../store/types.js';
import { html, urlPart, type Html } from '../html.js';
import { explanationPanel } from './explain.js';
import { agentBadges } from './inventory.js';
import { when } from './layout.js';

export interface AgentPageData {
  agent: Agent;
  row: LiveInventoryRow;
  methods: CredentialMethod[];
  /** Most recent first: token_issued and token_denied records of this agent. */
  decisions: AuditRecord[];
  anomalies: AuditRecord[];
  recentDenials: Array<{ at: string; reason: string }>;
  explanation: Explanation | null;
  explainQuery: { audience?: string; intent?: string; scope?: string };
  role: Role;
  notice?: string;
}

export interface AgentSection {
  id: string;
  title: string;
  render(data: AgentPageData): Html | null;
}

export const AGENT_SECTIONS: readonly AgentSection[] = [
  { id: 'why', title: 'May it get tokens?', render: whySection },
  { id: 'intents', title: 'Intents', render: intentsSection },
  { id: 'authentication', title: 'How it authenticates', render: authenticationSection },
  { id: 'decisions', title: 'Recent decisions', render: decisionsSection },
  { id: 'people', title: 'People it acted for', render: peopleSection },
  { id: 'anomalies', title: 'Anomalies', render: anomaliesSection },
  { id: 'actions', title: 'Actions', render: actionsSection },
];

export function agentBody(data: AgentPageData, sections: readonly AgentSection[] = AGENT_SECTIONS): Html {
  const { row, agent } = data;
  const rendered = sections.map((s) => ({ s, body: s.render(data) })).filter((x) => x.body !== null);
  return html`<p><a href="/console/inventory">← Inventory</a></p><h1>${agent.id} ${agentBadges(row)}</h1>
${data.notice ? html`<div class="notice ok" role="status">${data.notice}</div>` : ''}
${agent.description ? html`<p>${agent.description}</p>` : ''}
<div class="panel"><dl class="facts">
<dt>Owner</dt><dd>${row.owner}${row.owner_active ? '' : ' (inactive)'}</dd><dt>Tier</dt><dd>${row.tier}</dd>
<dt>Created by</dt><dd>${row.created_by}</dd><dt>Approved by</dt><dd>${row.approved_by ?? html`<span class="muted">nobody yet</span>`}</dd>
<dt>Reviewed</dt><dd>${row.reviewed_at}, next due ${row.review_due_at.slice(0, 10)}</dd>
<dt>Last seen</dt><dd>${when(row.last_seen_at)}</dd><dt>Last 24 h</dt><dd>${row.issued_24h} issued, ${row.denied_24h} refused</dd>
<dt>Acts for people</dt><dd>${row.acts_for_people ? `yes: ${row.people_24h} distinct in the last 24 h` : 'no'}</dd>
${row.suspension ? html`<dt>Suspended</dt><dd>by ${row.suspension.by} at ${when(row.suspension.at)}: ${row.suspension.reason}</dd>` : ''}
${row.tokens_revoked_before ? html`<dt>Tokens revoked</dt><dd>issued before ${when(row.tokens_revoked_before)}</dd>` : ''}
</dl></div>
${rendered.map(({ s, body }) => html`<section id="${s.id}"><h2>${s.title}</h2>${body}</section>`)}`;
}

function whySection(data: AgentPageData): Html {
  const { row } = data;
  const verdict = row.blocked_by
    ? html`<div class="notice bad" id="refusal">Refused: it ${REFUSAL_TEXT[row.blocked_by]}${row.blocked_by === 'suspended' && row.suspension ? html` (${row.suspension.reason})` : ''}.</div>`
    : html`<div class="notice ok">It may get tokens for its intents.</div>`;
  const q = data.explainQuery;
  const form = html`<form class="filters" method="get" action="/console/agents/${urlPart(row.id)}#why">
<label>Audience<input type="text" name="audience" value="${q.audience ?? ''}" required list="audiences"></label>
<datalist id="audiences">${row.audiences.map((a) => html`<option value="${a}"></option>`)}</datalist>
<label>Intent<select name="intent"><option value="">(as the request would pick)</option>${data.agent.intents.map((i) => html`<option value="${i.name}"${q.intent === i.name ? html` selected` : ''}>${i.name}</option>`)}</select></label>
<label>Scopes<input type="text" name="scope" value="${q.scope ?? ''}" placeholder="space-separated, optional"></label>
<button type="submit">Explain a request</button></form>`;
  return html`${verdict}${form}${data.explanation ? explanationPanel(data.explanation) : ''}`;
}

function intentsSection({ agent }: AgentPageData): Html {
  return html`<table><thead><tr><th>Intent</th><th>Audience</th><th>Scopes</th><th>Max TTL</th></tr></thead><tbody>
${agent.intents.map((i) => html`<tr><td>${i.name}${i.description ? html`<div class="muted">${i.description}</div>` : ''}</td><td>${i.audience}</td><td class="mono">${i.scopes.join(' ')}</td><td>${i.maxTtlMs === undefined ? 'tier' : `${Math.floor(i.maxTtlMs / 1000)} s`}</td></tr>`)}
</tbody></table>`;
}

function authenticationSection({ methods }: AgentPageData): Html {
  return html`<table><thead><tr><th>Method</th><th>Detail</th><th>Last used</th></tr></thead><tbody>
${methods.map((m) => m.kind === 'issuer'
    ? html`<tr><td>platform attestation</td><td>${m.issuer}<br><span class="mono">${m.subject}</span>${m.claims.length ? html`<br><span class="muted">bound: ${m.claims.join(', ')}</span>` : ''}</td><td>${when(m.last_used_at, 'not in the recent records')}</td></tr>`
    : html`<tr><td>own keys</td><td>kids ${m.kids.join(', ') || '(none)'}; ${m.rotated_at ? `rotated ${m.rotated_at}` : 'no declared rotation date'}<br><span class="mono muted">${m.thumbprints.join(' ')}</span></td><td>${when(m.last_used_at, 'not in the recent records')}</td></tr>`)}
</tbody></table>`;
}

function decisionsSection({ decisions, recentDenials }: AgentPageData): Html {
  if (decisions.length === 0 && recentDenials.length === 0) return html`<p class="muted">No decisions in the recent audit stream.</p>`;
  const rows = decisions.length > 0
    ? decisions.map((r) => html`<tr><td>${when(new Date(r.atMs).toISOString())}</td><td>${r.event === 'token_issued' ? 'issued' : 'refused'}</td>
<td>${String(r.data.intent ?? '')}</td><td>${String(r.data.audience ?? '')}</td><td>${r.event === 'token_issued' ? (Array.isArray(r.data.scopes) ? r.data.scopes.join(' ') : '') : String(r.data.reason ?? '')}</td></tr>`)
    : recentDenials.map((d) => html`<tr><td>${when(d.at)}</td><td>refused</td><td></td><td></td><td>${d.reason}</td></tr>`);
  return html`<table><thead><tr><th>At</th><th>Decision</th><th>Intent</th><th>Audience</th><th>Scopes or reason</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Delegation (RFC 8693): whom the agent acted for, from its issued tokens in the recent audit stream. */
function peopleSection({ decisions, row }: AgentPageData): Html | null {
  if (!row.acts_for_people && !row.serves.length) return null;
  const seen = new Map<string, { subject: string; issuer: string; atMs: number; chain: string }>();
  for (const r of decisions) {
    const d = r.data.on_behalf_of as { subject?: unknown; subject_issuer?: unknown; chain?: unknown } | undefined;
    if (r.event !== 'token_issued' || !d || typeof d.subject !== 'string' || typeof d.subject_issuer !== 'string') continue;
    const key = `${d.subject_issuer}\n${d.subject}`;
    if (!seen.has(key)) seen.set(key, { subject: d.subject, issuer: d.subject_issuer, atMs: r.atMs, chain: Array.isArray(d.chain) ? d.chain.join(' ← ') : '' });
  }
  const summary = html`<p>${row.people_24h} distinct people in the last 24 h${row.serves.length ? html`; receives delegated tokens at ${row.serves.join(', ')}` : ''}.</p>`;
  if (seen.size === 0) return html`${summary}<p class="muted">No delegated token in the recent audit stream.</p>`;
  return html`${summary}<table><thead><tr><th>Person</th><th>Identity provider</th><th>Last token</th><th>Chain</th></tr></thead><tbody>
${[...seen.values()].map((p) => html`<tr><td>${p.subject}</td><td>${p.issuer}</td><td>${when(new Date(p.atMs).toISOString())}</td><td>${p.chain}</td></tr>`)}
</tbody></table>`;
}

function anomaliesSection({ anomalies }: AgentPageData): Html {
  if (anomalies.length === 0) return html`<p class="muted">None in the recent audit stream.</p>`;
  return html`<table><thead><tr><th>At</th><th>Kind</th><th>Action</th><th>Detail</th></tr></thead><tbody>
${anomalies.map((r) => html`<tr><td>${when(new Date(r.atMs).toISOString())}</td><td>${String(r.data.kind ?? '')}</td><td>${String(r.data.action ?? '')}</td><td>${String(r.data.detail ?? '')}</td></tr>`)}
</tbody></table>`;
}

function actionsSection({ row, role }: AgentPageData): Html {
  if (role === 'auditor') return html`<p class="muted">Auditors read only: an operator can suspend, resume or revoke this agent.</p>`;
  const link = (action: string, label: string, danger = false) => html`<a class="button${danger ? ' danger' : ''}" href="/console/agents/${urlPart(row.id)}/${action}">${label}</a>`;
  return html`<div class="actions">${row.suspension ? link('resume', 'Resume…') : link('suspend', 'Suspend…', true)}${link('revoke', 'Revoke all its tokens…', true)}</div>
<p class="muted">Each asks for a reason and a confirmation, and is recorded in the audit trail.</p>`;
}

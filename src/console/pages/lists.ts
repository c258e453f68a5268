/** The console's list pages: shadow agents, the recent audit trail, signing keys and issuer key health, the credential audit. */
import type { CredentialReport, JwksHealth } from '../../credentials/index.js';
import type { KeyFacts } from '../../signing/index.js';
import type { AuditRecord, ShadowAgent } from '../../store/types.js';
import { keyValueText } from '../../tabular/index.js';
import { html, query, urlPart, type Html } from '../html.js';
import { badge, when } from './layout.js';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function shadowsBody(shadows: ShadowAgent[]): Html {
  return html`<h1>Shadow agents</h1>
<p class="muted">Workloads whose attestation was valid but that no agent in the policy claims: add a policy entry for them, or find out why they call the broker.</p>
${shadows.length === 0 ? html`<p>None seen.</p>` : html`<table><thead><tr><th>Issuer</th><th>Subject</th><th>First seen</th><th>Last seen</th><th>Attempts</th><th>Claims</th></tr></thead><tbody>
${shadows.map((s) => html`<tr><td>${s.issuer}</td><td class="mono">${s.subject}</td><td>${when(iso(s.firstSeenMs))}</td><td>${when(iso(s.lastSeenMs))}</td><td class="num">${s.attempts}</td><td class="mono">${JSON.stringify(s.claims)}</td></tr>`)}
</tbody></table>`}`;
}

export function auditBody(records: AuditRecord[], filter: { agent?: string; event?: string }): Html {
  return html`<h1>Audit trail</h1>
<form class="filters" method="get" action="/console/audit"><label>Agent<input type="text" name="agent" value="${filter.agent ?? ''}"></label>
<label>Event<input type="text" name="event" value="${filter.event ?? ''}" placeholder="e.g. token_denied"></label><button type="submit">Filter</button>
<a class="button secondary" href="/console/audit">Clear</a></form>
<p class="muted">The most recent ${records.length} records of the store's audit stream (the trail itself is in STS_AUDIT_LOG).</p>
<table><thead><tr><th>At</th><th>Event</th><th>Agent</th><th>Details</th></tr></thead><tbody>
${records.map((r) => html`<tr><td>${when(iso(r.atMs))}</td><td>${r.event}</td><td>${r.agent ? html`<a href="/console/agents/${urlPart(r.agent)}">${r.agent}</a>` : ''}</td><td class="mono">${keyValueText(r.data, ['agent'])}</td></tr>`)}
</tbody></table>`;
}

export type { KeyFacts } from '../../signing/index.js';

export function keysBody(input: { keys: readonly KeyFacts[]; nowMs: number; jwksMaxAgeS: number; issuers: JwksHealth[] }): Html {
  const age = (ms: number | null) => (ms === null ? '' : `${Math.floor((input.nowMs - ms) / 3_600_000)} h`);
  return html`<h1>Signing keys</h1>
<table><thead><tr><th>Key id (kid)</th><th>Alg</th><th>Status</th><th>Published</th><th>Signing since</th><th>Age</th><th>Retired</th></tr></thead><tbody>
${input.keys.map((k) => html`<tr><td class="mono">${k.kid}</td><td>${k.alg ?? ''}</td><td>${k.compromised ? badge('state-retired', k.status === 'withdrawn' ? 'compromised, withdrawn' : 'compromised') : badge(k.status === 'current' ? 'state-active' : 'state-pending', k.status)}</td>
<td>${when(iso(k.publishedAtMs))}</td><td>${when(iso(k.activatedAtMs))}</td><td>${age(k.activatedAtMs ?? k.publishedAtMs)}</td><td>${when(iso(k.retiredAtMs ?? k.compromisedAtMs))}</td></tr>`)}
</tbody></table>
<p class="muted">Offline verifiers cache the JWKS for up to ${input.jwksMaxAgeS} s (its Cache-Control max-age); a compromised key stops verifying there when their cache refreshes.</p>
<h2>Issuer keys (jwks_uri)</h2>
${input.issuers.length === 0 ? html`<p class="muted">The policy names no jwks_uri (keys come from files).</p>` : html`<table><thead><tr><th>jwks_uri</th><th>Status</th><th>Last fetched</th><th>Last failure</th><th>Cause</th></tr></thead><tbody>
${input.issuers.map((h) => html`<tr><td class="mono">${h.jwks_uri}</td><td>${badge(h.status === 'ok' ? 'state-active' : h.status === 'failing' ? 'state-suspended' : 'state-pending', h.status)}</td>
<td>${when(h.last_ok_at)}</td><td>${when(h.last_failure_at)}</td><td>${h.last_error ?? ''}${h.consecutive_failures > 1 ? ` (${h.consecutive_failures} times)` : ''}</td></tr>`)}
</tbody></table>`}`;
}

export function credentialsBody(report: CredentialReport): Html {
  const findings = report.agents.flatMap((a) => a.findings.map((f) => ({ agent: a.agent, ...f })));
  return html`<h1>Credential audit</h1>
<p>${report.summary.high} high, ${report.summary.medium} medium, ${report.summary.low} low. Methods unused for ${report.unused_days} days are flagged. <a href="/console/credentials.csv${query({})}">CSV</a></p>
${report.note ? html`<p class="note">${report.note}</p>` : ''}
<table><thead><tr><th>Severity</th><th>Agent</th><th>Finding</th><th>Fix</th></tr></thead><tbody>
${findings.map((f) => html`<tr><td>${badge(`sev-${f.severity}`, f.severity)}</td><td><a href="/console/agents/${urlPart(f.agent)}">${f.agent}</a></td><td>${f.message}</td><td>${f.fix}</td></tr>`)}
</tbody></table>`;
}

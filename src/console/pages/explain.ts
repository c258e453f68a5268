/** An explained decision as a panel: the verdict, every step, and the rule behind each scope. */
import type { Explanation } from '../../policy/index.js';
import { html, type Html } from '../html.js';

export function explanationPanel(e: Explanation): Html {
  const verdict = e.decision === 'issue' && e.grant
    ? html`<div class="notice ok">Would issue: intent ${e.grant.intent}, scope <code>${e.grant.scopes.join(' ')}</code>, ${e.grant.ttl_seconds} s.</div>`
    : html`<div class="notice bad">Would refuse: <code>${e.error ?? ''}</code> (${e.reason ?? ''}): ${e.description ?? ''}</div>`;
  return html`<div class="panel" id="explanation">${verdict}
<table><thead><tr><th>Step</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>
${e.steps.map((s) => html`<tr><td>${s.step}</td><td class="outcome-${s.outcome}">${s.outcome}</td><td>${s.detail}</td></tr>`)}</tbody></table>
${e.scopes.length ? html`<table><thead><tr><th>Scope</th><th>Granted</th><th>Rule</th></tr></thead><tbody>
${e.scopes.map((s) => html`<tr><td class="mono">${s.scope}</td><td class="outcome-${s.granted ? 'pass' : 'fail'}">${s.granted ? 'yes' : 'no'}</td><td>${s.rule}</td></tr>`)}</tbody></table>` : ''}
<p class="muted">Explained from the live policy at ${e.at} (version ${e.policy_version.slice(0, 12)}); nothing was minted.</p></div>`;
}

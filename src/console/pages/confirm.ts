/** The confirmation of an action on an agent: what it does, a required reason, and an explicit confirmation. */
import type { LiveInventoryRow } from '../../admin/index.js';
import { html, urlPart, type Html } from '../html.js';
import { agentBadges } from './inventory.js';

export type ConsoleAction = 'suspend' | 'resume' | 'revoke';

const WHAT: Record<ConsoleAction, { label: string; effect: string; reasonRequired: boolean }> = {
  suspend: { label: 'Suspend', effect: 'No new token is issued to it, on every instance, from now until an operator resumes it. Tokens it already holds stay valid until they expire (minutes).', reasonRequired: true },
  resume: { label: 'Resume', effect: 'It may get tokens again (if the policy allows it). Resuming restores access: it is refused while the audit trail cannot record it.', reasonRequired: false },
  revoke: { label: 'Revoke', effect: 'It is suspended and every token it holds is revoked at once: resource servers that introspect refuse them now; those verifying offline at expiry.', reasonRequired: true },
};

export function confirmBody(row: LiveInventoryRow, action: ConsoleAction, csrf: string, error?: string): Html {
  const w = WHAT[action];
  return html`<p><a href="/console/agents/${urlPart(row.id)}">← ${row.id}</a></p>
<h1>${w.label} ${row.id}?</h1><p>${agentBadges(row)}</p>
${error ? html`<div class="notice bad" role="alert">${error}</div>` : ''}
<div class="notice">${w.effect}</div>
<form class="panel" method="post" action="/console/agents/${urlPart(row.id)}/${action}">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="reason">Reason${w.reasonRequired ? '' : ' (optional)'}: recorded in the audit trail with your name</label>
<textarea id="reason" name="reason" maxlength="500"${w.reasonRequired ? html` required` : ''}></textarea>
<p class="muted"><span id="reason-left">500</span> characters left</p>
<p><label><input type="checkbox" name="confirm" value="${row.id}" required> I confirm: ${w.label.toLowerCase()} ${row.id}</label></p>
<div class="actions"><button class="${action === 'resume' ? '' : 'danger'}" type="submit">${w.label}</button>
<a class="button secondary" href="/console/agents/${urlPart(row.id)}">Cancel</a></div></form>`;
}

export function isConsoleAction(value: string): value is ConsoleAction {
  return Object.hasOwn(WHAT, value);
}

export function reasonRequired(action: ConsoleAction): boolean {
  return WHAT[action].reasonRequired;
}

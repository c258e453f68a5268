/** The sign-in page: an operator key or a sign-on token (an ID token from an operator_issuers entry). */
import type { ConsoleAssets } from '../assets.js';
import { html } from '../html.js';
import { layout } from './layout.js';

export function signInPage(assets: ConsoleAssets, csrf: string, options: { failed?: string; oidc: boolean; signedOut?: boolean }) {
  return layout({
    title: 'Sign in',
    assets,
    body: html`<div class="signin panel"><h1>Sign in to the console</h1>
${options.signedOut ? html`<div class="notice ok">Signed out.</div>` : ''}
${options.failed ? html`<div class="notice bad" role="alert">${options.failed}</div>` : ''}
<form method="post" action="/console/sign-in" autocomplete="off">
<input type="hidden" name="_csrf" value="${csrf}">
<label for="credential">Operator key${options.oidc ? ' or sign-on token (an ID token from your SSO)' : ''}</label>
<input id="credential" name="credential" type="password" required maxlength="8192" autocomplete="off" autofocus>
<button type="submit">Sign in</button>
</form>
<p class="muted">Auditors may read; operators may also suspend, resume and revoke agents. Every action is audited.</p></div>`,
  });
}

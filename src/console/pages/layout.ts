/** The frame of every console page: head with the hashed assets, navigation, who is signed in, sign-out. */
import type { ConsoleAssets } from '../assets.js';
import { html, type Html } from '../html.js';
import type { ConsoleOperator } from '../session.js';

export type Section = 'inventory' | 'shadows' | 'audit' | 'keys' | 'credentials';

const NAV: Array<[Section, string, string]> = [
  ['inventory', 'Inventory', '/console/inventory'],
  ['shadows', 'Shadow agents', '/console/shadows'],
  ['audit', 'Audit trail', '/console/audit'],
  ['credentials', 'Credentials', '/console/credentials'],
  ['keys', 'Keys', '/console/keys'],
];

export interface LayoutInput {
  title: string;
  assets: ConsoleAssets;
  body: Html;
  /** Absent on the sign-in and error pages shown before a session exists. */
  session?: { operator: ConsoleOperator; csrf: string };
  current?: Section;
}

export function layout(input: LayoutInput): Html {
  const { assets, session } = input;
  const header = session
    ? html`<header class="top"><span class="brand">agent-sts</span>
<nav>${NAV.map(([key, label, href]) => html`<a href="${href}"${key === input.current ? html` class="current" aria-current="page"` : ''}>${label}</a>`)}</nav>
<div class="who"><span>${session.operator.id} (${session.operator.role})</span>
<form method="post" action="/console/sign-out"><input type="hidden" name="_csrf" value="${session.csrf}"><button class="secondary" type="submit">Sign out</button></form></div></header>`
    : html`<header class="top"><span class="brand">agent-sts</span></header>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${input.title} · agent-sts</title>
<link rel="icon" type="image/svg+xml" href="/console/assets/${assets.icon.name}">
<link rel="stylesheet" href="/console/assets/${assets.style.name}" integrity="${assets.style.integrity}">
<script defer src="/console/assets/${assets.script.name}" integrity="${assets.script.integrity}"></script>
</head><body>${header}<main>${input.body}</main></body></html>`;
}

export function badge(kind: string, text: string): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}

export function when(ms: string | null | undefined, otherwise = 'never'): Html {
  return ms ? html`<time datetime="${ms}">${ms.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`<span class="muted">${otherwise}</span>`;
}

export function errorPage(assets: ConsoleAssets, status: number, message: string, session?: LayoutInput['session']): Html {
  const title = status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status >= 500 ? 'Unavailable' : 'Refused';
  return layout({ title, assets, ...(session ? { session } : {}), body: html`<h1>${title}</h1><div class="notice bad">${message}</div><p><a href="/console/inventory">Back to the inventory</a></p>` });
}

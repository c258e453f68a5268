/** The inventory: every agent with its state, flags, refusal reason and activity; filters and search; the live chart. */
import type { InventoryFilter, LiveInventoryRow } from '../../admin/index.js';
import { AGENT_STATES } from '../../policy/index.js';
import type { Html } from '../html.js';
import { html, query, urlPart } from '../html.js';
import { badge, when } from './layout.js';

const FLAG_FILTERS: Array<[keyof InventoryFilter & string, string]> = [
  ['orphaned', 'Orphaned'],
  ['review_overdue', 'Review overdue'],
  ['review_due_soon', 'Review due soon'],
  ['refused', 'Refused now'],
];

export function agentBadges(row: LiveInventoryRow): Html {
  return html`${badge(`state-${row.state}`, row.state)}${row.orphaned ? badge('flag-orphaned', 'orphaned') : ''}${row.review_overdue ? badge('flag-review_overdue', 'review overdue') : ''}${row.review_due_soon ? badge('flag-review_due_soon', 'review due soon') : ''}`;
}

export function inventoryBody(input: { rows: LiveInventoryRow[]; total: number; filter: InventoryFilter; owners: string[]; tiers: string[]; chart: Html; csvHref: string }): Html {
  const { filter } = input;
  const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const rows = input.rows.map((r) => html`<tr data-agent="${r.id}" data-search="${[r.id, r.owner, r.tier, ...r.intents, ...r.audiences].join(' ').toLowerCase()}">
<td><a href="/console/agents/${urlPart(r.id)}">${r.id}</a></td><td>${r.owner}</td><td>${r.tier}</td>
<td>${agentBadges(r)}</td><td>${r.blocked_by?.replace('_', ' ') ?? html`<span class="muted">may get tokens</span>`}</td>
<td>${when(r.last_seen_at)}</td><td class="num">${r.issued_24h}</td><td class="num">${r.denied_24h}</td></tr>`);
  return html`<h1>Agents</h1>${input.chart}
<form class="filters" method="get" action="/console/inventory" role="search">
<label>Search<input id="filter-q" type="search" name="q" value="${filter.text ?? ''}" placeholder="id, owner, intent, audience"></label>
<label>State<select name="state">${option('', filter.state, 'any')}${AGENT_STATES.map((s) => option(s, filter.state))}</select></label>
<label>Owner<select name="owner">${option('', filter.owner, 'any')}${input.owners.map((o) => option(o, filter.owner))}</select></label>
<label>Tier<select name="tier">${option('', filter.tier, 'any')}${input.tiers.map((t) => option(t, filter.tier))}</select></label>
${FLAG_FILTERS.map(([name, label]) => html`<label class="check"><input type="checkbox" name="${name}" value="true"${filter[name] === true ? html` checked` : ''}>${label}</label>`)}
<button type="submit">Filter</button> <a class="button secondary" href="/console/inventory">Clear</a>
<a class="button secondary" href="${input.csvHref}">CSV</a>
</form>
<p class="muted">${input.rows.length} of ${input.total} agents</p>
<table id="inventory"><thead><tr><th>Agent</th><th>Owner</th><th>Tier</th><th>State and flags</th><th>Refused because</th><th>Last seen</th><th>Issued 24 h</th><th>Refused 24 h</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** The filter a console query string asks for (unknown values are ignored: a filter, not a command). */
export function consoleFilter(q: Record<string, string | undefined>): InventoryFilter {
  const filter: InventoryFilter = {};
  if (q.q) filter.text = q.q.slice(0, 256);
  if (q.state && (AGENT_STATES as readonly string[]).includes(q.state)) filter.state = q.state as InventoryFilter['state'];
  if (q.owner) filter.owner = q.owner.slice(0, 256);
  if (q.tier) filter.tier = q.tier.slice(0, 128);
  for (const [name] of FLAG_FILTERS) if (q[name] === 'true') (filter as Record<string, unknown>)[name] = true;
  return filter;
}

export function filterQuery(filter: InventoryFilter): string {
  return query({
    q: filter.text, state: filter.state, owner: filter.owner, tier: filter.tier,
    ...Object.fromEntries(FLAG_FILTERS.map(([name]) => [name, filter[name] === true ? 'true' : undefined])),
  });
}

/**
 * diffPolicies: per agent, what a policy change gains and loses (scopes per audience, token
 * lifetimes, whom each intent may act for, ways to authenticate, sender constraint, delegation
 * depth, audiences served and introspected, whether it may get tokens), plus the attestation
 * issuers, the people's issuers and the operators, for pull-request review. `widened` says
 * whether anything grants more. Pure.
 */
import { REFUSAL_TEXT } from './agent-state.js';
import { formatDuration } from '../duration.js';
import { allIssuerFacts, factChanges, operatorFacts } from './diff-facts.js';
import { effectiveAccess, EVERY_AUDIENCE, type EffectiveAccess } from './effective-access.js';
import type { CompiledPolicy, OnBehalfOf } from './types.js';

export interface Change {
  /** `+` grants more, `-` grants less, `~` neither (informational). */
  sign: '+' | '-' | '~';
  what: string;
}

export interface SubjectDiff {
  subject: string;
  status: 'added' | 'removed' | 'changed';
  changes: Change[];
}

export interface PolicyDiff {
  agents: SubjectDiff[];
  issuers: SubjectDiff[];
  operators: SubjectDiff[];
  widened: boolean;
}

export function diffPolicies(before: CompiledPolicy, after: CompiledPolicy, nowMs: number): PolicyDiff {
  const agents = diffKeyed(
    new Map(before.policy.agents.map((a) => [a.id, effectiveAccess(a, before, nowMs)])),
    new Map(after.policy.agents.map((a) => [a.id, effectiveAccess(a, after, nowMs)])),
    agentChanges,
  );
  const issuers = diffKeyed(allIssuerFacts(before.policy), allIssuerFacts(after.policy), factChanges);
  const operators = diffKeyed(
    new Map(before.policy.operators.map((o) => [`operator ${o.id}`, operatorFacts(o)])),
    new Map(after.policy.operators.map((o) => [`operator ${o.id}`, operatorFacts(o)])),
    factChanges,
  );
  const all = [...agents, ...issuers, ...operators];
  return { agents, issuers, operators, widened: all.some((d) => d.changes.some((c) => c.sign === '+')) };
}

function diffKeyed<T>(before: Map<string, T>, after: Map<string, T>, changes: (a: T | undefined, b: T | undefined) => Change[]): SubjectDiff[] {
  const out: SubjectDiff[] = [];
  for (const subject of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(subject);
    const b = after.get(subject);
    const list = changes(a, b);
    if (list.length === 0) continue;
    out.push({ subject, status: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed', changes: list });
  }
  return out;
}

const EMPTY: EffectiveAccess = {
  tier: '', grants: new Set(), ttls: new Map(), intentGrants: new Map(), onBehalfOf: new Map(), methods: new Set(),
  senderConstraint: 'dpop', maxDelegationDepth: 1, serves: new Set(), introspects: new Set(), refusedBy: 'retired',
};

function agentChanges(before: EffectiveAccess | undefined, after: EffectiveAccess | undefined): Change[] {
  const a = before ?? EMPTY;
  const b = after ?? EMPTY;
  const changes: Change[] = [];
  if (before && after && a.tier !== b.tier) changes.push({ sign: '~', what: `tier ${a.tier} -> ${b.tier}` });
  for (const g of b.grants) if (!a.grants.has(g)) changes.push({ sign: '+', what: `scope ${grantText(g)}` });
  for (const g of a.grants) if (!b.grants.has(g)) changes.push({ sign: '-', what: `scope ${grantText(g)}` });
  changes.push(...lifetimeChanges(a, b));
  for (const m of b.methods) if (!a.methods.has(m)) changes.push({ sign: '+', what: `authenticates by ${m}` });
  for (const m of a.methods) if (!b.methods.has(m)) changes.push({ sign: '-', what: `no longer authenticates by ${m}` });
  if (before && after && a.senderConstraint !== b.senderConstraint) {
    // An unbound token works for whoever holds a copy of it.
    changes.push({ sign: b.senderConstraint === 'none' ? '+' : '-', what: `sender_constraint ${a.senderConstraint} -> ${b.senderConstraint}` });
  }
  if (before && after && a.maxDelegationDepth !== b.maxDelegationDepth) {
    changes.push({ sign: b.maxDelegationDepth > a.maxDelegationDepth ? '+' : '-', what: `max_delegation_depth ${a.maxDelegationDepth} -> ${b.maxDelegationDepth}` });
  }
  changes.push(...onBehalfOfChanges(a.onBehalfOf, b.onBehalfOf));
  for (const s of b.serves) if (!a.serves.has(s)) changes.push({ sign: '+', what: `serves ${s}: receives delegated tokens there and may exchange them onward` });
  for (const s of a.serves) if (!b.serves.has(s)) changes.push({ sign: '-', what: `no longer serves ${s}` });
  changes.push(...introspectsChanges(a.introspects, b.introspects));
  if (a.refusedBy !== b.refusedBy) {
    const may = (r: typeof a.refusedBy) => (r === null ? 'may get tokens' : `refused (it ${REFUSAL_TEXT[r]})`);
    const sign = b.refusedBy === null ? '+' : a.refusedBy === null ? '-' : '~';
    if (before && after) changes.push({ sign, what: `${may(a.refusedBy)} -> ${may(b.refusedBy)}` });
    else if (after) changes.push({ sign: b.refusedBy === null ? '+' : '~', what: `new agent: ${may(b.refusedBy)}` });
  }
  return changes;
}

/**
 * Token lifetimes. An intent kept under its name is compared with itself. Then each grant
 * (`audience scope`) is compared by the longest lifetime any intent gives it, before and
 * after: renaming an intent, or moving a scope to a longer-lived intent, cannot hide a
 * longer-lived token. What a kept intent's own line already says is not said twice.
 */
function lifetimeChanges(a: EffectiveAccess, b: EffectiveAccess): Change[] {
  const changes: Change[] = [];
  const explained = new Set<string>();
  for (const [intent, ms] of b.ttls) {
    const old = a.ttls.get(intent);
    if (old === undefined || old === ms) continue;
    changes.push({ sign: ms > old ? '+' : '-', what: `intent ${intent} token lifetime ${formatDuration(old)} -> ${formatDuration(ms)}` });
    for (const grant of b.intentGrants.get(intent) ?? []) explained.add(`${grant} ${ms}`);
  }
  const before = longestPerGrant(a);
  const groups = new Map<string, { audience: string; old: number; now: number; scopes: string[] }>();
  for (const [grant, now] of longestPerGrant(b)) {
    const old = before.get(grant);
    if (old === undefined || old === now || explained.has(`${grant} ${now}`)) continue;
    const space = grant.lastIndexOf(' ');
    const audience = grant.slice(0, space);
    const key = `${audience} ${old} ${now}`;
    const group = groups.get(key) ?? { audience, old, now, scopes: [] };
    group.scopes.push(grant.slice(space + 1));
    groups.set(key, group);
  }
  for (const { audience, old, now, scopes } of groups.values()) {
    changes.push({ sign: now > old ? '+' : '-', what: `${scopes.join(', ')} for ${audience}: token lifetime ${formatDuration(old)} -> ${formatDuration(now)} (intents renamed or scopes moved)` });
  }
  return changes;
}

function longestPerGrant(access: EffectiveAccess): Map<string, number> {
  const longest = new Map<string, number>();
  for (const [intent, grants] of access.intentGrants) {
    const ms = access.ttls.get(intent) ?? 0;
    for (const grant of grants) longest.set(grant, Math.max(ms, longest.get(grant) ?? 0));
  }
  return longest;
}

/**
 * What on_behalf_of lets an intent be used for: the agent's own work, people's, or both. A change
 * widens when it adds a use, even if it drops another: required -> forbidden lets the agent use
 * the scopes with no person's authority behind it, and allowed -> required only takes away.
 */
const USES: Record<OnBehalfOf, readonly string[]> = { forbidden: ['own'], allowed: ['own', 'people'], required: ['people'] };

function onBehalfOfChanges(a: Map<string, OnBehalfOf>, b: Map<string, OnBehalfOf>): Change[] {
  const changes: Change[] = [];
  for (const [intent, now] of b) {
    const old = a.get(intent);
    if (old === now) continue;
    // A new intent's own use shows in its scopes; acting for people shows only here.
    if (old === undefined) {
      if (now !== 'forbidden') changes.push({ sign: '+', what: `intent ${intent} acts for people (on_behalf_of ${now})` });
      continue;
    }
    const widens = USES[now].some((use) => !USES[old].includes(use));
    changes.push({ sign: widens ? '+' : '-', what: `intent ${intent} on_behalf_of ${old} -> ${now}` });
  }
  for (const [intent, old] of a) if (!b.has(intent) && old !== 'forbidden') changes.push({ sign: '-', what: `intent ${intent} no longer acts for people (removed)` });
  return changes;
}

function introspectsChanges(a: Set<string>, b: Set<string>): Change[] {
  const list = (s: Set<string>) => [...s].join(', ');
  if (a.has(EVERY_AUDIENCE) && b.has(EVERY_AUDIENCE)) return [];
  if (b.has(EVERY_AUDIENCE)) return [{ sign: '+', what: `introspects tokens for every audience${a.size > 0 ? ` (was only ${list(a)})` : ''}` }];
  if (a.has(EVERY_AUDIENCE)) return [{ sign: '-', what: `introspects tokens for ${b.size > 0 ? `only ${list(b)}` : 'no audience'} (was every audience)` }];
  return [
    ...[...b].filter((x) => !a.has(x)).map((x): Change => ({ sign: '+', what: `introspects tokens for ${x}` })),
    ...[...a].filter((x) => !b.has(x)).map((x): Change => ({ sign: '-', what: `no longer introspects tokens for ${x}` })),
  ];
}

function grantText(pair: string): string {
  const space = pair.lastIndexOf(' ');
  return `${pair.slice(space + 1)} for ${pair.slice(0, space)}`;
}

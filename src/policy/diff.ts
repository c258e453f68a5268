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
  tier: '', grants: new Set(), ttls: new Map(), audiences: new Map(), onBehalfOf: new Map(), methods: new Set(),
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
 * Token lifetimes: an intent kept under its name is compared with itself; a new intent (a
 * renamed one among them) with the longest lifetime the agent had before for the same
 * audience, so renaming an intent cannot hide a longer-lived token.
 */
function lifetimeChanges(a: EffectiveAccess, b: EffectiveAccess): Change[] {
  const changes: Change[] = [];
  const longestBefore = new Map<string, number>();
  for (const [intent, ms] of a.ttls) {
    const audience = a.audiences.get(intent);
    if (audience !== undefined) longestBefore.set(audience, Math.max(ms, longestBefore.get(audience) ?? 0));
  }
  for (const [intent, ms] of b.ttls) {
    const old = a.ttls.get(intent);
    if (old !== undefined) {
      if (old !== ms) changes.push({ sign: ms > old ? '+' : '-', what: `intent ${intent} token lifetime ${formatDuration(old)} -> ${formatDuration(ms)}` });
      continue;
    }
    const audience = b.audiences.get(intent);
    const before = audience === undefined ? undefined : longestBefore.get(audience);
    if (before !== undefined && ms > before) {
      changes.push({ sign: '+', what: `intent ${intent} (new) token lifetime ${formatDuration(ms)} for ${audience}, longer than any before (${formatDuration(before)})` });
    }
  }
  return changes;
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

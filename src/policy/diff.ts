/**
 * diffPolicies: per agent, what a policy change gains and loses (scopes per audience,
 * token lifetimes, ways to authenticate, whether it may get tokens), plus the issuers and
 * operators, for pull-request review. `widened` says whether anything grants more. Pure.
 */
import { REFUSAL_TEXT } from './agent-state.js';
import { formatDuration } from '../duration.js';
import type { JSONWebKeySet } from 'jose';
import { effectiveAccess, keyId, type EffectiveAccess } from './effective-access.js';
import type { CompiledPolicy, OperatorIssuer, TrustedIssuer } from './types.js';

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
  const issuers = diffKeyed(
    new Map([...before.policy.issuers.map(issuerFacts), ...before.policy.operatorIssuers.map(operatorIssuerFacts)]),
    new Map([...after.policy.issuers.map(issuerFacts), ...after.policy.operatorIssuers.map(operatorIssuerFacts)]),
    factChanges,
  );
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

const EMPTY: EffectiveAccess = { tier: '', grants: new Set(), ttls: new Map(), methods: new Set(), refusedBy: 'retired' };

function agentChanges(before: EffectiveAccess | undefined, after: EffectiveAccess | undefined): Change[] {
  const a = before ?? EMPTY;
  const b = after ?? EMPTY;
  const changes: Change[] = [];
  if (before && after && a.tier !== b.tier) changes.push({ sign: '~', what: `tier ${a.tier} -> ${b.tier}` });
  for (const g of b.grants) if (!a.grants.has(g)) changes.push({ sign: '+', what: `scope ${grantText(g)}` });
  for (const g of a.grants) if (!b.grants.has(g)) changes.push({ sign: '-', what: `scope ${grantText(g)}` });
  for (const [intent, ms] of b.ttls) {
    const old = a.ttls.get(intent);
    if (old !== undefined && old !== ms) changes.push({ sign: ms > old ? '+' : '-', what: `intent ${intent} token lifetime ${formatDuration(old)} -> ${formatDuration(ms)}` });
  }
  for (const m of b.methods) if (!a.methods.has(m)) changes.push({ sign: '+', what: `authenticates by ${m}` });
  for (const m of a.methods) if (!b.methods.has(m)) changes.push({ sign: '-', what: `no longer authenticates by ${m}` });
  if (a.refusedBy !== b.refusedBy) {
    const may = (r: typeof a.refusedBy) => (r === null ? 'may get tokens' : `refused (it ${REFUSAL_TEXT[r]})`);
    const sign = b.refusedBy === null ? '+' : a.refusedBy === null ? '-' : '~';
    if (before && after) changes.push({ sign, what: `${may(a.refusedBy)} -> ${may(b.refusedBy)}` });
    else if (after) changes.push({ sign: b.refusedBy === null ? '+' : '~', what: `new agent: ${may(b.refusedBy)}` });
  }
  return changes;
}

function grantText(pair: string): string {
  const space = pair.lastIndexOf(' ');
  return `${pair.slice(space + 1)} for ${pair.slice(0, space)}`;
}

/** A fact about an issuer or operator; `rank`, when present, orders its values by how much they grant. */
interface Fact {
  text: string;
  rank?: number;
}
type Facts = Map<string, Fact>;

const ROLE_RANK: Record<string, number> = { auditor: 1, operator: 2, admin: 3 };
const fact = (text: string, rank?: number): Fact => (rank === undefined ? { text } : { text, rank });
const role = (r: string): Fact => fact(r, ROLE_RANK[r]);

/** A jwks_uri, or the keys themselves (by thumbprint): the same keys from another folder are no change. */
function keySource(i: { jwksUri?: string; jwks?: JSONWebKeySet }): Fact {
  return fact(i.jwksUri ?? `keys ${(i.jwks?.keys ?? []).map(keyId).sort().join(', ')}`);
}

function issuerFacts(i: TrustedIssuer): [string, Facts] {
  return [`issuer ${i.issuer}`, new Map<string, Fact>([
    ['keys from', keySource(i)],
    ['audience', fact(i.audience)],
    ...i.algorithms.map((alg) => [`algorithm ${alg}`, fact('allowed')] as [string, Fact]),
    ['max_age', fact(formatDuration(i.maxAgeMs), i.maxAgeMs)],
    // Reusable attestations grant more than single-use ones.
    ['single_use', fact(String(i.singleUse), i.singleUse ? 0 : 1)],
  ])];
}

function operatorIssuerFacts(i: OperatorIssuer): [string, Facts] {
  return [`operator sign-on ${i.issuer}`, new Map<string, Fact>([
    ['keys from', keySource(i)],
    ['audience', fact(i.audience)],
    ...i.algorithms.map((alg) => [`algorithm ${alg}`, fact('allowed')] as [string, Fact]),
    ['role claim', fact(i.roleClaim)],
    ...Object.entries(i.roles).map(([value, r]) => [`${i.roleClaim} ${value}`, role(r)] as [string, Fact]),
  ])];
}

function operatorFacts(o: { role: string; keySha256: string }): Facts {
  // A new key is a new credential: it widens (the old one stops working).
  return new Map([['role', role(o.role)], ['key sha256', fact(`${o.keySha256.slice(0, 12)}...`)]]);
}

/** A new fact widens; a ranked fact widens when its rank rises; any other change moves trust elsewhere (widens). */
function factChanges(before: Facts | undefined, after: Facts | undefined): Change[] {
  const changes: Change[] = [];
  const a = before ?? new Map<string, Fact>();
  const b = after ?? new Map<string, Fact>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const old = a.get(key);
    const now = b.get(key);
    if (old?.text === now?.text) continue;
    const widens = now !== undefined && (old === undefined || old.rank === undefined || now.rank === undefined || now.rank > old.rank);
    changes.push({ sign: widens ? '+' : '-', what: `${key}: ${old?.text ?? '(none)'} -> ${now?.text ?? '(none)'}` });
  }
  return changes;
}

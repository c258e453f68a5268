/** Agents: references, separation of duties, intents within the tier ceiling, governance. */
import { formatDuration } from '../duration.js';
import { computeGovernance } from './governance.js';
import { INTROSPECT_SCOPE } from './introspection.js';
import { parseIsoDate } from './iso-date.js';
import type { RawAgent, RawIntent } from './schema.js';
import { isScopeToken, scopeWithinCeiling } from './scope-glob.js';
import { validators } from './shape.js';
import type { Agent, AttestationEntry, Intent, Owner, Tier } from './types.js';
import { checkDuplicateIds, checkSharedIdentities } from './validate-agent-ids.js';
import { readAttestation } from './validate-attestation.js';
import {
  duplicates, PLAIN_ID, PLAIN_ID_HINT, readDuration, warnIfOverCap, wellFormed, type ValidateContext,
} from './validate-common.js';

interface AgentRefs {
  owners: ReadonlyMap<string, Owner>;
  declaredOwners: ReadonlySet<string>;
  tiers: Readonly<Record<string, Tier>>;
  declaredTiers: ReadonlySet<string>;
  ceilings: ReadonlyMap<string, readonly string[]>;
  declaredIssuers: ReadonlySet<string>;
}

export function readAgents(ctx: ValidateContext, raw: unknown, refs: AgentRefs): Agent[] {
  checkDuplicateIds(ctx, raw);
  const agents: Agent[] = [];
  for (const { item } of wellFormed<RawAgent>(raw, validators.agent)) {
    const agent = readAgent(ctx, item, refs);
    if (agent !== null) agents.push(agent);
  }
  checkSharedIdentities(ctx, agents);
  return agents;
}

function readAgent(ctx: ValidateContext, raw: RawAgent, refs: AgentRefs): Agent | null {
  const path = `agents[${raw.id}]`;
  const before = ctx.problems.items.length;
  if (!PLAIN_ID.test(raw.id)) ctx.problems.error(`${path}.id`, PLAIN_ID_HINT);
  if (!refs.declaredOwners.has(raw.owner)) ctx.problems.error(`${path}.owner`, `${JSON.stringify(raw.owner)} is not declared in owners`);
  if (!refs.declaredTiers.has(raw.tier)) ctx.problems.error(`${path}.tier`, `${JSON.stringify(raw.tier)} is not declared in tiers`);
  if (raw.approved_by !== undefined && raw.approved_by.trim().toLowerCase() === raw.created_by.trim().toLowerCase()) {
    ctx.problems.error(`${path}.approved_by`, 'must not be created_by: an agent is approved by someone other than its creator (separation of duties)');
  }
  const reviewedAtMs = parseIsoDate(raw.reviewed_at);
  if (reviewedAtMs === null) ctx.problems.error(`${path}.reviewed_at`, 'must be an ISO 8601 date such as 2026-10-01');
  else if (reviewedAtMs > ctx.options.nowMs) ctx.problems.error(`${path}.reviewed_at`, 'is in the future');

  const tier = Object.hasOwn(refs.tiers, raw.tier) ? refs.tiers[raw.tier] : undefined;
  const attestation = raw.attestation
    .map((entry, i) => readAttestation(ctx, `${path}.attestation[${i}]`, entry, refs.declaredIssuers))
    .filter((e): e is AttestationEntry => e !== null);
  if (raw.attestation.length === 0) ctx.problems.warning(`${path}.attestation`, 'is empty: nothing can prove this agent, so it can never get tokens');
  const ceiling = refs.ceilings.get(raw.tier);
  const intents = readIntents(ctx, path, raw.intents ?? [], ceiling && { name: raw.tier, scopes: ceiling });
  if (intents.length === 0 && (raw.intents ?? []).length === 0) ctx.problems.warning(`${path}.intents`, 'has no intents: this agent can never get tokens');
  checkIntrospection(ctx, path, raw, intents);
  checkDelegation(ctx, path, raw, intents, tier);

  if (ctx.problems.items.slice(before).some((p) => p.severity === 'error') || reviewedAtMs === null) return null;
  const agent: Agent = {
    id: raw.id,
    ...(raw.description !== undefined && { description: raw.description }),
    owner: raw.owner,
    tier: raw.tier,
    createdBy: raw.created_by,
    ...(raw.approved_by !== undefined && { approvedBy: raw.approved_by }),
    reviewedAt: raw.reviewed_at,
    reviewedAtMs,
    status: raw.status ?? 'active',
    attestation,
    intents,
    ...(raw.introspects !== undefined && { introspects: [...new Set(raw.introspects)] }),
    ...(raw.serves !== undefined && { serves: [...new Set(raw.serves)] }),
  };
  reportGovernance(ctx, path, agent, refs.owners.get(agent.owner), tier);
  return agent;
}

/**
 * RFC 7662 §4: a token usable only at certain resource servers must be judged for the
 * resource server asking. `introspects` names the audiences a resource server serves; an
 * agent that can introspect without it sees the claims of every agent's tokens.
 */
function checkIntrospection(ctx: ValidateContext, path: string, raw: RawAgent, intents: Intent[]): void {
  const canIntrospect = intents.some((i) => i.scopes.includes(INTROSPECT_SCOPE));
  (raw.introspects ?? []).forEach((audience, i) => {
    if (audience.includes('*')) ctx.problems.error(`${path}.introspects[${i}]`, 'must be an exact audience: wildcards are not allowed');
  });
  if (canIntrospect && raw.introspects === undefined) {
    ctx.problems.warning(`${path}.introspects`, `is missing: this resource server may introspect tokens for every audience; list the audiences it serves (RFC 7662 §4)`);
  }
  if (!canIntrospect && raw.introspects !== undefined) {
    ctx.problems.warning(`${path}.introspects`, `has no effect: no intent of this agent grants ${INTROSPECT_SCOPE}`);
  }
}

type Ceiling = { name: string; scopes: readonly string[] };

function readIntents(ctx: ValidateContext, agentPath: string, raw: RawIntent[], tier: Ceiling | undefined): Intent[] {
  const dup = duplicates(raw.map((i) => i.name));
  const reported = new Set<string>();
  const intents: Intent[] = [];
  for (const item of raw) {
    const path = `${agentPath}.intents[${item.name}]`;
    const before = ctx.problems.items.length;
    if (!PLAIN_ID.test(item.name)) ctx.problems.error(`${path}.name`, PLAIN_ID_HINT);
    if (dup.has(item.name) && !reported.has(item.name)) {
      reported.add(item.name);
      ctx.problems.error(`${path}.name`, 'duplicate intent name within this agent');
    }
    if (item.audience.includes('*')) ctx.problems.error(`${path}.audience`, 'must be one exact audience: wildcards are not allowed');
    // Same character set as RFC 6749 §3.3 scope tokens, so it can be echoed in an error_description (§5.2).
    else if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(item.audience)) ctx.problems.error(`${path}.audience`, 'must not contain spaces, quotes, backslashes or control characters');
    if (item.scopes.length === 0) ctx.problems.error(`${path}.scopes`, 'must list at least one scope');
    item.scopes.forEach((scope, i) => {
      if (scope.includes('*')) ctx.problems.error(`${path}.scopes[${i}]`, `${JSON.stringify(scope)}: intent scopes are exact, wildcards are not allowed`);
      else if (!isScopeToken(scope)) ctx.problems.error(`${path}.scopes[${i}]`, 'is not a valid scope (RFC 6749 §3.3 characters, no spaces or quotes)');
      else if (tier !== undefined && !scopeWithinCeiling(scope, tier.scopes)) {
        ctx.problems.error(`${path}.scopes[${i}]`, `${JSON.stringify(scope)} exceeds the ceiling of tier ${tier.name} (${tier.scopes.join(', ')})`);
      }
    });
    const maxTtlMs = item.max_ttl === undefined ? undefined : readDuration(ctx, `${path}.max_ttl`, item.max_ttl);
    warnIfOverCap(ctx, `${path}.max_ttl`, maxTtlMs ?? null);
    if (ctx.problems.items.slice(before).some((p) => p.severity === 'error') || maxTtlMs === null) continue;
    intents.push({
      name: item.name,
      ...(item.description !== undefined && { description: item.description }),
      audience: item.audience,
      scopes: [...new Set(item.scopes)],
      ...(maxTtlMs !== undefined && { maxTtlMs }),
      onBehalfOf: item.on_behalf_of ?? 'forbidden',
    });
  }
  return intents;
}

/** Longest token lifetime advised for a tier whose agents act for people. */
const DELEGATED_TTL_ADVICE_MS = 15 * 60_000;

/**
 * Delegation settings: `serves` names exact audiences, and an intent used for people belongs to
 * a tier whose tokens are short-lived (a token carrying a person's authority should not outlive
 * the minutes it is needed for).
 */
function checkDelegation(ctx: ValidateContext, path: string, raw: RawAgent, intents: Intent[], tier: Tier | undefined): void {
  (raw.serves ?? []).forEach((audience, i) => {
    if (audience.includes('*')) ctx.problems.error(`${path}.serves[${i}]`, 'must be an exact audience: wildcards are not allowed');
    else if (!/^[\x21-\x7e]+$/.test(audience)) ctx.problems.error(`${path}.serves[${i}]`, 'must not contain spaces or control characters');
  });
  if (tier === undefined || tier.maxTtlMs <= DELEGATED_TTL_ADVICE_MS) return;
  for (const intent of intents) {
    if ((intent.onBehalfOf ?? 'forbidden') === 'forbidden') continue;
    ctx.problems.warning(`${path}.intents[${intent.name}].on_behalf_of`,
      `is ${intent.onBehalfOf} but tier ${tier.name} lets tokens live ${formatDuration(tier.maxTtlMs)}: give tiers of agents that act for people a max_ttl of 15m or less`);
  }
}

/** Violations: loaded, but the agent is refused tokens until fixed. Retired agents get none anyway. */
function reportGovernance(ctx: ValidateContext, path: string, agent: Agent, owner: Owner | undefined, tier: Tier | undefined): void {
  if (agent.status === 'retired' || tier === undefined) return;
  const g = computeGovernance(agent, owner, tier, ctx.options.nowMs);
  if (g.pending) ctx.problems.violation(`${path}.approved_by`, 'is missing: the agent awaits creation review and gets no tokens');
  if (g.orphaned) ctx.problems.violation(`${path}.owner`, `${agent.owner} is inactive: the agent is orphaned and gets no tokens until it has an active owner`);
  const due = new Date(g.reviewDueAtMs).toISOString().slice(0, 10);
  if (g.reviewOverdue) {
    ctx.problems.violation(`${path}.reviewed_at`, `review was due ${due} (tier ${tier.name} reviews every ${formatDuration(tier.reviewEveryMs)}): the agent gets no tokens until reviewed`);
  } else if (g.reviewDueSoon) {
    ctx.problems.warning(`${path}.reviewed_at`, `review is due soon, on ${due}`);
  }
}

/**
 * The steps of an explained decision, each in the order the token path checks it, with a
 * sentence saying what was found. The verdicts come from the deciding code itself
 * (computeGovernance, decideGrant); these functions only describe them.
 */
import { formatDuration } from '../duration.js';
import type { DelegationDecision, Removal } from './decide-delegation.js';
import type { GrantDecision } from './decide-grant.js';
import { HARD_MAX_TTL_MS } from './decide-grant.js';
import { scopeMatchesGlob } from './scope-glob.js';
import type { Agent, Governance, Intent, Owner, Tier } from './types.js';

export type StepOutcome = 'pass' | 'fail' | 'unknown' | 'skipped';

export interface ExplainStep {
  step: 'agent' | 'sender_constraint' | 'pending' | 'retired' | 'orphaned' | 'review_overdue' | 'suspended' | 'tier' | 'delegation' | 'intent' | 'audience' | 'scope' | 'ttl';
  outcome: StepOutcome;
  detail: string;
}

export interface ScopeVerdict {
  scope: string;
  granted: boolean;
  /** Which rule kept or removed it: the intent's list and the tier's ceiling glob. */
  rule: string;
}

export interface SuspensionFact {
  by: string;
  reason: string;
  atMs: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function governanceSteps(agent: Agent, owner: Owner | undefined, tier: Tier | undefined, g: Governance): ExplainStep[] {
  const reviewEvery = tier ? formatDuration(tier.reviewEveryMs) : 'unknown';
  return [
    g.pending
      ? { step: 'pending', outcome: 'fail', detail: 'awaiting creation review: the policy entry has no approved_by' }
      : { step: 'pending', outcome: 'pass', detail: `approved by ${agent.approvedBy ?? ''}` },
    g.retired
      ? { step: 'retired', outcome: 'fail', detail: 'status: retired' }
      : { step: 'retired', outcome: 'pass', detail: 'status: active' },
    g.orphaned
      ? { step: 'orphaned', outcome: 'fail', detail: owner ? `owner ${owner.id} is inactive` : `owner ${agent.owner} is not declared` }
      : { step: 'orphaned', outcome: 'pass', detail: `owner ${agent.owner} is active` },
    g.reviewOverdue
      ? { step: 'review_overdue', outcome: 'fail', detail: `review was due ${day(g.reviewDueAtMs)} (reviewed ${agent.reviewedAt}, tier reviews every ${reviewEvery})` }
      : { step: 'review_overdue', outcome: 'pass', detail: `review due ${day(g.reviewDueAtMs)}${g.reviewDueSoon ? ' (soon)' : ''}` },
  ];
}

/**
 * RFC 9449 §5: a tier with sender_constraint dpop issues tokens only bound to the key of the
 * request's DPoP proof. `withProof`: whether the request carries one (undefined: not said).
 */
export function senderConstraintStep(tier: Tier, withProof: boolean | undefined): ExplainStep {
  if (tier.senderConstraint !== 'dpop') {
    const detail = withProof === undefined ? 'a DPoP proof, when sent, binds the token to its key' : withProof ? 'bound to the DPoP proof\'s key' : 'a bearer token';
    return { step: 'sender_constraint', outcome: 'pass', detail: `tier ${tier.name} does not require a DPoP proof: ${detail}` };
  }
  const rule = `tier ${tier.name} issues tokens only bound to a key: the request must carry a DPoP proof (RFC 9449)`;
  if (withProof === undefined) return { step: 'sender_constraint', outcome: 'unknown', detail: rule };
  return withProof ? { step: 'sender_constraint', outcome: 'pass', detail: `${rule}; it does` } : { step: 'sender_constraint', outcome: 'fail', detail: rule };
}

export function suspensionStep(suspension: SuspensionFact | null | undefined): ExplainStep {
  if (suspension === undefined) {
    return { step: 'suspended', outcome: 'unknown', detail: 'suspensions live in the store: ask a running broker (POST /admin/explain) to include them' };
  }
  if (suspension === null) return { step: 'suspended', outcome: 'pass', detail: 'not suspended' };
  return { step: 'suspended', outcome: 'fail', detail: `suspended by ${suspension.by} at ${new Date(suspension.atMs).toISOString()}: ${suspension.reason}` };
}

/**
 * intent, audience and scope steps from the grant's verdict (the first failure skips the
 * rest). `chosen`: the intent the request named or the verdict settled on, for the steps
 * that passed before a failure.
 */
export function grantSteps(decision: GrantDecision | DelegationDecision, requestedIntent: string | undefined, chosen: Intent | undefined): ExplainStep[] {
  const how = requestedIntent === undefined ? 'the only intent matching the audience and scopes' : 'named in the request';
  const passed: Record<'intent' | 'audience' | 'scope', string> = {
    intent: chosen ? `${chosen.name} (${how})` : 'passed',
    audience: chosen ? `${chosen.name} grants ${chosen.audience}` : 'passed',
    scope: decision.ok ? `granted: ${decision.scopes.join(' ')}` : 'passed',
  };
  const order: Array<'intent' | 'audience' | 'scope'> = ['intent', 'audience', 'scope'];
  if (decision.ok) return order.map((step) => ({ step, outcome: 'pass', detail: passed[step] }));
  // A delegation rule (depth, on_behalf_of) is decided with the intent.
  const failedAt = order.indexOf(decision.reason === 'delegation' ? 'intent' : decision.reason);
  return order.map((step, i) =>
    i < failedAt
      ? { step, outcome: 'pass', detail: passed[step] }
      : i === failedAt
        ? { step, outcome: 'fail', detail: decision.description }
        : { step, outcome: 'skipped', detail: `not checked after the ${decision.reason} failure` },
  );
}

/** What a person's token brings to a delegated request: their scopes, and the chain's depth against the tier's limit. */
export function delegationStep(tier: Tier, delegable: readonly string[], depth: number): ExplainStep {
  const maxDepth = tier.maxDelegationDepth ?? 1;
  const scopes = delegable.length > 0 ? delegable.join(' ') : 'none';
  const detail = `acting for a person who may delegate: ${scopes}; the chain passes through ${depth} agent(s), tier ${tier.name} allows ${maxDepth}`;
  return { step: 'delegation', outcome: depth > maxDepth ? 'fail' : 'pass', detail };
}

/** Scope verdicts of a delegated grant: the person's side is one more rule that removes. */
export function delegatedScopeVerdicts(intent: Intent | undefined, tier: Tier, requested: readonly string[], removed: readonly Removal[]): ScopeVerdict[] {
  const by = new Map(removed.map((r) => [r.scope, r.by]));
  return scopeVerdicts(intent, tier, requested).map((v) =>
    v.granted && by.get(v.scope) === 'person' ? { scope: v.scope, granted: false, rule: 'the person\'s token does not carry it' } : v,
  );
}

/** Each scope asked for (or the intent's, when none): whether the intent lists it and which ceiling glob admits it. */
export function scopeVerdicts(intent: Intent | undefined, tier: Tier, scopes: readonly string[]): ScopeVerdict[] {
  return scopes.map((scope) => {
    if (!intent) return { scope, granted: false, rule: 'no intent was selected for the request' };
    if (!intent.scopes.includes(scope)) return { scope, granted: false, rule: `not in intent ${intent.name} (${intent.scopes.join(' ')})` };
    const glob = tier.scopes.find((g) => scopeMatchesGlob(g, scope));
    if (glob === undefined) return { scope, granted: false, rule: `outside the ${tier.name} tier ceiling (${tier.scopes.join(' ')})` };
    return { scope, granted: true, rule: `in intent ${intent.name}, within the tier ceiling by ${glob}` };
  });
}

/** Which limit set the lifetime: the smallest of the tier's, the intent's, the hard cap and the person's token's remaining life. */
export function ttlStep(ttlMs: number, tier: Tier, intent: Intent, personRemainingMs?: number): ExplainStep {
  const limits: Array<[string, number | undefined]> = [
    [`intent ${intent.name} max_ttl`, intent.maxTtlMs],
    [`tier ${tier.name} max_ttl`, tier.maxTtlMs],
    ['the hard cap of 1h', HARD_MAX_TTL_MS],
    ['the person\'s token\'s remaining life', personRemainingMs],
  ];
  const setBy = limits.find(([, ms]) => ms === ttlMs)?.[0] ?? 'the hard cap of 1h';
  return { step: 'ttl', outcome: 'pass', detail: `${formatDuration(ttlMs)}, set by ${setBy}` };
}

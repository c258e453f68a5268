/**
 * decideDelegatedGrant: which intent, scopes and lifetime an agent acting for someone gets
 * (RFC 8693 §1.1 delegation), from the policy alone. Pure. Authority only ever narrows:
 * granted = requested (default: all of the intent's) ∩ the intent's scopes ∩ the tier ceiling
 * ∩ what the person (or the presented token) may delegate. What each side removed is part of
 * the decision, for the audit trail and for the error when nothing is left.
 */
import { deny, names, quote, quoteAll, ttlFor, type GrantDenial } from './decide-grant.js';
import { sameAudience } from '../discovery/audience.js';
import { scopeWithinCeiling } from './scope-glob.js';
import type { Agent, Intent, Tier } from './types.js';

export interface DelegationInput {
  agent: Agent;
  tier: Tier;
  audience: string;
  scopes?: string[] | undefined;
  intent?: string | undefined;
  /** The scopes the person (or the presented token of ours) carries. */
  delegable: readonly string[];
  /** Whose scopes `delegable` are: for the wording of what removed a scope. */
  source: 'person' | 'presented_token';
  /** Agents in the new token's chain, the acting agent included (person -> agent is 1). */
  depth: number;
  /** Whether a person stands at the chain's start; an agent acted for is not one (`on_behalf_of: required`). */
  forPerson: boolean;
}

export type Remover = 'intent' | 'tier' | 'person' | 'presented_token';

export interface Removal {
  scope: string;
  by: Remover;
}

/** A refusal for want of scopes also says what was asked for and what removed each. */
export type DelegationDenial = GrantDenial & { requested?: string[]; removed?: Removal[] };

export type DelegationDecision =
  | { ok: true; intent: Intent; requested: string[]; scopes: string[]; removed: Removal[]; ttlMs: number }
  | DelegationDenial;

export function decideDelegatedGrant(input: DelegationInput): DelegationDecision {
  const { agent, tier } = input;
  const maxDepth = tier.maxDelegationDepth ?? 1;
  if (input.depth > maxDepth) {
    return deny('invalid_request', 'delegation', `the delegation chain would pass through ${input.depth} agents; tier ${tier.name} allows ${maxDepth}`, 'depth');
  }
  const chosen = chooseIntent(agent, input.audience, input.intent, input.forPerson);
  if (!chosen.ok) return chosen;
  const { intent } = chosen;
  const requested = input.scopes === undefined ? [...intent.scopes] : [...new Set(input.scopes)];
  const removed: Removal[] = [];
  const scopes = requested.filter((scope) => {
    const by = remover(scope, intent, tier, input);
    if (by !== null) removed.push({ scope, by });
    return by === null;
  });
  if (scopes.length === 0) return { ...deny('invalid_scope', 'scope', `nothing left to grant: ${describeRemovals(removed, intent)}`), intent, requested, removed };
  return { ok: true, intent, requested, scopes, removed, ttlMs: ttlFor(tier, intent) };
}

function remover(scope: string, intent: Intent, tier: Tier, input: DelegationInput): Remover | null {
  if (!intent.scopes.includes(scope)) return 'intent';
  if (!scopeWithinCeiling(scope, tier.scopes)) return 'tier';
  if (!input.delegable.includes(scope)) return input.source;
  return null;
}

/** Names only this agent's own intent and the scopes asked for: nothing about other agents. */
function describeRemovals(removed: readonly Removal[], intent: Intent): string {
  const by = (who: Remover) => removed.filter((r) => r.by === who).map((r) => r.scope);
  const parts = [
    [by('person'), 'the person does not have'],
    [by('presented_token'), 'the presented token does not carry'],
    [by('intent'), `intent ${intent.name} does not grant`],
    [by('tier'), 'the tier ceiling excludes'],
  ] as const;
  return parts.filter(([scopes]) => scopes.length > 0).map(([scopes, text]) => `${text} ${quoteAll(scopes)}`).join('; ');
}

type Chosen = { ok: true; intent: Intent } | GrantDenial;

/**
 * The intent, which must be one the agent may use on someone's behalf (on_behalf_of allowed or
 * required); `required` means on a person's behalf, so acting for another agent does not meet it.
 */
function chooseIntent(agent: Agent, audience: string, name: string | undefined, forPerson: boolean): Chosen {
  const delegable = (i: Intent) => (i.onBehalfOf ?? 'forbidden') !== 'forbidden';
  const usable = (i: Intent) => delegable(i) && (forPerson || i.onBehalfOf !== 'required');
  if (name !== undefined) {
    const named = agent.intents.find((i) => i.name === name);
    if (named === undefined) return deny('invalid_request', 'intent', `unknown intent ${quote(name)} for agent ${agent.id}; its intents: ${names(agent.intents)}`);
    if (!sameAudience(audience, named.audience)) return deny('invalid_target', 'audience', `intent ${named.name} does not grant audience ${quote(audience)}; it grants ${named.audience}`);
    if (!delegable(named)) return deny('invalid_request', 'delegation', `intent ${named.name} may not be used on behalf of someone (on_behalf_of: forbidden)`, 'intent_forbidden');
    if (!usable(named)) return deny('invalid_request', 'delegation', personOnly(named), 'person_required');
    return { ok: true, intent: named };
  }
  const forAudience = agent.intents.filter((i) => sameAudience(audience, i.audience));
  if (forAudience.length === 0) return deny('invalid_target', 'audience', `no intent of agent ${agent.id} grants audience ${quote(audience)}`);
  const candidates = forAudience.filter(usable);
  if (candidates.length === 1) return { ok: true, intent: candidates[0] as Intent };
  const forPersonOnly = forAudience.find((i) => delegable(i) && !usable(i));
  if (candidates.length === 0 && forPersonOnly) return deny('invalid_request', 'delegation', personOnly(forPersonOnly), 'person_required');
  if (candidates.length === 0) return deny('invalid_request', 'delegation', `no intent of agent ${agent.id} for this audience may be used on behalf of someone`, 'intent_forbidden');
  return deny('invalid_request', 'intent', `several intents match (${names(candidates)}): name one with the intent parameter`);
}

const personOnly = (intent: Intent) => `intent ${intent.name} is used only on behalf of a person (on_behalf_of: required), and this chain starts with an agent`;

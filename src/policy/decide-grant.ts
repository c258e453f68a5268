/**
 * decideGrant: which intent, scopes and lifetime a request gets, from the policy alone.
 * Pure. The agent's state (pending, retired, orphaned, overdue, suspended) is checked
 * before this by the caller; here the checks run in the order intent, audience, scope
 * and the first failure answers, as the token endpoint reports it.
 *
 * Descriptions go to the agent (and so to its owner): they may name this agent's own
 * intents, never anything about other agents.
 */
import { sameAudience } from '../discovery/audience.js';
import { scopeWithinCeiling } from './scope-glob.js';
import type { Agent, Intent, Tier } from './types.js';
import { MAX_TOKEN_TTL_MS as HARD_MAX_TTL_MS } from './validate-common.js';

/** No token lives longer than this, whatever the policy says; the key ring keeps retired keys this long. */
export { HARD_MAX_TTL_MS };

export interface GrantInput {
  agent: Agent;
  tier: Tier;
  audience: string;
  /** Absent: all of the intent's scopes. */
  scopes?: string[] | undefined;
  /** Absent: the one intent that covers the audience and scopes. */
  intent?: string | undefined;
}

/** Why a grant is refused: the OAuth error, the fixed-vocabulary reason, and words for the agent. */
export interface GrantDenial {
  ok: false;
  error: 'invalid_request' | 'invalid_target' | 'invalid_scope';
  reason: 'intent' | 'audience' | 'scope' | 'delegation';
  description: string;
  /** Which delegation rule refused (a fixed vocabulary): depth, intent_forbidden, person_required. */
  check?: string;
  /** The intent chosen before a scope failure (explanations name its rules). */
  intent?: Intent;
}

export type GrantDecision = { ok: true; intent: Intent; scopes: string[]; ttlMs: number } | GrantDenial;

export function decideGrant(input: GrantInput): GrantDecision {
  const { agent, tier, audience } = input;
  const requested = input.scopes === undefined ? [] : [...new Set(input.scopes)];
  let intent: Intent;

  if (input.intent !== undefined) {
    const named = agent.intents.find((i) => i.name === input.intent);
    if (named === undefined) {
      return deny('invalid_request', 'intent', `unknown intent ${quote(input.intent)} for agent ${agent.id}; its intents: ${names(agent.intents)}`);
    }
    if (!sameAudience(audience, named.audience)) {
      return deny('invalid_target', 'audience', `intent ${named.name} does not grant audience ${quote(audience)}; it grants ${named.audience}`);
    }
    if (named.onBehalfOf === 'required') return deny('invalid_request', 'delegation', onlyOnBehalf(named), 'person_required');
    intent = named;
  } else {
    const forAudience = agent.intents.filter((i) => sameAudience(audience, i.audience) && requested.every((s) => i.scopes.includes(s)));
    const candidates = forAudience.filter((i) => i.onBehalfOf !== 'required');
    if (candidates.length === 0 && forAudience.length > 0) return deny('invalid_request', 'delegation', onlyOnBehalf(forAudience[0] as Intent), 'person_required');
    if (candidates.length > 1) {
      return deny('invalid_request', 'intent', `several intents match (${names(candidates)}): name one with the intent parameter`);
    }
    const only = candidates[0];
    if (only === undefined) {
      if (!agent.intents.some((i) => sameAudience(audience, i.audience))) {
        return deny('invalid_target', 'audience', `no intent of agent ${agent.id} grants audience ${quote(audience)}`);
      }
      return deny('invalid_scope', 'scope', `no intent of agent ${agent.id} for this audience grants the requested scopes ${quoteAll(requested)}`);
    }
    intent = only;
  }

  const scopes = requested.length > 0 ? requested : [...intent.scopes];
  const outside = scopes.filter((s) => !intent.scopes.includes(s) || !scopeWithinCeiling(s, tier.scopes));
  if (outside.length > 0) {
    return { ...deny('invalid_scope', 'scope', `intent ${intent.name} does not grant ${quoteAll(outside)}; it grants ${intent.scopes.join(' ')}`), intent };
  }
  return { ok: true, intent, scopes, ttlMs: ttlFor(tier, intent) };
}

/** TTL = min(tier max_ttl, intent max_ttl, the hard cap). */
export function ttlFor(tier: Tier, intent: Intent): number {
  return Math.min(tier.maxTtlMs, intent.maxTtlMs ?? Number.POSITIVE_INFINITY, HARD_MAX_TTL_MS);
}

function onlyOnBehalf(intent: Intent): string {
  return `intent ${intent.name} is used only on behalf of a person: present their token as subject_token and your own attestation as actor_token`;
}

export function deny(error: GrantDenial['error'], reason: GrantDenial['reason'], description: string, check?: string): GrantDenial {
  return check === undefined ? { ok: false, error, reason, description } : { ok: false, error, reason, description, check };
}

export function names(intents: readonly Intent[]): string {
  return intents.length === 0 ? '(none)' : intents.map((i) => i.name).join(', ');
}

// RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E, so
// request input is echoed only when it fits that set (and is short), else elided.
const SAFE_ECHO = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

export function quote(value: string): string {
  return SAFE_ECHO.test(value) ? `'${value}'` : '(value not shown)';
}

export function quoteAll(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.slice(0, 10).map(quote).join(' ');
}

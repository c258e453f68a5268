/**
 * The typed principal from a verified payload. Pure. Every claim the broker always puts in its
 * tokens must be there with the right type, or the token is not one of ours (fail closed).
 */
import { invalidToken } from './errors.js';
import { boundKey } from './token-binding.js';
import type { Actor, AgentPrincipal } from './types.js';

/** RFC 8693 §4.1 chains nest; a chain deeper than this is refused rather than walked. */
export const MAX_ACT_DEPTH = 8;

const REQUIRED_STRINGS = ['iss', 'sub', 'client_id', 'jti', 'intent', 'tier', 'owner', 'scope'] as const;

export function principalFromClaims(claims: Record<string, unknown>): AgentPrincipal {
  for (const name of REQUIRED_STRINGS) {
    if (typeof claims[name] !== 'string') throw invalidToken('bad_claims', `the access token has no ${name} claim`);
  }
  const { exp, iat, aud } = claims;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw invalidToken('bad_claims', 'the access token has no exp or iat');
  const audience = Array.isArray(aud) ? aud[0] : aud;
  if (typeof audience !== 'string') throw invalidToken('bad_claims', 'the access token has no aud');
  const text = (name: (typeof REQUIRED_STRINGS)[number]) => claims[name] as string;
  const act = claims.act === undefined ? undefined : actorChain(claims.act);
  const jkt = boundKey(claims);
  return {
    agent: text('client_id'),
    subject: text('sub'),
    owner: text('owner'),
    tier: text('tier'),
    intent: text('intent'),
    scopes: Object.freeze(text('scope').split(' ').filter((s) => s.length > 0)),
    ...(act ? { act } : {}),
    ...(jkt ? { jkt } : {}),
    issuer: text('iss'),
    audience,
    tokenId: text('jti'),
    issuedAtMs: iat * 1000,
    expiresAtMs: exp * 1000,
    claims: Object.freeze({ ...claims }),
  };
}

/** The nested `act` claims as a list, current actor first; malformed or too deep -> refused. */
export function actorChain(act: unknown): readonly Actor[] {
  const chain: Actor[] = [];
  let node = act;
  while (node !== undefined) {
    if (chain.length >= MAX_ACT_DEPTH) throw invalidToken('bad_claims', 'the delegation chain is too deep');
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw invalidToken('bad_claims', 'the act claim is malformed');
    const { sub, iss, client_id: clientId, act: next } = node as Record<string, unknown>;
    if (typeof sub !== 'string' || sub.length === 0) throw invalidToken('bad_claims', 'an actor has no sub');
    if ((iss !== undefined && typeof iss !== 'string') || (clientId !== undefined && typeof clientId !== 'string')) {
      throw invalidToken('bad_claims', 'the act claim is malformed');
    }
    chain.push({ sub, ...(typeof iss === 'string' ? { iss } : {}), ...(typeof clientId === 'string' ? { client_id: clientId } : {}) });
    node = next;
  }
  return Object.freeze(chain);
}

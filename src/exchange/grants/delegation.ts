/**
 * RFC 8693 delegation in a token exchange: the subject token is a person's token (from a
 * `user_issuers` entry) or a token of ours presented back by an agent that serves its audience
 * (a chain); the actor is the agent, proven by its own attestation (actor_token) or its client
 * assertion. Every problem with the subject or actor token gets one answer (RFC 8693 §2.2.2
 * invalid_request); the reason goes to the log and the audit trail.
 */
import { sha256Hex, verifyPersonToken, type AttestationContext } from '../../attestation/index.js';
import type { DecodedJws, JwsFailure } from '../../jws/index.js';
import { actChain, type AccessTokenClaims, type AccessTokenInput, type ActClaim, type MayActClaim } from '../../signing/index.js';
import { SUBJECT_TOKEN_REFUSALS } from '../refusals.js';
import type { Authentication, Caller, Delegation, GrantContext } from './grant.js';

export type SubjectKind = 'person' | 'ours' | 'attestation';

/**
 * Which kind of token the subject is, by its UNVERIFIED `iss`: it only chooses the verifier,
 * which then decides (a forged `iss` just meets the wrong verifier and fails).
 */
export function subjectKind(jws: DecodedJws | JwsFailure, ctx: AttestationContext): SubjectKind {
  const iss = jws.ok ? jws.payload.iss : undefined;
  if (typeof iss !== 'string') return 'attestation';
  if (iss === ctx.stsIssuer) return 'ours';
  return ctx.policy.userIssuersByIss.has(iss) ? 'person' : 'attestation';
}

/** The token dies with the subject token, and with the actor's attestation when that came first. */
const earliest = (actorNotAfterMs: number | undefined, subjectExpMs: number): number =>
  actorNotAfterMs === undefined ? subjectExpMs : Math.min(actorNotAfterMs, subjectExpMs);

const refused = (check: string, internal: string): Authentication => ({ ok: false, error: SUBJECT_TOKEN_REFUSALS.proof('delegation', internal, check) });

/** The actor (already proven) acting for the subject token's person or chain. */
export async function delegate(actor: Caller, subjectToken: string, kind: 'person' | 'ours', ctx: GrantContext): Promise<Authentication> {
  return kind === 'person' ? forPerson(actor, subjectToken, ctx.attestation) : forChain(actor, subjectToken, ctx);
}

async function forPerson(actor: Caller, token: string, ctx: AttestationContext): Promise<Authentication> {
  const person = await verifyPersonToken(token, ctx);
  if (!person.ok) return refused('person_token', `person token: ${person.reason}: ${person.detail}`);
  if (person.mayAct && !mayActAllows(person.mayAct, actor, ctx.stsIssuer)) return refused('may_act', 'may_act names another actor');
  const delegation: Delegation = {
    kind: 'person',
    subject: person.subject,
    subjectIssuer: person.issuer,
    delegable: person.scopes,
    act: { sub: actor.agent.id },
    depth: 1,
    ...(person.mayAct ? { mayAct: person.mayAct } : {}),
    person: { issuer: person.issuer, subject: person.subject },
    subjectIssuedAtMs: person.issuedAtMs,
    subjectTokenSha256: person.tokenHash,
    ...(person.jti !== undefined ? { subjectTokenJti: person.jti } : {}),
  };
  // The new token dies with the person's token (RFC 8693 §2.1: it stands for the subject).
  return { ok: true, caller: { ...actor, notAfterMs: earliest(actor.notAfterMs, person.expiresAtMs), delegation } };
}

/**
 * RFC 8693 §4.4: when the person's token says who may act for them, the actor must be that
 * one: named by its agent id (with `iss`, if given, the broker's own), or by the identity its
 * attestation proved (`iss` and `sub` of the platform token). Tokens built on such a token
 * carry the same `may_act`, so every later hop is held to it too.
 */
function mayActAllows(allowed: MayActClaim, actor: Caller, stsIssuer: string): boolean {
  const byAgentId = allowed.sub === actor.agent.id && (allowed.iss === undefined || allowed.iss === stsIssuer);
  const byAttestation = allowed.iss !== undefined && allowed.iss === actor.proof.issuer && allowed.sub === actor.proof.subject;
  return byAgentId || byAttestation;
}

/**
 * A token of ours presented back by the agent it was issued to the audience of: that agent
 * serves the audience (the policy's `serves`), appears nowhere in the chain yet, and acts on
 * for whoever the token acts for. Liveness (revocation, suspension) is checked in the store.
 */
async function forChain(actor: Caller, token: string, ctx: GrantContext): Promise<Authentication> {
  const verified = await ctx.ownToken(token);
  if (!verified.ok) return refused('presented_token', `presented token: ${verified.reason}`);
  const claims = verified.claims;
  if (!(actor.agent.serves ?? []).includes(claims.aud)) return refused('not_served', `the actor does not serve the presented token's audience`);
  const chain = claims.act ? actChain(claims.act) : [];
  if (chain === null) return refused('presented_token', 'the presented token has a malformed act chain');
  if (claims.may_act && !mayActAllows(claims.may_act, actor, ctx.attestation.stsIssuer)) return refused('may_act', 'the person\'s may_act names another actor');
  const agents = presentedAgents(claims, chain, ctx.attestation.stsIssuer);
  if (agents.includes(actor.agent.id)) return refused('actor_in_chain', 'the actor is already part of the chain');
  const subjectIssuer = claims.subject_issuer ?? ctx.attestation.stsIssuer;
  const delegation: Delegation = {
    kind: 'chain',
    subject: claims.sub,
    subjectIssuer,
    delegable: claims.scope.split(' ').filter((s) => s !== ''),
    act: nest(actor.agent.id, claims),
    // Every agent the new token stands on counts, an agent acted for as much as an actor.
    depth: agents.length + 1,
    ...(claims.may_act ? { mayAct: claims.may_act } : {}),
    ...(subjectIssuer !== ctx.attestation.stsIssuer ? { person: { issuer: subjectIssuer, subject: claims.sub } } : {}),
    subjectIssuedAtMs: claims.iat * 1000,
    presented: { jti: claims.jti, agents },
    subjectTokenSha256: sha256Hex(token),
    subjectTokenJti: claims.jti,
  };
  // Each hop: never past the presented token's own expiry.
  return { ok: true, caller: { ...actor, notAfterMs: earliest(actor.notAfterMs, claims.exp * 1000), delegation } };
}

/** The agents a presented token stands on: its holder, its act chain, and the agent it acts for (if `sub` is one). */
function presentedAgents(claims: AccessTokenClaims, chain: string[], stsIssuer: string): string[] {
  const agents = new Set([claims.client_id, ...chain]);
  if ((claims.subject_issuer ?? stsIssuer) === stsIssuer) agents.add(claims.sub);
  return [...agents];
}

/** What the minted token says about whom it acts for, and by whose leave. */
export function onBehalfOfClaims(d: Delegation): NonNullable<AccessTokenInput['onBehalfOf']> {
  return { subject: d.subject, subjectIssuer: d.subjectIssuer, act: d.act, ...(d.mayAct ? { mayAct: d.mayAct } : {}) };
}

/** RFC 8693 §4.1: the current actor outermost, the earlier ones nested. */
function nest(actorId: string, presented: AccessTokenClaims): ActClaim {
  return presented.act ? { sub: actorId, act: presented.act } : { sub: actorId };
}

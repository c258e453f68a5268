/**
 * Is a token of ours still good? Shared by introspection (RFC 7662), revocation (RFC 7009), the
 * admin token revocation and the exchange's born-revoked guard. verifyBrokerToken checks the signature against our own ring,
 * the issuer, exp/nbf and compromised keys; then the store: revoked by jti, by its agent's
 * revocation or suspension, or issued before the store's epoch (the store lost its state).
 */
import { actChain, verifyBrokerToken, type AccessTokenClaims, type BrokerKeySource } from '../signing/index.js';
import type { AgentControl, PartiesState, Store, TokenParties } from '../store/types.js';

export type TokenStatus =
  | { active: true; kid: string; claims: AccessTokenClaims }
  | { active: false; reason: string; claims?: AccessTokenClaims };

export interface TokenStatusDeps {
  ring: BrokerKeySource;
  issuer: string;
  store: Store;
  nowMs: number;
}

/**
 * Inactive only while an agent stays suspended: a resume brings the token back, so a holder
 * revoking it meanwhile must still have it revoked for good.
 */
export function revocableNow(status: TokenStatus): status is TokenStatus & { claims: AccessTokenClaims } {
  return status.active || (status.claims !== undefined && (status.reason === 'agent_suspended' || status.reason === 'chain_agent_suspended'));
}

/** Store failures (StoreUnavailableError) propagate: the caller answers 503, never "active". */
export async function tokenStatus(token: string, deps: TokenStatusDeps): Promise<TokenStatus> {
  const verified = await verifyBrokerToken(token, { ring: deps.ring, issuer: deps.issuer, now: deps.nowMs });
  if (!verified.ok) return { active: false, reason: verified.reason };
  const { claims, header } = verified;
  const parties = tokenParties(claims, deps.issuer);
  const state = await deps.store.checkToken(claims.jti, claims.client_id, parties);
  if (state.revoked) return { active: false, reason: 'revoked', claims };
  const byTime = revocationByTime(claims.iat, state.control.revokedBeforeMs, state.epochMs);
  if (byTime) return { active: false, reason: byTime, claims };
  // A suspended agent acts for nobody, itself included: its tokens are inactive while it lasts,
  // as verifiers told of the suspension by Shared Signals refuse them.
  if (state.control.suspended) return { active: false, reason: 'agent_suspended', claims };
  const delegated = parties ? delegationEnded(claims.iat, state.control, state.parties) : null;
  if (delegated) return { active: false, reason: delegated, claims };
  return { active: true, kid: header.kid, claims };
}

/**
 * A delegated token's other parties: the agents of its act chain besides its holder (and the
 * agent it acts for, when `sub` is one), and the person it acts for. Undefined for a direct token.
 */
export function tokenParties(claims: AccessTokenClaims, brokerIssuer: string): TokenParties | undefined {
  if (!claims.act || claims.subject_issuer === undefined) return undefined;
  const chain = (actChain(claims.act) ?? []).filter((id) => id !== claims.client_id);
  if (claims.subject_issuer === brokerIssuer) return { agents: [...chain, claims.sub] };
  return { agents: chain, person: { issuer: claims.subject_issuer, subject: claims.sub } };
}

/**
 * A token that carries someone else's authority ends when any agent it passes through is
 * suspended or revoked, or the person's tokens are revoked: it must not outlive the trust in
 * any link of the chain.
 */
export function delegationEnded(iat: number, holder: AgentControl, parties: PartiesState | undefined): string | null {
  if (holder.suspended) return 'agent_suspended';
  for (const control of parties?.controls ?? []) {
    if (control.suspended) return 'chain_agent_suspended';
    if (control.revokedBeforeMs !== null && iat * 1000 <= control.revokedBeforeMs) return 'chain_agent_revoked';
  }
  const personRb = parties?.personRevokedBeforeMs ?? null;
  if (personRb !== null && iat * 1000 <= personRb) return 'person_revoked';
  return null;
}

/**
 * `iat` has whole seconds; the store's instants are ms. An agent revocation at R revokes
 * every token whose issue second starts at or before R (it may over-revoke within that
 * second: fail closed). The epoch refuses tokens surely issued before it (their whole second
 * ended by then), so a token minted in the epoch's first second stays good.
 */
export function revocationByTime(iat: number, revokedBeforeMs: number | null, epochMs: number): 'agent_revoked' | 'before_epoch' | null {
  if (revokedBeforeMs !== null && iat * 1000 <= revokedBeforeMs) return 'agent_revoked';
  if ((iat + 1) * 1000 <= epochMs) return 'before_epoch';
  return null;
}
